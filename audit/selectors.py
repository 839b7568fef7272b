from dataclasses import dataclass

from django.db import connection, transaction

from core.draw import utc_text

from .chain import GENESIS_HASH, canonical_json, link_hash, sha256_hex
from .models import AuditEvent, AuditHead


@dataclass(frozen=True)
class ChainReport:
    checked: int
    broken_at: int | None = None
    reason: str = ""
    proved: int = 0  # checkpoints the chain was proved against

    @property
    def ok(self) -> bool:
        return self.broken_at is None


def audit_verify(*, batch_size: int = 5000, checkpoints: list | None = None, public_key=None) -> ChainReport:
    """Walk the chain in order and report the first broken link, then prove it against signed checkpoints.

    A link is broken when its sequence number skips (a row deleted), its
    previous-hash does not name the row before it (rows deleted or reordered),
    its payload does not hash to the stored payload hash, or its own hash does
    not match its fields (a row edited). The head row must name the last link
    (rows cut off the end).

    A chain rewritten from some row on, with the head moved to match, is consistent in itself: the signed
    checkpoints find it (audit.checkpoints). The stored ones are always proved; ``checkpoints`` adds those of
    a published copy kept elsewhere (verify_audit --checkpoints), which also find a cut or emptied chain whose
    stored checkpoints went with it. Everything is read in one snapshot (REPEATABLE READ), so events appended
    while the walk runs are not mistaken for a broken chain.
    """
    if connection.in_atomic_block:  # already inside a transaction (tests, callers): its snapshot it is
        return _verify(batch_size, checkpoints, public_key)
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY")
        return _verify(batch_size, checkpoints, public_key)


def _verify(batch_size, extra_checkpoints, public_key) -> ChainReport:
    from .checkpoints import checkpoints_prove, stored_checkpoints

    proofs = stored_checkpoints() + list(extra_checkpoints or [])
    wanted = {c.seq for c in proofs}
    hashes: dict[int, str] = {}
    expected_seq, prev_hash, checked = 1, GENESIS_HASH, 0
    fields = ["seq", "created_at", "actor_id", "actor_label", "role", "ip_address", "source",
              "action", "object_type", "object_id", "payload_hash", "prev_hash"]
    rows = AuditEvent.objects.order_by("seq").values(*fields, "payload", "hash").iterator(chunk_size=batch_size)
    for row in rows:
        seq = row["seq"]
        if seq != expected_seq:
            return ChainReport(checked, expected_seq, f"event #{expected_seq} is missing (next found is #{seq})")
        if row["prev_hash"] != prev_hash:
            return ChainReport(checked, seq, f"event #{seq} does not follow event #{seq - 1} (deleted or reordered)")
        if sha256_hex(canonical_json(row["payload"])) != row["payload_hash"]:
            return ChainReport(checked, seq, f"event #{seq} payload was changed")
        if link_hash(**{f: row[f] for f in fields}) != row["hash"]:
            return ChainReport(checked, seq, f"event #{seq} was edited")
        if seq in wanted:
            hashes[seq] = row["hash"]
        prev_hash, expected_seq, checked = row["hash"], seq + 1, checked + 1
    head = AuditHead.objects.filter(id=1).first()
    if head and (head.seq != checked or head.hash != prev_hash):
        return ChainReport(checked, checked + 1, f"the chain ends at #{checked} but its head names #{head.seq}")
    if proofs:
        if public_key is None:
            from core.platform_key import platform_key

            public_key = platform_key().public_key
        failed = checkpoints_prove(checkpoints=proofs, hashes=hashes, length=checked, public_key=public_key)
        if failed is not None:
            return ChainReport(checked, failed[0], failed[1], proved=len(proofs))
    return ChainReport(checked, proved=len(proofs))


def audit_events_for(*, obj=None, object_type: str = "", object_id: str = ""):
    if obj is not None:
        object_type, object_id = obj._meta.label_lower, str(obj.pk)
    return AuditEvent.objects.filter(object_type=object_type, object_id=object_id).order_by("seq")


def protocol_events(*, obj, actions: tuple[str, ...]) -> list[dict]:
    """The chain's events of a protocol on ``obj`` (a draw's commit, witness_commit, pool_fix, ...), in protocol
    order, each with its ``seq``, ``hash`` and time: a replayer checks the sequence numbers rise."""
    found = {e.action: e for e in audit_events_for(obj=obj).filter(action__in=actions)}
    return [{"action": action, "seq": found[action].seq, "hash": found[action].hash,
             "at": utc_text(found[action].created_at)}
            for action in actions if action in found]


def protocol_events_in_chain(*, obj, events: list[dict]) -> bool:
    """Whether every event a published record names is the audit chain's own (same seq, hash, action, object)."""
    return all(AuditEvent.objects.filter(seq=e["seq"], hash=e["hash"], action=e["action"],
                                         object_type=obj._meta.label_lower, object_id=str(obj.pk)).exists()
               for e in events)
