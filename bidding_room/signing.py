"""The platform key signs opening records: the same key pair that signs receipts (trading.services.keys).

The signature covers ``b"SUNSHINE opening record v1\\x00" + SHA-256(pdf)``; anyone holding the platform's published
public key checks it offline with ``sealing.signature_verify``.
"""

import base64

import sealing

RECORD_CONTEXT = b"SUNSHINE opening record v1\x00"


def platform_key() -> sealing.PrivateKey:
    from core.platform_key import platform_key as key

    return key()


def record_sign(*, sha256_hex: str) -> tuple[str, str]:
    """Sign a record's SHA-256; returns (base64 signature, key fingerprint)."""
    key = platform_key()
    signature = sealing.signature_sign(key, RECORD_CONTEXT + bytes.fromhex(sha256_hex))
    return base64.b64encode(signature).decode("ascii"), key.public_key.fingerprint


def record_verify(*, sha256_hex: str, signature_b64: str) -> bool:
    return sealing.signature_verify(platform_key().public_key, RECORD_CONTEXT + bytes.fromhex(sha256_hex),
                                    base64.b64decode(signature_b64))
