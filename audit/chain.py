"""How a link's hash is computed. Documented in docs/architecture.md; keep both in step."""

import hashlib
import json

GENESIS_HASH = "0" * 64


def canonical_json(payload) -> str:
    """Serialise ``payload`` the one way that is hashed: sorted keys, no spaces, UTF-8 text."""
    return json.dumps(payload, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str)


def sha256_hex(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def link_hash(*, seq, created_at, actor_id, actor_label, role, ip_address, source, action,
              object_type, object_id, payload_hash, prev_hash) -> str:
    fields = [
        str(seq), created_at.isoformat(), "" if actor_id is None else str(actor_id), actor_label,
        role, ip_address, source, action, object_type, object_id, payload_hash, prev_hash,
    ]
    return sha256_hex(canonical_json(fields))
