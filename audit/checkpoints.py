"""Checkpoints: the chain's head signed by the platform key, published, and proved against later.

A checkpoint signs ``CONTEXT + canonical JSON of {"seq", "hash", "time"}`` with the platform key
(core.platform_key; its public half is published). The platform takes one periodically (the
``audit-checkpoint`` beat entry, or the embedded scheduler) and one with every signed document
(``audit_record(..., checkpoint=True)``: receipts, opening records, evaluation reports, decisions). The portal
publishes them (/audit/checkpoints/, /api/audit/checkpoints/); anyone may keep a copy.

Proving a chain against checkpoints (``checkpoints_prove``): each checkpoint's signature must verify with the
platform's public key, and the chain must hold an event with exactly the checkpoint's seq and hash. A chain edited
at row N and recomputed from there on (head included) no longer has the signed hash at the first checkpoint at or
after N; a chain cut back, or truncated, no longer reaches the checkpoint's seq. What was appended after the last
checkpoint a verifier holds is not covered: the periodic checkpoint bounds that window.
"""

import base64
import datetime as dt
import json
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

import sealing

from .chain import GENESIS_HASH, canonical_json
from .models import AuditCheckpoint, AuditHead

CONTEXT = b"SUNSHINE audit checkpoint v1\x00"
FORMAT = "sunshine-audit-checkpoints/1"


def checkpoint_message(*, seq: int, hash: str, time: str) -> bytes:
    return CONTEXT + canonical_json({"seq": int(seq), "hash": hash, "time": time}).encode("utf-8")


def checkpoint_sign_head(*, seq: int, hash: str) -> AuditCheckpoint:
    """Sign (seq, hash) now and store the checkpoint, in the caller's transaction."""
    from core.platform_key import platform_key

    key = platform_key()
    now = timezone.now()
    signature = sealing.signature_sign(key, checkpoint_message(seq=seq, hash=hash, time=now.isoformat()))
    return AuditCheckpoint.objects.create(seq=seq, hash=hash, signed_at=now, key_fingerprint=key.public_key.fingerprint,
                                          signature=base64.b64encode(signature).decode("ascii"))


@transaction.atomic
def checkpoint_take() -> AuditCheckpoint | None:
    """Sign the chain's current head, unless the newest checkpoint already names it (or the chain is empty)."""
    head = AuditHead.objects.select_for_update(no_key=True).filter(id=1).first()
    if head is None or head.seq == 0:
        return None
    last = AuditCheckpoint.objects.order_by("-seq", "-id").first()
    if last is not None and last.seq == head.seq and last.hash == head.hash:
        return None
    return checkpoint_sign_head(seq=head.seq, hash=head.hash)


def checkpoint_as_dict(checkpoint: AuditCheckpoint) -> dict:
    return {"seq": checkpoint.seq, "hash": checkpoint.hash, "time": checkpoint.signed_at.isoformat(),
            "signature": checkpoint.signature, "key_fingerprint": checkpoint.key_fingerprint}


def checkpoints_document(checkpoints) -> dict:
    """The published form: what ``verify_audit --checkpoints`` reads back (file or URL)."""
    from core.platform_key import platform_public_key_pem

    return {"format": FORMAT, "platform_key": platform_public_key_pem(),
            "checkpoints": [checkpoint_as_dict(c) for c in checkpoints]}


class CheckpointFileError(ValueError):
    pass


@dataclass(frozen=True)
class Checkpoint:
    seq: int
    hash: str
    time: str
    signature: str
    key_fingerprint: str

    def label(self) -> str:
        return f"checkpoint #{self.seq} signed {self.time}"


def checkpoints_parse(text: str | bytes) -> tuple[str, list[Checkpoint]]:
    """(platform key PEM, checkpoints) from a published document; CheckpointFileError if it is not one."""
    try:
        document = json.loads(text)
    except ValueError as exc:
        raise CheckpointFileError(f"not JSON ({exc})") from exc
    if not isinstance(document, dict) or document.get("format") != FORMAT:
        raise CheckpointFileError(f"not a checkpoint document (format must be {FORMAT!r})")
    items = document.get("checkpoints")
    if not isinstance(items, list):
        raise CheckpointFileError("no list of checkpoints")
    found = []
    for n, item in enumerate(items):
        try:
            found.append(Checkpoint(seq=int(item["seq"]), hash=str(item["hash"]), time=str(item["time"]),
                                    signature=str(item["signature"]),
                                    key_fingerprint=str(item.get("key_fingerprint", ""))))
        except (KeyError, TypeError, ValueError) as exc:
            raise CheckpointFileError(f"checkpoint {n + 1} is incomplete ({exc})") from exc
    return str(document.get("platform_key") or ""), found


def checkpoint_signature_ok(public_key: sealing.PublicKey, checkpoint: Checkpoint) -> bool:
    try:
        signature = base64.b64decode(checkpoint.signature, validate=True)
    except ValueError:
        return False
    message = checkpoint_message(seq=checkpoint.seq, hash=checkpoint.hash, time=checkpoint.time)
    return sealing.signature_verify(public_key, message, signature)


def stored_checkpoints() -> list[Checkpoint]:
    return [Checkpoint(seq=c.seq, hash=c.hash, time=c.signed_at.isoformat(), signature=c.signature,
                       key_fingerprint=c.key_fingerprint)
            for c in AuditCheckpoint.objects.order_by("seq", "id")]


def checkpoints_prove(*, checkpoints: list[Checkpoint], hashes: dict[int, str], length: int,
                      public_key: sealing.PublicKey) -> tuple[int, str] | None:
    """The first checkpoint the chain fails, as (seq, reason); None when it holds every one.

    ``hashes`` maps the checkpoints' seqs to the chain's hashes at those seqs; ``length`` is the chain's last seq.
    """
    for checkpoint in sorted(checkpoints, key=lambda c: c.seq):
        if not checkpoint_signature_ok(public_key, checkpoint):
            return checkpoint.seq, f"{checkpoint.label()}: its signature does not verify with the platform key"
        if checkpoint.seq == 0:
            if checkpoint.hash != GENESIS_HASH:
                return 0, f"{checkpoint.label()}: not the genesis hash"
            continue
        if checkpoint.seq > length:
            return checkpoint.seq, (f"{checkpoint.label()}: the chain ends at #{length} (events cut off the end, "
                                    f"or the table emptied)")
        if hashes.get(checkpoint.seq) != checkpoint.hash:
            return checkpoint.seq, (f"{checkpoint.label()}: event #{checkpoint.seq} is not the one signed "
                                    f"(the chain was rewritten at or before #{checkpoint.seq})")
    return None


def checkpoints_recent(*, since: dt.datetime | None = None):
    queryset = AuditCheckpoint.objects.order_by("-seq", "-id")
    return queryset.filter(signed_at__gte=since) if since else queryset
