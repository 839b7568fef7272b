import json

from django.db import models, transaction
from django.utils import timezone

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
    actor = actor or current_actor()
    if obj is not None:
        object_type = object_type or obj._meta.label_lower
        object_id = object_id or str(obj.pk)
    if sealed_until is not None:
        payload = {**(payload or {}), SEALED_UNTIL: int(sealed_until.timestamp())}
    text = canonical_json(payload or {})
    head, _ = AuditHead.objects.select_for_update(no_key=True).get_or_create(id=1, defaults={"hash": GENESIS_HASH})
    fields = {
        "seq": head.seq + 1,
        "created_at": timezone.now(),
        "actor_id": actor.user_id,
        "actor_label": actor.name,
        "role": actor.role,
        "ip_address": actor.ip_address,
        "source": actor.source,
        "action": action,
        "object_type": object_type,
        "object_id": str(object_id),
        "payload_hash": sha256_hex(text),
        "prev_hash": head.hash,
    }
    event = AuditEvent.objects.create(**fields, payload=json.loads(text), hash=link_hash(**fields))
    AuditHead.objects.filter(id=1).update(seq=event.seq, hash=event.hash)
    if checkpoint:
        from .checkpoints import checkpoint_sign_head

        checkpoint_sign_head(seq=event.seq, hash=event.hash)
    return event

