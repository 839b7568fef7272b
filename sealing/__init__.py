"""Sealed bid envelopes: the format and its crypto suites, in plain Python (no Django).

The format is specified byte by byte in docs/crypto.md; static/js/sealing.js writes the
same ``intl`` envelopes in the browser. The public API is what this module exports:

Keys (sealing.keys)
    keypair_generate(suite="intl")          new key pair ("intl": P-256, "gm": SM2)
    private_key_load(pem, passphrase)       encrypted PKCS#8 PEM → PrivateKey
    public_key_load(pem_or_der)             SubjectPublicKeyInfo → PublicKey
    PrivateKey.pem(passphrase), PublicKey.pem(), PublicKey.fingerprint

Envelopes (sealing.envelope)
    envelope_seal(dest, summary=, documents=, signer=, opening_key=, labels=)
    envelope_open(src, key=, dest=)         verify + decrypt into a new folder, all or nothing
    envelope_open(src, content_key=, dest=) the same with a content key a bidder released
    content_key_unwrap(src, key=)           the bidder recovers its envelope's content key (to release it)
    content_key_check(src, content_key=)    does a released content key open this envelope (header only)
    envelope_verify(src)                    structure and signature, no key needed (server side)
    envelope_inspect(src)                   header only
    OpeningSummary                          开标一览表: price, duration, quality, project manager, fields

Receipts (sealing.receipts)
    receipt_sign(private_key, fields)       the platform's signed 回执
    receipt_verify(public_key, receipt)     offline check

Signatures (sealing.signatures)
    signature_sign(private_key, message), signature_verify(public_key, message, signature)

Opening-key custody (sealing.custody)
    key_split(private_key, custodians, threshold=2) → (SealedKey, [EncryptedShare])
    share_decrypt(custodian_key, share) → Share
    challenge_make(custodian) → (EncryptedShare, secret): a key check opened like a share
    key_combine(sealed_key, shares) → PrivateKey

Errors (sealing.errors): SealingError and below; EnvelopeError subclasses carry ``where``.

The command-line bidder tool is ``python -m sealing`` (sealing.cli).
"""

from sealing.custody import (
    EncryptedShare,
    SealedKey,
    Share,
    challenge_make,
    key_combine,
    key_split,
    share_decrypt,
)
from sealing.envelope import (
    EnvelopeInfo,
    OpenedDocument,
    OpenedEnvelope,
    Recipient,
    content_key_check,
    content_key_unwrap,
    envelope_inspect,
    envelope_open,
    envelope_seal,
    envelope_verify,
)
from sealing.errors import (
    BadSignature,
    CustodyError,
    DamagedEnvelope,
    EnvelopeError,
    InvalidInput,
    InvalidReceipt,
    KeyFileError,
    NotAnEnvelope,
    SealingError,
    WrongKey,
    WrongPassphrase,
)
from sealing.keys import PrivateKey, PublicKey, keypair_generate, private_key_load, public_key_load
from sealing.receipts import receipt_sign, receipt_verify
from sealing.signatures import signature_sign, signature_verify
from sealing.summary import OpeningSummary

__all__ = [
    "BadSignature",
    "CustodyError",
    "DamagedEnvelope",
    "EncryptedShare",
    "challenge_make",
    "EnvelopeError",
    "EnvelopeInfo",
    "InvalidInput",
    "InvalidReceipt",
    "KeyFileError",
    "NotAnEnvelope",
    "OpenedDocument",
    "OpenedEnvelope",
    "OpeningSummary",
    "PrivateKey",
    "PublicKey",
    "Recipient",
    "SealedKey",
    "SealingError",
    "Share",
    "WrongKey",
    "WrongPassphrase",
    "content_key_check",
    "content_key_unwrap",
    "envelope_inspect",
    "envelope_open",
    "envelope_seal",
    "envelope_verify",
    "key_combine",
    "key_split",
    "keypair_generate",
    "private_key_load",
    "public_key_load",
    "receipt_sign",
    "receipt_verify",
    "share_decrypt",
    "signature_sign",
    "signature_verify",
]
