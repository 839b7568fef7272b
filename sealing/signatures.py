"""Plain signatures with a key of either suite (intl: ECDSA P-256/SHA-256, gm: SM2/SM3), r || s.

Used for challenges (a person proves it holds the private half of its registered key) and
anything else that is not an envelope or a receipt, which have their own contexts.
"""

from sealing.keys import PrivateKey, PublicKey
from sealing.suites import suite_get


def signature_sign(private_key: PrivateKey, message: bytes) -> bytes:
    """The 64-byte signature (r || s) of ``message`` (WebCrypto ECDSA P-256 SHA-256 verifies intl ones)."""
    return suite_get(private_key.suite).sign(private_key, message)


def signature_verify(public_key: PublicKey, message: bytes, signature: bytes) -> bool:
    """Whether ``signature`` (r || s) is ``public_key``'s signature of ``message``."""
    if len(signature) != 64:
        return False
    return suite_get(public_key.suite).verify(public_key, message, signature)
