"""The platform key that signs opening records.

One small function so the room can later use the platform key pair that signs
receipts (issue 4) instead of its own file: ``platform_key`` is the only place.
"""

import threading
from pathlib import Path

from django.conf import settings

import sealing
from sealing.suites import suite_get

RECORD_CONTEXT = b"SUNSHINE opening record v1\x00"
_lock = threading.Lock()


def _key_path() -> Path:
    return Path(settings.VAR_DIR) / "keys" / "platform-opening-record.pem"


def platform_key() -> sealing.PrivateKey:
    """The platform's signing key, created under VAR_DIR on first use."""
    path = _key_path()
    passphrase = settings.SECRET_KEY
    with _lock:
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            key = sealing.keypair_generate("intl")
            tmp = path.with_suffix(".tmp")
            tmp.write_bytes(key.pem(passphrase))
            tmp.chmod(0o600)
            tmp.replace(path)
        return sealing.private_key_load(path.read_bytes(), passphrase)


def record_sign(*, sha256_hex: str) -> tuple[str, str]:
    """Sign a record's SHA-256; returns (base64 signature, key fingerprint)."""
    import base64

    key = platform_key()
    signature = suite_get(key.suite).sign(key, RECORD_CONTEXT + bytes.fromhex(sha256_hex))
    return base64.b64encode(signature).decode("ascii"), key.public_key.fingerprint


def record_verify(*, sha256_hex: str, signature_b64: str) -> bool:
    import base64

    key = platform_key().public_key
    return suite_get(key.suite).verify(key, RECORD_CONTEXT + bytes.fromhex(sha256_hex),
                                       base64.b64decode(signature_b64))
