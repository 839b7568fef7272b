"""Threshold custody of a project's opening key (k of n custodians, Shamir).

pycryptodome's Shamir splits 16-byte secrets, so the private key itself is never split:
a random 16-byte key-encryption key (KEK) encrypts the opening private key (AES-128-GCM for
intl, SM4-GCM for gm) into a ``SealedKey``, which may be stored anywhere, and the KEK is
split k-of-n. Each share is wrapped to one custodian's public key exactly as an envelope's
content key is (intl: ECDH P-256 + HKDF + AES-GCM; gm: SM2 encryption), so only that
custodian can read it. Any k decrypted shares recombine the KEK and so the private key;
fewer recover nothing. When combining is allowed (after the deadline, with k custodians
present, recorded in the audit chain) is the platform service's rule, not this module's.
"""

import base64
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from Crypto.Protocol.SecretSharing import Shamir
from cryptography.exceptions import InvalidTag

from sealing.errors import CustodyError
from sealing.keys import PrivateKey, PublicKey, private_key_from_scalar, public_key_load
from sealing.suites import suite_get

SHARE_ROLE = 3
SEALED_KEY_CONTEXT = b"SUNSEAL-v1 opening key\x00"
KEK_SIZE = 16


@dataclass(frozen=True)
class SealedKey:
    """The opening private key encrypted under the split KEK: safe to store, useless without k shares."""

    public_key: PublicKey
    threshold: int
    shares: int
    nonce: bytes
    ciphertext: bytes

    def to_dict(self) -> dict[str, Any]:
        return {
            "version": 1,
            "public_key": base64.b64encode(self.public_key.der()).decode(),
            "threshold": self.threshold,
            "shares": self.shares,
            "nonce": base64.b64encode(self.nonce).decode(),
            "ciphertext": base64.b64encode(self.ciphertext).decode(),
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "SealedKey":
        try:
            return cls(
                public_key=public_key_load(base64.b64decode(data["public_key"])),
                threshold=int(data["threshold"]),
                shares=int(data["shares"]),
                nonce=base64.b64decode(data["nonce"]),
                ciphertext=base64.b64decode(data["ciphertext"]),
            )
        except (KeyError, ValueError, TypeError):
            raise CustodyError("the sealed opening key record is malformed")


@dataclass(frozen=True)
class EncryptedShare:
    """One custodian's share, readable only with that custodian's private key."""

    key_id: str
    index: int
    threshold: int
    custodian: str
    wrapped: bytes

    def to_dict(self) -> dict[str, Any]:
        return {
            "version": 1,
            "key_id": self.key_id,
            "index": self.index,
            "threshold": self.threshold,
            "custodian": self.custodian,
            "wrapped": base64.b64encode(self.wrapped).decode(),
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "EncryptedShare":
        try:
            return cls(
                key_id=str(data["key_id"]),
                index=int(data["index"]),
                threshold=int(data["threshold"]),
                custodian=str(data["custodian"]),
                wrapped=base64.b64decode(data["wrapped"]),
            )
        except (KeyError, ValueError, TypeError):
            raise CustodyError("the share record is malformed")


@dataclass(frozen=True)
class Share:
    """A decrypted share: which opening key, its index, the threshold and 16 secret bytes."""

    key_id: str
    index: int
    threshold: int
    secret: bytes


def _aad(public_key: PublicKey, threshold: int, shares: int) -> bytes:
    return SEALED_KEY_CONTEXT + public_key.key_id + bytes([threshold, shares])


def _share_plaintext(key_id: bytes, index: int, threshold: int, secret: bytes) -> bytes:
    return bytes([index, threshold]) + key_id + secret


def key_split(
    private_key: PrivateKey, custodians: Sequence[PublicKey], *, threshold: int = 2
) -> tuple[SealedKey, list[EncryptedShare]]:
    """Split ``private_key`` so that any ``threshold`` of ``custodians`` can recover it.

    Returns the sealed key and one encrypted share per custodian, in the custodians' order.
    """
    count = len(custodians)
    if not 2 <= threshold <= count <= 255:
        raise CustodyError(
            f"a key is split k-of-n with 2 ≤ k ≤ n ≤ 255; got k={threshold}, n={count}. Name at least "
            f"{max(threshold, 2)} custodians."
        )
    if len({custodian.fingerprint for custodian in custodians}) != count:
        raise CustodyError("a custodian is named twice; each share must go to a different custodian")
    suite = suite_get(private_key.suite)
    for custodian in custodians:
        if custodian.suite != private_key.suite:
            raise CustodyError(f"custodian key {custodian.fingerprint[:16]}… is not a {private_key.suite} key")
    kek = secrets.token_bytes(KEK_SIZE)
    nonce = secrets.token_bytes(12)
    encryptor = suite.chunk_encryptor(kek, nonce, _aad(private_key.public_key, threshold, count))
    ciphertext = encryptor.update(private_key.scalar.to_bytes(32, "big")) + encryptor.finalize() + encryptor.tag
    sealed = SealedKey(private_key.public_key, threshold, count, nonce, ciphertext)
    key_id = private_key.public_key.key_id
    shares = []
    for (index, secret), custodian in zip(Shamir.split(threshold, count, kek), custodians, strict=True):
        wrapped = suite.wrap(_share_plaintext(key_id, index, threshold, secret), custodian, SHARE_ROLE)
        shares.append(EncryptedShare(key_id.hex(), index, threshold, custodian.fingerprint, wrapped))
    return sealed, shares


def share_decrypt(custodian_key: PrivateKey, share: EncryptedShare) -> Share:
    """The custodian opens its own share."""
    if share.custodian != custodian_key.public_key.fingerprint:
        raise CustodyError(
            f"share {share.index} belongs to custodian {share.custodian[:16]}…, not to the key given "
            f"({custodian_key.public_key.fingerprint[:16]}…); each custodian opens only its own share"
        )
    try:
        plain = suite_get(custodian_key.suite).unwrap(share.wrapped, custodian_key, SHARE_ROLE)
    except ValueError:
        raise CustodyError(f"share {share.index} does not decrypt with the custodian's key: the share is damaged")
    if len(plain) != 2 + 32 + KEK_SIZE or plain[:2] != bytes([share.index, share.threshold]) or (
        plain[2:34].hex() != share.key_id
    ):
        raise CustodyError(f"share {share.index} does not match its own record: the share record was altered")
    return Share(share.key_id, share.index, share.threshold, plain[34:])


def key_combine(sealed: SealedKey, shares: Sequence[Share]) -> PrivateKey:
    """Recombine the opening private key from at least ``threshold`` decrypted shares."""
    key_id = sealed.public_key.fingerprint
    foreign = [share.index for share in shares if share.key_id != key_id]
    if foreign:
        raise CustodyError("some shares belong to another opening key; give shares of this project's key only")
    distinct = {share.index: share for share in shares}
    if len(distinct) < sealed.threshold:
        raise CustodyError(
            f"{sealed.threshold} different custodians' shares are needed to recover the opening key; "
            f"{len(distinct)} given. Ask another custodian to take part."
        )
    kek = Shamir.combine([(share.index, share.secret) for share in distinct.values()])
    suite = suite_get(sealed.public_key.suite)
    decryptor = suite.chunk_decryptor(kek, sealed.nonce, _aad(sealed.public_key, sealed.threshold, sealed.shares))
    scalar = decryptor.update(sealed.ciphertext[:-16])
    try:
        scalar += decryptor.finalize_with_tag(sealed.ciphertext[-16:])
    except InvalidTag:
        raise CustodyError("the shares do not recover the opening key: a share or the sealed key record is wrong")
    private_key = private_key_from_scalar(sealed.public_key.suite, int.from_bytes(scalar, "big"))
    if private_key.public_key != sealed.public_key:
        raise CustodyError("the recovered key does not match the opening public key")
    return private_key


def challenge_make(custodian: PublicKey) -> tuple[EncryptedShare, bytes]:
    """A key check for a custodian: a random secret wrapped to its key exactly as a share is; (challenge, secret).

    The custodian opens it with ``share_decrypt`` (``python -m sealing share-decrypt``), the very step it will take
    on its real share after the deadline, and hands back the secret: proof that it holds its key, without any
    share material leaving the platform. Its ``key_id`` is random, so it is no share of any opening key.
    """
    challenge_id = secrets.token_bytes(32)
    secret = secrets.token_bytes(KEK_SIZE)
    wrapped = suite_get(custodian.suite).wrap(_share_plaintext(challenge_id, 1, 1, secret), custodian, SHARE_ROLE)
    return EncryptedShare(challenge_id.hex(), 1, 1, custodian.fingerprint, wrapped), secret
