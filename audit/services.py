import json

from django.db import models, transaction
from django.utils import timezone

from core import pipeline

from .chain import GENESIS_HASH, canonical_json, link_hash, sha256_hex
from .context import Actor, current_actor
from .models import AuditEvent, AuditHead

SEALED_UNTIL = "sealed_until"


@transaction.atomic
def audit_record(*, action: str, obj: models.Model | None = None, payload: dict | None = None,
                 actor: Actor | None = None, object_type: str = "", object_id: str = "",
                 checkpoint: bool = False, sealed_until=None) -> AuditEvent:
    """Append one event to the chain, in the caller's transaction.

    The chain head is locked for the rest of the transaction, so appends are
    strictly ordered and the event commits or rolls back with the change it records.
    ``checkpoint``: the event records a document the platform signed (receipt, opening record, evaluation
    report, decision); the new head is signed and published with it (audit.checkpoints).
    ``sealed_until``: the event tells who takes part in a procedure, secret until then (a bid deadline); the back
    office leaves it out of its lists until that time (payload key ``sealed_until``, epoch seconds, hashed with it).
    """
    event = _chain_append([_entry(action=action, obj=obj, payload=payload, actor=actor, object_type=object_type,
                                  object_id=object_id, sealed_until=sealed_until)])[0]
    if checkpoint:
        from .checkpoints import checkpoint_sign_head

        checkpoint_sign_head(seq=event.seq, hash=event.hash)
    return event


@transaction.atomic(savepoint=False)
def audit_records(entries: list[dict], *, head: tuple[int, str] | None = None) -> list[AuditEvent]:
    """Append several events in this order, in the caller's transaction (no savepoint of its own: if it fails, the
    caller's transaction fails with it), with one lock of the head and one round trip for the events.

    Each entry takes ``audit_record``'s arguments (``action``, ``obj``, ``payload``, ``actor`` …, no checkpoint):
    for a batch of changes committed together (the auction hall's bids accepted in one transaction). ``head``: the
    head's ``(seq, hash)`` when the caller has locked it in this transaction already (``audit_head_lock``, sent with
    its own statements)."""
    return _chain_append([_entry(**entry) for entry in entries], head=head) if entries else []


def audit_head_lock() -> pipeline.Statement:
    """The lock of the chain's head as a statement to send with others (``core.pipeline``); its one row is the
    ``head`` of ``audit_records`` (none before the first event ever: then ``audit_records`` makes the head)."""
    return pipeline.select(AuditHead.objects.select_for_update(no_key=True).filter(id=1).values_list("seq", "hash"))


def _entry(*, action: str, obj: models.Model | None = None, payload: dict | None = None, actor: Actor | None = None,
           object_type: str = "", object_id: str = "", sealed_until=None) -> tuple[dict, str]:
    """An event's fields but its place in the chain, and its canonical payload text."""
    actor = actor or current_actor()
    if obj is not None:
        object_type = object_type or obj._meta.label_lower
        object_id = object_id or str(obj.pk)
    if sealed_until is not None:
        payload = {**(payload or {}), SEALED_UNTIL: int(sealed_until.timestamp())}
    text = canonical_json(payload or {})
    return {
        "actor_id": actor.user_id,
        "actor_label": actor.name,
        "role": actor.role,
        "ip_address": actor.ip_address,
        "source": actor.source,
        "action": action,
        "object_type": object_type,
        "object_id": str(object_id),
        "payload_hash": sha256_hex(text),
    }, text


def _chain_append(entries: list[tuple[dict, str]], *, head: tuple[int, str] | None = None) -> list[AuditEvent]:
    """Link ``entries`` to the head in order (the head locked until the transaction ends) and insert them."""
    if head is None:
        locked, _ = AuditHead.objects.select_for_update(no_key=True).get_or_create(
            id=1, defaults={"hash": GENESIS_HASH})
        head = (locked.seq, locked.hash)
    (seq, prev), events = head, []
    for entry, text in entries:
        seq += 1
        fields = {"seq": seq, "created_at": timezone.now(), **entry, "prev_hash": prev}
        event = AuditEvent(**fields, payload=json.loads(text), hash=link_hash(**fields))
        events.append(event)
        prev = event.hash
    # The events and the head's moves leave in one round trip; the head's guard (migration 0004) lets it move one
    # event at a time.
    pipeline.run([pipeline.insert(events, returning=True), *(
        pipeline.update(AuditHead(id=1, seq=event.seq, hash=event.hash), ["seq", "hash"]) for event in events)])
    return events
