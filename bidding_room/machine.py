"""The opening session's state machine: every allowed step, who may take it, its guard. Nothing else moves a session.

::

    scheduled ─▶ sign_in ─▶ decrypting ─▶ published (唱标) ─▶ confirming ─▶ closed
        │                       │
        └──▶ failed (流标) ◀────┘   fewer than 3 bids received, or fewer than 3 left after decryption

``session_step`` refuses anything not in ``STEPS`` (or whose guard fails) with a
message that says why and what to do, and leaves the session as it was. Each step
appends one event to the session's log and one to the audit chain.
"""

import datetime as dt
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Role
from audit.context import current_actor
from audit.services import audit_record
from core.effects import broadcast_on_commit
from core.frames import Encoded, now_json

from .models import OpeningSession, RoomBidder, RoomEvent, State

SYSTEM = "system"  # the platform: timers and sweeps
HOST = "host"  # a person of the organisation hosting the procedure (the agency, else the tenderer)

Guard = Callable[[OpeningSession, dt.datetime], str | None]


def _deadline_passed(session: OpeningSession, now: dt.datetime) -> str | None:
    if now < session.opens_at:
        return _("The bid deadline has not passed yet; the room opens at the deadline.")
    return None


def _decryption_over(session: OpeningSession, now: dt.datetime) -> str | None:
    rows = list(session.bidders.values_list("decryption", flat=True))
    busy = {RoomBidder.Decryption.RELEASED, RoomBidder.Decryption.DECRYPTING}
    if any(state in busy for state in rows):
        return _("Some bids are still being decrypted; the results are published when they finish.")
    finished = {RoomBidder.Decryption.DECRYPTED, RoomBidder.Decryption.NOT_DECRYPTED}
    window_over = session.decrypt_ends_at is not None and now >= session.decrypt_ends_at
    if not window_over and not all(state in finished for state in rows):
        return _("Not every bid is decrypted and the decryption window is still open; "
                 "the results are published when every bid is decrypted or the window ends.")
    return None


def _confirmation_over(session: OpeningSession, now: dt.datetime) -> str | None:
    if session.objections.filter(answered_at__isnull=True).exists():
        return _("Answer every objection before closing the opening.")
    window_over = session.confirm_ends_at is not None and now >= session.confirm_ends_at
    waiting = session.bidders.filter(decryption=RoomBidder.Decryption.DECRYPTED, confirmed_at__isnull=True,
                                     objections__isnull=True).exists()
    if not window_over and waiting:
        return _("Some bidders have neither confirmed nor objected and the objection window is still open.")
    return None


@dataclass(frozen=True)
class Step:
    source: str
    target: str
    by: frozenset[str]
    event: str
    guard: Guard | None = None


def _s(source, target, *by, event, guard=None) -> Step:
    return Step(source, target, frozenset(by), event, guard)


STEPS: list[Step] = [
    _s(State.SCHEDULED, State.SIGN_IN, SYSTEM, event="opened", guard=_deadline_passed),
    _s(State.SCHEDULED, State.FAILED, SYSTEM, event="failed", guard=_deadline_passed),
    _s(State.SIGN_IN, State.DECRYPTING, HOST, event="decryption_started"),
    _s(State.DECRYPTING, State.PUBLISHED, SYSTEM, HOST, event="published", guard=_decryption_over),
    _s(State.DECRYPTING, State.FAILED, SYSTEM, HOST, event="failed", guard=_decryption_over),
    _s(State.PUBLISHED, State.CONFIRMING, SYSTEM, event="confirmation_opened"),
    _s(State.CONFIRMING, State.CLOSED, SYSTEM, HOST, event="closed", guard=_confirmation_over),
]
_TABLE: dict[tuple[str, str], Step] = {(s.source, s.target): s for s in STEPS}


def next_states(*, state: str) -> list[str]:
    return [s.target for s in STEPS if s.source == state]


def is_host(user, session: OpeningSession) -> bool:
    project = session.section.project
    return (user is not None and user.is_authenticated and user.role in (Role.AGENCY, Role.TENDERER)
            and user.organisation_id is not None and user.organisation_id == project.host.pk)


def session_lock(*, session_id: int) -> OpeningSession:
    """Lock the session row for the rest of the transaction: every append and step goes through it."""
    return OpeningSession.objects.select_for_update(no_key=True).select_related("section__project").get(pk=session_id)


# Events appended inside ``events_together`` wait here (per room group) and leave as one frame after commit.
_together: ContextVar[dict[str, list[dict]] | None] = ContextVar("room_events_together", default=None)


def _broadcast(group: str, messages: list[dict]) -> None:
    """One frame per transaction and room: ``event`` for one event, ``events`` (as the catch-up) for several.

    Encoded once; each consumer sends this same text frame instead of encoding the event per client. ``sent_at`` is
    the server time the frame leaves, after commit (an event's ``at`` is taken inside its transaction)."""
    frame = Encoded(messages[0] if len(messages) == 1 else {"type": "events", "events": messages}, stamp="sent_at")
    broadcast_on_commit(group, lambda: {"type": "room.event", "text": frame.text(now_json())})


@contextmanager
def events_together() -> Iterator[None]:
    """Broadcast the events appended inside as one frame per room, after commit (nothing if the block raises).

    For steps that follow one another in one transaction (唱标 then the confirmation window): every client
    gets both in one delivery instead of the second waiting behind the first's fan-out (docs "Performance")."""
    batches: dict[str, list[dict]] = {}
    token = _together.set(batches)
    try:
        yield
    finally:
        _together.reset(token)
    for group, messages in batches.items():
        _broadcast(group, messages)


def event_append(*, session: OpeningSession, kind: str, payload: dict | None = None) -> RoomEvent:
    """Append one event to the locked ``session``'s log and broadcast it (with its seq) after commit."""
    seq = session.last_seq + 1
    event = RoomEvent.objects.create(session=session, seq=seq, kind=kind, payload=payload or {},
                                     actor_label=current_actor().name, at=timezone.now())
    session.last_seq = seq
    OpeningSession.objects.filter(pk=session.pk).update(last_seq=seq)
    batches = _together.get()
    if batches is None:
        _broadcast(session.group, [event.as_message()])
    else:
        batches.setdefault(session.group, []).append(event.as_message())
    return event


def status_bump(*, session_id: int) -> None:
    """Tell the live snapshot loops that some bidder's status changed (coalesced into the next snapshot)."""
    from django.db.models import F

    OpeningSession.objects.filter(pk=session_id).update(status_version=F("status_version") + 1)


@transaction.atomic
def session_step(*, session: OpeningSession, to: str, user=None, payload: dict | None = None,
                 fields: dict | None = None) -> RoomEvent:
    """Move ``session`` to ``to`` if the table allows it for ``user`` (None: the platform) and its guard passes.

    ``session`` must be locked by the caller (``session_lock``). ``fields`` are set on
    the session with the step. Raises ValidationError or PermissionDenied and changes nothing otherwise.
    """
    now = timezone.now()
    step = _TABLE.get((session.state, to))
    if step is None:
        raise ValidationError({"state": _("An opening that is “%(current)s” cannot become “%(target)s”. "
                                          "Next steps allowed: %(next)s.") % {
            "current": State(session.state).label, "target": State(to).label,
            "next": ", ".join(str(State(s).label) for s in next_states(state=session.state)) or _("none")}},
            code="step_refused")
    who = {SYSTEM} if user is None else ({HOST} if is_host(user, session) else set())
    if not step.by & who:
        raise PermissionDenied(_("Only the host of the opening (the agency) may do this."))
    if step.guard is not None:
        problem = step.guard(session, now)
        if problem:
            raise ValidationError({"state": problem}, code="guard_failed")
    previous = session.state
    session.state = to
    for name, value in (fields or {}).items():
        setattr(session, name, value)
    session.save()
    event = event_append(session=session, kind=step.event,
                         payload={"from": previous, "to": to, "state": to, **(payload or {}),
                                  **{k: v.isoformat() if isinstance(v, dt.datetime) else v
                                     for k, v in (fields or {}).items()}})
    audit_record(action=f"bidding_room.session.{step.event}", obj=session, payload={
        "section": session.section.full_code, "from": previous, "to": to, "seq": event.seq})
    return event
