"""Quotes and the close: listing (挂牌), 限时竞价 and auction (拍卖), decided by the server clock and the lot's record.

Every timed step is taken by ``lot_advance`` from the times stored on the lot (listing end, countdown end), so it
does not matter which process, sweep or command takes it, nor whether a process died in between: the result is
the one the record dictates.
"""

import datetime as dt
import json
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, connection, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Role
from audit.context import Actor
from audit.services import audit_head_lock, audit_record, audit_records
from core import pipeline
from core.deals import Deal, deal_record
from core.effects import task_on_commit
from trading.models import BaseType

from .. import reserve, rights, rules
from ..models import FINISHED, Application, Lot, LotCommand, LotEvent, Method, Quote, Sale, Subject
from .bidders import bidding_right_ensure
from .log import event_append, events_broadcast, events_prepare, lot_lock


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


@dataclass
class BidCommand:
    """A bid sent to the hall (or the API) by ``user``, applied once per ``client_id``; ``actor`` is audited."""

    user: Any
    client_id: str
    amount: Any
    actor: Actor | None = None
    application: Application | None = None  # as ``command_check`` read it (its 竞买号 never changes once given)


@dataclass
class _Taken:
    application: Application
    amount: Decimal
    phase: str
    live_ends_at: dt.datetime | None
    command: BidCommand | None = None


def _bid_take(lot: Lot, *, user, application: Application | None, amount, now: dt.datetime) -> _Taken:
    """Check one bid against the locked ``lot`` as it stands (earlier bids of the same transaction included) and, if
    valid, make it the lot's price: leader, and in live bidding the countdown restarted from ``now``."""
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
    if application is None:
        raise _refuse("lot", _("Your organisation has not applied for this lot."))
    if not application.bidder_number:
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
    if phase == Quote.Phase.LIVE:
        lot.live_ends_at = now + rules.countdown()
    return _Taken(application=application, amount=amount, phase=phase,
                  live_ends_at=lot.live_ends_at if phase == Quote.Phase.LIVE else None)


def _bids_prepare(lot: Lot, taken: list[_Taken]) -> tuple[list[LotEvent], list[Quote], list[pipeline.Statement]]:
    """What records the bids ``_bid_take`` accepted on the locked ``lot``, in order: one ``bid`` event each and the
    lot's new price (one insert, one update), their quotes (one insert), as statements to send (``_bids_send``)."""
    events, statements = events_prepare(lot=lot, fields=("current_price", "leading", "live_ends_at"), entries=[
        ("bid", {"bidder_number": bid.application.bidder_number, "amount": str(bid.amount), "phase": bid.phase,
                 "live_ends_at": bid.live_ends_at.isoformat() if bid.live_ends_at else None})
        for bid in taken])
    quotes = [Quote(lot=lot, application=bid.application, amount=bid.amount, phase=bid.phase, at=event.at,
                    seq=event.seq) for bid, event in zip(taken, events, strict=True)]
    return events, quotes, [*statements, pipeline.insert(quotes, returning=True)]


def _bids_send(lot: Lot, taken: list[_Taken], events: list[LotEvent], quotes: list[Quote],
               statements: list[pipeline.Statement]) -> None:
    """Send ``statements`` with the lock of the audit chain's head (one round trip), then the bids' audit entries
    (one more); the events go to the hall after commit."""
    head = audit_head_lock()
    pipeline.run([*statements, head])
    events_broadcast(lot=lot, events=events)
    audit_records([
        {"action": "auctions.quote.place", "obj": quote, "actor": bid.command.actor if bid.command else None,
         "payload": {"lot": lot.deal_key, "bidder_number": bid.application.bidder_number, "amount": str(bid.amount),
                     "phase": bid.phase}}
        for bid, quote in zip(taken, quotes, strict=True)], head=head.rows[0] if head.rows else None)


def quote_place(*, lot: Lot, user, amount) -> Quote:
    """A bid: at least the starting price, then the current price plus the increment; irrevocable, published at
    once; in live bidding it restarts the countdown. Refusals say why and change nothing."""
    lot_advance(lot_id=lot.pk)
    with transaction.atomic():
        lot = lot_lock(lot_id=lot.pk)
        application = (Application.objects.filter(lot=lot, organisation_id=user.organisation_id).first()
                       if user is not None and user.organisation_id else None)
        taken = _bid_take(lot, user=user, application=application, amount=amount, now=timezone.now())
        events, quotes, statements = _bids_prepare(lot, [taken])
        _bids_send(lot, [taken], events, quotes, statements)
        return quotes[0]


def _client_id(client_id) -> str:
    client_id = str(client_id or "")
    if not client_id or len(client_id) > 64:
        raise _refuse("id", _("Each command carries its own id (at most 64 characters)."))
    return client_id


def _replay(done_user_id: int, result: dict, user) -> dict:
    if done_user_id != getattr(user, "pk", None):
        raise _refuse("id", _("This command id is already used; send a new one."))
    return {**result, "replayed": True}


_CHECK_SQL = """
SELECT lot.starting_price, lot.increment, lot.current_price, cmd.user_id, cmd.result,
       app.id, app.organisation_id, app.state, app.bidder_number
  FROM {lot} lot
  LEFT JOIN {command} cmd ON cmd.lot_id = lot.id AND cmd.client_id = %s
  LEFT JOIN {application} app ON app.lot_id = lot.id AND app.organisation_id = %s
 WHERE lot.id = %s"""


def command_check(*, lot_id: int, user, client_id, amount) -> dict | Application | None:
    """Before the lot's lock, one read (by hand: it runs for every bid of a bidding war): the first answer again for
    a command already applied (``replayed``); a refusal for a bid already beaten (prices only rise, so the refusal
    stays true; most bids of a bidding war end here). Else the bidder's application (None if it has none), handed
    to ``commands_apply`` with the bid, which decides under the lock."""
    client_id = _client_id(client_id)
    sql = _CHECK_SQL.format(lot=Lot._meta.db_table, command=LotCommand._meta.db_table,
                            application=Application._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(sql, [client_id, getattr(user, "organisation_id", None), lot_id])
        row = cursor.fetchone()
    if row is None:
        return None
    starting_price, increment, current_price, done_user, done_result, *application = row
    if done_user is not None:
        return _replay(done_user, json.loads(done_result) if isinstance(done_result, str) else done_result, user)
    # A bare cursor reads prices as the backend stores them (SQLite: a float); the fields' places make them money.
    starting_price, increment, current_price = (
        None if value is None
        else Decimal(str(value)).quantize(Decimal(1).scaleb(-Lot._meta.get_field(name).decimal_places))
        for name, value in (("starting_price", starting_price), ("increment", increment),
                            ("current_price", current_price)))
    _minimum_check(Lot(starting_price=starting_price, increment=increment, current_price=current_price),
                   rules.money_parse(amount, field="amount"))
    if application[0] is None:
        return None
    pk, organisation_id, state, bidder_number = application
    return Application(pk=pk, lot_id=lot_id, organisation_id=organisation_id, state=state,
                       bidder_number=bidder_number)


class _AppliedMeanwhile(Exception):
    """A command of the batch was applied through another connection after its check: decide the batch again."""


def commands_apply(*, lot_id: int, commands: list[BidCommand]) -> list[dict | ValidationError | PermissionDenied]:
    """Bids for one lot applied together, in this order, under one lock and in one transaction (group commit).

    Each is decided exactly as if applied alone after the ones before it: a bid beaten by an earlier one of the same
    batch is refused, a retried client id gets its first answer. Returns, per command, its result or its refusal;
    everything is committed before this returns, so an acknowledgement sent after it never announces a lost bid.

    A batch is a few round trips to the database (``core.pipeline``): the lock with the transaction's start; the
    command records of the batch, the bids' events, the lot, their quotes and command records with the lock of the
    audit chain's head; the audit entries; the commit. The command records are read under the lot's lock, which every
    command of the lot takes, but only with the writes: when one turns out applied meanwhile (a retry sent through
    another connection while its first copy was under way, which must get the first answer, not a refusal on the
    price it set itself), the batch is rolled back and decided again with the records read first."""
    try:
        return _commands_apply(lot_id, commands, done_first=False)
    except _AppliedMeanwhile:
        return _commands_apply(lot_id, commands, done_first=True)


def _commands_apply(lot_id: int, commands: list[BidCommand], *, done_first: bool) -> list:
    answers: list = [None] * len(commands)
    taken: list[_Taken] = []
    with transaction.atomic():
        with pipeline.pipelined():
            lot = lot_lock(lot_id=lot_id)
        _advance(lot, timezone.now())
        ids = []
        for index, command in enumerate(commands):
            try:
                ids.append(_client_id(command.client_id))
            except ValidationError as error:
                answers[index] = error
        recorded = LotCommand.objects.filter(lot=lot, client_id__in=ids).values_list("client_id", "user_id", "result")
        done = {client_id: (user_id, result) for client_id, user_id, result in recorded} if done_first else {}
        applications = {c.application.organisation_id: c.application for c in commands if c.application is not None}
        organisations = {c.user.organisation_id for c in commands
                         if c.user is not None and c.user.organisation_id and c.application is None}
        if organisations:
            applications.update({a.organisation_id: a for a in Application.objects.filter(
                lot=lot, organisation_id__in=organisations)})
        pending: dict[str, _Taken] = {}
        for index, command in enumerate(commands):
            if answers[index] is not None:
                continue
            try:
                if command.client_id in done:
                    answers[index] = _replay(*done[command.client_id], command.user)
                    continue
                if command.client_id in pending:  # the same command twice in one batch: the second is a retry
                    answers[index] = pending[command.client_id]
                    continue
                application = applications.get(getattr(command.user, "organisation_id", None))
                bid = _bid_take(lot, user=command.user, application=application, amount=command.amount,
                                now=timezone.now())
            except (ValidationError, PermissionDenied) as error:
                answers[index] = error
                continue
            bid.command = command
            taken.append(bid)
            pending[command.client_id] = answers[index] = bid
        check = [] if done_first else [pipeline.select(recorded)]
        if taken:
            events, quotes, statements = _bids_prepare(lot, taken)
            results = {bid.command.client_id: {
                "seq": event.seq, "amount": str(bid.amount), "bidder_number": bid.application.bidder_number,
                "live_ends_at": bid.live_ends_at.isoformat() if bid.live_ends_at else None}
                for bid, event in zip(taken, events, strict=True)}
            records = pipeline.insert([LotCommand(lot=lot, client_id=bid.command.client_id, user=bid.command.user,
                                                  result=results[bid.command.client_id]) for bid in taken])
            try:
                _bids_send(lot, taken, events, quotes, [*check, *statements, records])
            except IntegrityError as error:
                if done_first:
                    raise
                raise _AppliedMeanwhile from error  # perhaps a command record of the batch: read them first
            for index, answer in enumerate(answers):
                if isinstance(answer, _Taken):
                    first = results[commands[index].client_id]
                    answers[index] = first if answer.command is commands[index] else {**first, "replayed": True}
        elif check:
            pipeline.run(check)
        if check and check[0].rows:
            raise _AppliedMeanwhile
    return answers


def command_apply(*, lot_id: int, user, client_id: str, amount) -> dict:
    """One hall command (a bid) applied once per client id: a retry gets the first answer back (``replayed``)."""
    answer = command_check(lot_id=lot_id, user=user, client_id=client_id, amount=amount)
    if isinstance(answer, dict):
        return answer
    answer = commands_apply(lot_id=lot_id, commands=[BidCommand(user=user, client_id=client_id, amount=amount,
                                                                application=answer)])[0]
    if isinstance(answer, Exception):
        raise answer
    return answer
