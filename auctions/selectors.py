"""Reads of sales: the live hall's entry and snapshot, the public lists. Names stay hidden until a lot closes."""

from django.utils import timezone

from accounts.models import Role

from .models import FINISHED, Application, Lot, LotEvent, Sale
from .services.sales import is_host

HOST, OBSERVER, BIDDER, PUBLIC = "host", "observer", "bidder", "public"
RECENT_BIDS = 50


def audience_of(user, lot: Lot) -> tuple[str, Application | None]:
    """Who ``user`` is in the lot's hall: host, observer (regulators, officials, the seller), bidder, or public."""
    if user is None or not user.is_authenticated:
        return PUBLIC, None
    if is_host(user, lot.sale):
        return HOST, None
    if user.role in (Role.REGULATOR, Role.OFFICIAL, Role.ADMIN) or user.organisation_id == lot.sale.seller_id:
        return OBSERVER, None
    if user.role == Role.BIDDER and user.organisation_id is not None:
        application = Application.objects.filter(lot=lot, organisation_id=user.organisation_id).first()
        if application is not None:
            return BIDDER, application
    return PUBLIC, None


def events_since(*, lot_id: int, seq: int) -> list[dict]:
    return [event.as_message() for event in LotEvent.objects.filter(lot_id=lot_id, seq__gt=seq).order_by("seq")]


def lot_head(*, lot_id: int) -> dict | None:
    """What the hall's clock loop needs: state, countdown end, last seq (one small query)."""
    row = (Lot.objects.filter(pk=lot_id)
           .values("state", "live_ends_at", "last_seq", "sale__state", "sale__starts_at", "sale__listing_ends_at")
           .first())
    return row


def _money(value) -> str | None:
    return None if value is None else str(value)


def lot_public(lot: Lot) -> dict:
    """The lot as anyone may see it: prices, state, times; the winner's name only once it has closed."""
    sale = lot.sale
    leading = lot.leading
    closed = lot.state in FINISHED
    data = {
        "id": lot.pk, "sale": sale.pk, "title": f"{sale.title} {lot.title}", "deal_code": sale.deal_code,
        "state": lot.state, "state_label": lot.get_state_display(), "suspended": sale.state == Sale.State.SUSPENDED,
        "method": sale.method, "starting_price": _money(lot.starting_price), "increment": _money(lot.increment),
        "current_price": _money(lot.current_price), "leading_number": leading.bidder_number if leading else "",
        "starts_at": sale.starts_at.isoformat(),
        "listing_ends_at": sale.listing_ends_at.isoformat() if sale.listing_ends_at else None,
        "live_ends_at": lot.live_ends_at.isoformat() if lot.live_ends_at else None,
        "reserve_sealed": lot.reserve_sealed_at is not None,
        "reserve_price": _money(lot.reserve_price) if lot.reserve_opened_at else None,
        "closed_at": lot.closed_at.isoformat() if lot.closed_at else None,
        "deal_price": _money(lot.deal_price), "outcome_reason": lot.outcome_reason,
        "winner_name": leading.organisation.name if closed and leading and lot.deal_price is not None else "",
    }
    return data


def hall_entry(*, lot_id: int, user, since: int) -> dict | None:
    """Everything a client gets on (re)connect, in one call: its role, the log after ``since``, a snapshot."""
    lot = Lot.objects.select_related("sale", "leading__organisation").filter(pk=lot_id).first()
    if lot is None or lot.sale.state == Sale.State.DRAFT:
        return None
    audience, application = audience_of(user, lot)
    bids = list(lot.quotes.select_related("application").order_by("-seq")[:RECENT_BIDS])
    snapshot = {
        "type": "snapshot", "seq": lot.last_seq, "lot": lot_public(lot), "server_time": timezone.now().isoformat(),
        "bids": [{"seq": q.seq, "bidder_number": q.application.bidder_number, "amount": str(q.amount),
                  "phase": q.phase, "at": q.at.isoformat()} for q in reversed(bids)],
        "me": None,
    }
    if application is not None:
        snapshot["me"] = {"bidder_number": application.bidder_number, "qualified": application.state,
                          "leading": lot.leading_id == application.pk}
    return {"audience": audience, "organisation_id": application.organisation_id if application else None,
            "bidder_number": application.bidder_number if application else "",
            "events": events_since(lot_id=lot_id, seq=since), "snapshot": snapshot}
