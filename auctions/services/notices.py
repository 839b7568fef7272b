"""A sale's notices on the public portal, through ``trading.services.notices.notice_publish`` like every notice.

The sale notice (出让/转让公告) is published with the sale (``sales.notice_publish``). A lot's result notice follows
its outcome: 成交公告 with the signed 网上竞得证明 attached once the lot is sold (at the close, or when the state-assets
authority approves a deal below 90 % of the valuation), 流拍公告 when there is no deal. It is published by the task
``auctions.tasks.lot_result_notice`` that the close and the approval queue: the close stays on the hall's path, the
PDF is rendered off it; a winner's refusal to sign voids a published result with a notice of its own (流标 type,
the lot's second result notice). Publishing is idempotent per lot and kind (the notice's ``link`` names the lot).
Notices are written in Chinese whatever the language of the person who caused them: they are the public record.
"""

from django.db import transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from trading.models import Announcement
from trading.services.notices import notice_publish

from ..models import Lot, LotDocument, Sale
from .log import lot_lock

PUBLIC_LANGUAGE = "zh-hans"


def _yuan(amount) -> str:
    return f"{amount:,.2f}"


def _when(moment) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M")


def lot_link(lot: Lot) -> str:
    """The lot's place on its sale's public page: what its result notice links to (and is known by)."""
    return f"{reverse('auctions:sale', args=[lot.sale_id])}#lot-{lot.pk}"


def sale_notice_publish(*, sale: Sale) -> Announcement:
    """The sale notice (交易公告 on the portal): the notice text and, per lot, its public terms. Never the reserve."""
    with translation.override(PUBLIC_LANGUAGE):
        lines = [sale.notice_text.strip()] if sale.notice_text.strip() else []
        lines.append(_("Unified deal code: %(code)s") % {"code": sale.deal_code})
        lines.append(_("Seller: %(seller)s; organised by: %(host)s") % {"seller": sale.seller.name,
                                                                          "host": sale.host.name})
        lines.append(_("Method: %(kind)s, %(method)s") % {"kind": sale.get_kind_display(),
                                                           "method": sale.get_method_display()})
        lines.append(_("Applications and deposits by: %(when)s") % {"when": _when(sale.application_deadline)})
        if sale.listing_ends_at:
            lines.append(_("Listing from %(start)s to %(end)s") % {"start": _when(sale.starts_at),
                                                                   "end": _when(sale.listing_ends_at)})
        else:
            lines.append(_("The auction starts at %(start)s") % {"start": _when(sale.starts_at)})
        for lot in sale.lots.order_by("number"):
            terms = _("Lot %(n)d %(title)s: starting price %(start)s yuan, increment %(step)s yuan, deposit "
                      "%(deposit)s yuan") % {"n": lot.number, "title": lot.title, "start": _yuan(lot.starting_price),
                                             "step": _yuan(lot.increment), "deposit": _yuan(lot.deposit)}
            if lot.valuation is not None:
                terms += _("; valuation %(value)s yuan") % {"value": _yuan(lot.valuation)}
            lines.append(terms)
        title = _("%(title)s: sale notice") % {"title": sale.title}
    return notice_publish(kind=Announcement.Kind.TENDER, title=title, body="\n".join(lines), category=sale.category,
                          region=sale.region, deal_code=sale.deal_code or "",
                          link=reverse("auctions:sale", args=[sale.pk]))


def _result_kind(lot: Lot) -> str | None:
    if lot.state == Lot.State.SOLD:
        return Announcement.Kind.AWARD
    if lot.state in (Lot.State.NO_DEAL, Lot.State.REFUSED):
        return Announcement.Kind.FAILURE
    return None  # still bidding, or waiting for approval


def lot_result_notice_publish(*, lot_id: int) -> Announcement | None:
    """The lot's result notice (中标结果公告 on the portal), once: 成交公告 naming the winner with the 网上竞得证明
    attached, or 流拍公告 with the reason. Nothing while the lot has no final result."""
    lot = Lot.objects.select_related("sale").get(pk=lot_id)
    kind = _result_kind(lot)
    if kind is None:
        return None
    certificate = None
    if kind == Announcement.Kind.AWARD:
        from ..documents import document_generate  # the PDF is made outside the lot's lock (it is slow)

        certificate = document_generate(lot_id=lot.pk, kind=LotDocument.Kind.CERTIFICATE)
    with transaction.atomic():
        lot = lot_lock(lot_id=lot_id)  # one publisher per lot at a time
        kind, link = _result_kind(lot), lot_link(lot)
        if kind is None:
            return None
        done = Announcement.objects.filter(deal_code=lot.sale.deal_code or "", kind=kind, link=link).first()
        if done is not None:
            return done
        sale = lot.sale
        with translation.override(PUBLIC_LANGUAGE):
            lines = [_("Unified deal code: %(code)s") % {"code": sale.deal_code},
                     _("Lot %(n)d: %(title)s") % {"n": lot.number, "title": lot.title},
                     _("Seller: %(seller)s; organised by: %(host)s") % {"seller": sale.seller.name,
                                                                       "host": sale.host.name},
                     _("Starting price (yuan): %(amount)s") % {"amount": _yuan(lot.starting_price)},
                     _("Bidding closed at: %(when)s") % {"when": _when(lot.closed_at)}]
            attachments = []
            if kind == Announcement.Kind.AWARD:
                winner = lot.leading
                lines += [_("Winner: %(name)s (bidder number %(number)s)") % {
                              "name": winner.organisation.name, "number": winner.bidder_number},
                          _("Deal price (yuan): %(amount)s") % {"amount": _yuan(lot.deal_price)},
                          _("Premium (yuan): %(amount)s") % {"amount": _yuan(lot.deal_price - lot.starting_price)}]
                if lot.reserve_price is not None:
                    lines.append(_("Reserve price, opened at the close (yuan): %(amount)s") % {
                        "amount": _yuan(lot.reserve_price)})
                with open(certificate.storage_path, "rb") as handle:
                    attachments.append((f"网上竞得证明-{lot.deal_key}.pdf", handle.read()))
                title = _("%(title)s, lot %(n)d: deal notice") % {"title": sale.title, "n": lot.number}
            elif lot.state == Lot.State.REFUSED:
                lines += [_("Winner: %(name)s (bidder number %(number)s)") % {
                              "name": lot.leading.organisation.name, "number": lot.leading.bidder_number},
                          _("Result: the winner did not sign the deal confirmation; the result is void and the "
                            "deposit is not refunded. %(reason)s") % {"reason": lot.outcome_reason}]
                title = _("%(title)s, lot %(n)d: notice that the result is void") % {"title": sale.title,
                                                                                     "n": lot.number}
            else:
                lines.append(_("Result: no deal. %(reason)s") % {"reason": lot.outcome_reason})
                title = _("%(title)s, lot %(n)d: no-deal notice") % {"title": sale.title, "n": lot.number}
        return notice_publish(kind=kind, title=title, body="\n".join(lines), category=sale.category,
                              region=sale.region, deal_code=sale.deal_code or "", link=link,
                              attachments=attachments)
