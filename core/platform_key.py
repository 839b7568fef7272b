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


# ---------------------------------------------------------------- the wrapping key (secrets kept in the database)

WRAP_CONTEXT = b"SUNSHINE platform wrap v1\x00"
_wrap_cache: dict[str, bytes] = {}


def _wrap_key() -> bytes:
    """The platform's 256-bit wrapping key, never in the database.

    ``SEALING_WRAP_KEY`` (base64 of 32 bytes, as a key service or the orchestrator's secret store injects it), else
    the file ``SEALING_WRAP_KEY_FILE``, else var/keys/wrap.key, created on first use (mode 0600) — the latter only
    outside production, which must name one of the two.
    """
    import base64

    from django.core.exceptions import ImproperlyConfigured

    configured = getattr(settings, "SEALING_WRAP_KEY", "")
    if configured:
        key = base64.b64decode(configured)
        if len(key) != 32:
            raise ImproperlyConfigured("SEALING_WRAP_KEY must be the base64 of 32 random bytes.")
        return key
    named = getattr(settings, "SEALING_WRAP_KEY_FILE", "")
    if not named and getattr(settings, "PRODUCTION", False):
        raise ImproperlyConfigured("Production needs SEALING_WRAP_KEY or SEALING_WRAP_KEY_FILE: the key that wraps "
                                   "custodians' shares, kept outside the database.")
    path = Path(named) if named else Path(settings.VAR_DIR) / "keys" / "wrap.key"
    with _platform_lock:
        if str(path) in _wrap_cache:
            return _wrap_cache[str(path)]
        if not path.exists():
            if named:
                raise ImproperlyConfigured(f"SEALING_WRAP_KEY_FILE names {path}, which does not exist.")
            path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
            temp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
            descriptor = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            with os.fdopen(descriptor, "wb") as out:
                out.write(os.urandom(32))
                out.flush()
                os.fsync(out.fileno())
            try:
                os.link(temp, path)
            except FileExistsError:
                pass
            finally:
                temp.unlink(missing_ok=True)
        key = path.read_bytes()
        if len(key) != 32:
            raise ImproperlyConfigured(f"The wrapping key file {path} must hold exactly 32 bytes.")
        _wrap_cache[str(path)] = key
        return key


def wrap_key_id() -> str:
    import hashlib

    return hashlib.sha256(WRAP_CONTEXT + _wrap_key()).hexdigest()[:16]


def platform_wrap(data: bytes, *, context: bytes) -> str:
    """``data`` encrypted (AES-256-GCM) under the platform's wrapping key, bound to ``context``; base64 text."""
    import base64

    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    nonce = os.urandom(12)
    return base64.b64encode(nonce + AESGCM(_wrap_key()).encrypt(nonce, data, WRAP_CONTEXT + context)).decode()


def platform_unwrap(text: str, *, context: bytes) -> bytes:
    """The inverse of platform_wrap; ValueError when the text was not wrapped by this key for this context."""
    import base64
    import binascii

    from cryptography.exceptions import InvalidTag
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    try:
        raw = base64.b64decode(text, validate=True)
        return AESGCM(_wrap_key()).decrypt(raw[:12], raw[12:], WRAP_CONTEXT + context)
    except (binascii.Error, InvalidTag, ValueError) as exc:
        raise ValueError("not wrapped by this platform's wrapping key for this record") from exc
