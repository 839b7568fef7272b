"""Each lot's ordered public log: every change appends one event under the lot's row lock, then it is broadcast."""

from django.db import transaction
from django.utils import timezone

from core.effects import broadcast_on_commit
from core.frames import Encoded, now_json

from ..models import Lot, LotEvent


def lot_lock(*, lot_id: int) -> Lot:
    """Lock the lot for the rest of the transaction: its log's order is the order things happened."""
    return Lot.objects.select_for_update(no_key=True).select_related("sale").get(pk=lot_id)


def event_append(*, lot: Lot, kind: str, payload: dict | None = None) -> LotEvent:
    """Append one event to the locked ``lot``'s log and broadcast it after commit (encoded once, with ``sent_at``)."""
    assert transaction.get_connection().in_atomic_block
    seq = lot.last_seq + 1
    event = LotEvent.objects.create(lot=lot, seq=seq, kind=kind, payload=payload or {}, at=timezone.now())
    lot.last_seq = seq
    Lot.objects.filter(pk=lot.pk).update(last_seq=seq)
    frame = Encoded(event.as_message(), stamp="sent_at")
    broadcast_on_commit(lot.group, lambda: {"type": "hall.event", "text": frame.text(now_json())})
    return event
