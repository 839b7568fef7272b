"""The platform's own key pair: it signs receipts, opening records, decisions and audit checkpoints.

Its private half lives in a file outside the database (``SEALING_PLATFORM_KEY_FILE``, by default
var/keys/platform-key.pem, created on first use, mode 0600) under a passphrase from the settings; its public
half is published (/api/trading/platform-key/). Lower layers (the audit chain's checkpoints) sign with it, so
it lives here in core; trading re-exports it.
"""

import os
import threading
from pathlib import Path

from django.conf import settings

import sealing

_platform_lock = threading.Lock()
_platform_cache: dict[tuple[str, int], sealing.PrivateKey] = {}


def _platform_key_path() -> Path:
    configured = getattr(settings, "SEALING_PLATFORM_KEY_FILE", None)
    return Path(configured) if configured else Path(settings.VAR_DIR) / "keys" / "platform-key.pem"


def _platform_passphrase() -> str:
    return getattr(settings, "SEALING_PLATFORM_KEY_PASSPHRASE", "") or f"platform-key:{settings.SECRET_KEY}"


def platform_key() -> sealing.PrivateKey:
    """The platform's receipt-signing key: created on first use under var/keys (mode 0600), then loaded once."""
    path = _platform_key_path()
    with _platform_lock:
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
            key = sealing.keypair_generate(getattr(settings, "SEALING_PLATFORM_SUITE", "intl"))
            temp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
            descriptor = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            with os.fdopen(descriptor, "wb") as out:
                out.write(key.pem(_platform_passphrase()))
                out.flush()
                os.fsync(out.fileno())
            try:
                os.link(temp, path)  # another process may have made one first: then use that one
            except FileExistsError:
                pass
            finally:
                temp.unlink(missing_ok=True)
        stat = path.stat()
        cache_key = (str(path), stat.st_mtime_ns)
        if cache_key not in _platform_cache:
            _platform_cache.clear()
            _platform_cache[cache_key] = sealing.private_key_load(path.read_bytes(), _platform_passphrase())
        return _platform_cache[cache_key]


def platform_public_key_pem() -> str:
    return platform_key().public_key.pem()
