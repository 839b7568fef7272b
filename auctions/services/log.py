"""Each lot's ordered public log: every change appends one event under the lot's row lock, then it is broadcast."""

from django.db import transaction
from django.utils import timezone

from core import pipeline
from core.effects import broadcast_on_commit
from core.frames import Encoded, now_json

from ..models import Lot, LotEvent


def lot_lock(*, lot_id: int) -> Lot:
    """Lock the lot for the rest of the transaction: its log's order is the order things happened."""
    return Lot.objects.select_for_update(no_key=True).select_related("sale").get(pk=lot_id)


def event_append(*, lot: Lot, kind: str, payload: dict | None = None) -> LotEvent:
    """Append one event to the locked ``lot``'s log and broadcast it after commit (encoded once, with ``sent_at``)."""
    return events_append(lot=lot, entries=[(kind, payload)])[0]


def events_append(*, lot: Lot, entries: list[tuple[str, dict | None]], fields: tuple[str, ...] = ()) -> list[LotEvent]:
    """Append events to the locked ``lot``'s log in this order (one insert) and save its ``last_seq`` with the lot's
    other changed ``fields`` (one update), both in one round trip. After commit they go out together, encoded once:
    one ``event`` frame, or one ``events`` frame for several (a batch of bids accepted in one transaction), each frame
    with ``sent_at``."""
    events, statements = events_prepare(lot=lot, entries=entries, fields=fields)
    pipeline.run(statements)
    events_broadcast(lot=lot, events=events)
    return events


def events_prepare(*, lot: Lot, entries: list[tuple[str, dict | None]],
                   fields: tuple[str, ...] = ()) -> tuple[list[LotEvent], list[pipeline.Statement]]:
    """``events_append`` in two steps, for a caller that sends other statements in the same round trip: the events
    (their seq taken on the locked ``lot``) and the statements that record them, to run (``core.pipeline.run``) and
    then broadcast (``events_broadcast``)."""
    assert transaction.get_connection().in_atomic_block
    at = timezone.now()
    events = [LotEvent(lot=lot, seq=lot.last_seq + n, kind=kind, payload=payload or {}, at=at)
              for n, (kind, payload) in enumerate(entries, start=1)]
    lot.last_seq = events[-1].seq
    return events, [pipeline.insert(events), pipeline.update(lot, [*fields, "last_seq"])]


def events_broadcast(*, lot: Lot, events: list[LotEvent]) -> None:
    """Send ``events`` (recorded in this transaction) to the hall after commit, as one frame encoded once."""
    messages = [event.as_message() for event in events]
    if len(messages) == 1:
        frame = Encoded(messages[0], stamp="sent_at")
    else:
        frame = Encoded({"type": "events", "since": messages[0]["seq"] - 1, "events": messages}, stamp="sent_at")
    broadcast_on_commit(lot.group, lambda: {"type": "hall.event", "text": frame.text(now_json())})
