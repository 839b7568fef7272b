"""Quotes and the close: listing (挂牌), 限时竞价 and auction (拍卖), decided by the server clock and the lot's record.

Every timed step is taken by ``lot_advance`` from the times stored on the lot (listing end, countdown end), so it
does not matter which process, sweep or command takes it, nor whether a process died in between: the result is
the one the record dictates.
"""

import datetime as dt

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Role
from audit.services import audit_record
from core.deals import Deal, deal_record
from core.effects import task_on_commit
from trading.models import BaseType

from .. import reserve, rights, rules
from ..models import FINISHED, Application, Lot, LotCommand, Method, Quote, Sale, Subject
from .bidders import bidding_right_ensure
from .log import event_append, lot_lock


def _start(lot: Lot) -> None:
    sale = lot.sale
    for application in Application.objects.filter(lot=lot, state=Application.State.QUALIFIED, bidder_number=""):
        bidding_right_ensure(application=application)
    if sale.method == Method.LISTING:
        lot.state = Lot.State.LISTING
        lot.save(update_fields=["state"])
        event_append(lot=lot, kind="listing_opened", payload={"listing_ends_at": sale.listing_ends_at.isoformat()})
    else:
        _live_open(lot, at=sale.starts_at)


def _live_open(lot: Lot, *, at: dt.datetime) -> None:
    """Open live bidding at ``at`` (the record's time, not the moment a process noticed)."""
    lot.state, lot.live_started_at, lot.live_ends_at = Lot.State.LIVE, at, at + rules.countdown()
    lot.save(update_fields=["state", "live_started_at", "live_ends_at"])
    event_append(lot=lot, kind="live_opened", payload={
        "live_ends_at": lot.live_ends_at.isoformat(), "countdown_seconds": rules.countdown().total_seconds(),
        "current_price": str(lot.current_price) if lot.current_price is not None else None})


def _listing_close(lot: Lot) -> None:
    """At the listing's end: two or more bidders quoted → 限时竞价; else the rules decide now."""
    bidders = Quote.objects.filter(lot=lot, phase=Quote.Phase.LISTING).values("application").distinct().count()
    if bidders >= 2:
        _live_open(lot, at=lot.sale.listing_ends_at)
    else:
        _decide(lot, at=lot.sale.listing_ends_at)


def _decide(lot: Lot, *, at: dt.datetime) -> None:
    """The close: open the reserve, then sold (成交), pending approval (state property below 90%), or 流拍."""
    now = timezone.now()
    if lot.reserve_envelope is not None and lot.reserve_opened_at is None:
        lot.reserve_price = reserve.reserve_open(sale_id=lot.sale_id, envelope=lot.reserve_envelope)
        lot.reserve_opened_at = now
        audit_record(action="auctions.reserve.open", obj=lot, payload={
            "lot": lot.deal_key, "reserve_price": str(lot.reserve_price)})
        event_append(lot=lot, kind="reserve_opened", payload={"reserve_price": str(lot.reserve_price)})
    leading = lot.leading
    price = lot.current_price
    if leading is None:
        lot.state, lot.outcome_reason = Lot.State.NO_DEAL, _("No valid bid: no deal (流拍).")
    elif lot.reserve_price is not None and price < lot.reserve_price:
        lot.state, lot.outcome_reason = Lot.State.NO_DEAL, _(
            "The highest bid is below the reserve price: no deal (流拍).")
    elif (lot.sale.subject == Subject.PROPERTY and lot.valuation is not None
          and price < lot.valuation * rules.approval_share()):
        lot.state, lot.deal_price = Lot.State.PENDING_APPROVAL, price
        lot.outcome_reason = _("The price is below %(share)s%% of the valuation: the deal waits for the approval "
                               "of the state-assets authority.") % {"share": int(rules.approval_share() * 100)}
    else:
        lot.state, lot.deal_price, lot.outcome_reason = Lot.State.SOLD, price, ""
    lot.closed_at = at
    lot.save(update_fields=["state", "deal_price", "outcome_reason", "closed_at", "reserve_price",
                            "reserve_opened_at"])
    if lot.state == Lot.State.SOLD:
        deal_record_for(lot)
        task_on_commit("auctions.tasks.lot_document", lot.pk, "certificate")
    if lot.state in (Lot.State.SOLD, Lot.State.NO_DEAL):
        task_on_commit("auctions.tasks.lot_result_notice", lot.pk)  # the portal's 成交/流拍公告, off the hall's path
    rights.refunds_due(lot=lot, keep=leading if lot.deal_price is not None else None, on=timezone.localdate(at))
    names = dict(Application.objects.filter(lot=lot).exclude(bidder_number="").values_list(
        "bidder_number", "organisation__name"))
    winner = leading.bidder_number if leading is not None and lot.deal_price is not None else ""
    event_append(lot=lot, kind="closed", payload={
        "outcome": lot.state, "reason": lot.outcome_reason, "closed_at": at.isoformat(),
        "deal_price": str(lot.deal_price) if lot.deal_price is not None else None,
        "winner_number": winner, "winner_name": names.get(winner, ""), "bidders": names})
    audit_record(action="auctions.lot.close", obj=lot, payload={
        "lot": lot.deal_key, "outcome": lot.state, "deal_price": str(lot.deal_price or ""), "winner": winner})
    sale = Sale.objects.select_for_update(no_key=True).get(pk=lot.sale_id)
    if not sale.lots.exclude(state__in=FINISHED).exclude(pk=lot.pk).exists():
        sale.state = Sale.State.FINISHED
        sale.save(update_fields=["state"])


def deal_record_for(lot: Lot) -> None:
    sale = lot.sale
    valued = sale.subject == Subject.PROPERTY and lot.valuation is not None
    deal_record(Deal(
        source="auctions", key=lot.deal_key, project_key=sale.deal_code, category=sale.category, region=sale.region,
        concluded_at=lot.closed_at, base_type=BaseType.VALUATION if valued else BaseType.STARTING_PRICE,
        base_amount=lot.valuation if valued else lot.starting_price, amount=lot.deal_price))


def _advance(lot: Lot, now: dt.datetime) -> None:
    """Take every step the locked ``lot``'s record makes due at ``now``."""
    if lot.sale.state != Sale.State.ANNOUNCED:
        return
    if lot.state == Lot.State.WAITING and now >= lot.sale.starts_at:
        _start(lot)
    if lot.state == Lot.State.LISTING and now >= lot.sale.listing_ends_at:
        _listing_close(lot)
    if lot.state == Lot.State.LIVE and now >= lot.live_ends_at:
        _decide(lot, at=lot.live_ends_at)


def _step_due(lot_id: int, now: dt.datetime) -> bool:
    """Whether the lot's record makes a timed step due (one small read, no lock): most bids need none."""
    row = Lot.objects.filter(pk=lot_id).values("state", "live_ends_at", "sale__starts_at",
                                               "sale__listing_ends_at").first()
    if row is None:
        return False
    return ((row["state"] == Lot.State.WAITING and now >= row["sale__starts_at"])
            or (row["state"] == Lot.State.LISTING and now >= row["sale__listing_ends_at"])
            or (row["state"] == Lot.State.LIVE and now >= row["live_ends_at"]))


@transaction.atomic
def lot_advance(*, lot_id: int) -> Lot:
    """Bring the lot up to the server clock: start, close the listing, end the countdown. Idempotent."""
    lot = lot_lock(lot_id=lot_id)
    _advance(lot, timezone.now())
    return lot


def lots_sweep() -> int:
    """Periodic: every lot with a step due (the sweep of ``CELERY_BEAT_SCHEDULE``; each command checks too)."""
    now = timezone.now()
    due = Lot.objects.filter(sale__state=Sale.State.ANNOUNCED).filter(
        (Q(state=Lot.State.WAITING) & Q(sale__starts_at__lte=now))
        | (Q(state=Lot.State.LISTING) & Q(sale__listing_ends_at__lte=now))
        | (Q(state=Lot.State.LIVE) & Q(live_ends_at__lte=now))).values_list("pk", flat=True)
    count = 0
    for lot_id in list(due):
        lot_advance(lot_id=lot_id)
        count += 1
    return count


def _refuse(field: str, message: str) -> ValidationError:
    return ValidationError({field: message})


def _minimum_check(lot: Lot, amount) -> None:
    """Refuse ``amount`` below the starting price, or below the current price plus the increment."""
    minimum = lot.starting_price if lot.current_price is None else lot.current_price + lot.increment
    if amount < minimum:
        if lot.current_price is not None and amount <= lot.current_price:
            message = _("Another bid of %(current)s yuan came first; bid at least %(min)s yuan.")
        else:
            message = _("Bid at least %(min)s yuan (the current price plus the increment).")
        raise _refuse("amount", message % {"current": f"{lot.current_price:,}" if lot.current_price else "",
                                           "min": f"{minimum:,}"})


def _quote_locked(lot: Lot, *, user, amount) -> Quote:
    now = timezone.now()
    if user is None or user.role != Role.BIDDER or user.organisation_id is None:
        raise PermissionDenied(_("Only a bidder with a bidding right bids."))
    if lot.sale.state == Sale.State.SUSPENDED:
        raise _refuse("lot", _("The regulator has suspended this sale; bids are not taken until it resumes."))
    if lot.state == Lot.State.WAITING:
        raise _refuse("lot", _("Bidding has not started yet; it starts at %(at)s.") % {
            "at": timezone.localtime(lot.sale.starts_at).strftime("%Y-%m-%d %H:%M")})
    if lot.state in FINISHED or lot.state == Lot.State.SUSPENDED:
        raise _refuse("lot", _("Bidding on this lot has closed."))
    if lot.state == Lot.State.LISTING and now >= lot.sale.listing_ends_at:
        raise _refuse("lot", _("The listing period has ended."))
    if lot.state == Lot.State.LIVE and now >= lot.live_ends_at:
        raise _refuse("lot", _("The countdown has ended; bids are no longer taken."))
    application = Application.objects.filter(lot=lot, organisation_id=user.organisation_id).first()
    if application is None:
        raise _refuse("lot", _("Your organisation has not applied for this lot."))
    application = bidding_right_ensure(application=application)
    if not application.bidder_number:
        raise _refuse("lot", _("You have no bidding right yet: it comes with qualification and the full deposit "
                               "arriving before the deadline."))
    amount = rules.money_parse(amount, field="amount")
    if lot.leading_id == application.pk:
        raise _refuse("amount", _("You already hold the highest bid."))
    _minimum_check(lot, amount)
    phase = Quote.Phase.LIVE if lot.state == Lot.State.LIVE else Quote.Phase.LISTING
    lot.current_price, lot.leading = amount, application
    fields = ["current_price", "leading"]
    if phase == Quote.Phase.LIVE:
        lot.live_ends_at = now + rules.countdown()
        fields.append("live_ends_at")
    lot.save(update_fields=fields)
    event = event_append(lot=lot, kind="bid", payload={
        "bidder_number": application.bidder_number, "amount": str(amount), "phase": phase,
        "live_ends_at": lot.live_ends_at.isoformat() if phase == Quote.Phase.LIVE else None})
    quote = Quote.objects.create(lot=lot, application=application, amount=amount, phase=phase, at=event.at,
                                 seq=event.seq)
    audit_record(action="auctions.quote.place", obj=quote, payload={
        "lot": lot.deal_key, "bidder_number": application.bidder_number, "amount": str(amount), "phase": phase})
    return quote


def quote_place(*, lot: Lot, user, amount) -> Quote:
    """A bid: at least the starting price, then the current price plus the increment; irrevocable, published at
    once; in live bidding it restarts the countdown. Refusals say why and change nothing."""
    lot_advance(lot_id=lot.pk)
    with transaction.atomic():
        return _quote_locked(lot_lock(lot_id=lot.pk), user=user, amount=amount)


def command_apply(*, lot_id: int, user, client_id: str, amount) -> dict:
    """A hall command (a bid) applied once per client id: a retry gets the first answer back (``replayed``)."""
    client_id = str(client_id or "")
    if not client_id or len(client_id) > 64:
        raise _refuse("id", _("Each command carries its own id (at most 64 characters)."))
    done = LotCommand.objects.filter(lot_id=lot_id, client_id=client_id).first()
    if done is None:
        # Prices only rise: a bid already too low is refused without taking the lot's lock (most refusals in a
        # bidding war); the locked check below decides every other bid.
        seen = Lot.objects.filter(pk=lot_id).only("starting_price", "increment", "current_price").first()
        if seen is not None:
            _minimum_check(seen, rules.money_parse(amount, field="amount"))
    if _step_due(lot_id, timezone.now()):
        lot_advance(lot_id=lot_id)
    with transaction.atomic():
        lot = lot_lock(lot_id=lot_id)
        done = LotCommand.objects.filter(lot=lot, client_id=client_id).first()
        if done is not None:
            if done.user_id != user.pk:
                raise _refuse("id", _("This command id is already used; send a new one."))
            return {**done.result, "replayed": True}
        quote = _quote_locked(lot, user=user, amount=amount)
        result = {"seq": quote.seq, "amount": str(quote.amount),
                  "bidder_number": quote.application.bidder_number,
                  "live_ends_at": lot.live_ends_at.isoformat() if quote.phase == Quote.Phase.LIVE else None}
        LotCommand.objects.create(lot=lot, client_id=client_id, user=user, result=result)
        return result
