from dataclasses import dataclass

from .chain import GENESIS_HASH, canonical_json, link_hash, sha256_hex
from .models import AuditEvent, AuditHead


@dataclass(frozen=True)
class ChainReport:
    checked: int
    broken_at: int | None = None
    reason: str = ""

    @property
    def ok(self) -> bool:
        return self.broken_at is None


def audit_verify(*, batch_size: int = 5000) -> ChainReport:
    """Walk the chain in order and report the first broken link.

    A link is broken when its sequence number skips (a row deleted), its
    previous-hash does not name the row before it (rows deleted or reordered),
    its payload does not hash to the stored payload hash, or its own hash does
    not match its fields (a row edited). The head row must name the last link
    (rows cut off the end).
    """
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
        prev_hash, expected_seq, checked = row["hash"], seq + 1, checked + 1
    head = AuditHead.objects.filter(id=1).first()
    if head and (head.seq != checked or head.hash != prev_hash):
        return ChainReport(checked, checked + 1, f"the chain ends at #{checked} but its head names #{head.seq}")
    return ChainReport(checked)


def audit_events_for(*, obj=None, object_type: str = "", object_id: str = ""):
    if obj is not None:
        object_type, object_id = obj._meta.label_lower, str(obj.pk)
    return AuditEvent.objects.filter(object_type=object_type, object_id=object_id).order_by("seq")
