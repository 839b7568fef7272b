"""The crypto suites behind one interface.

``intl`` (code 1): AES-256-GCM content, key wrapping by ephemeral ECDH P-256 + HKDF-SHA256 +
AES-256-GCM, ECDSA P-256 / SHA-256 signatures, SHA-256 digests, BLAKE3 frame digests (format
version 2; version 1 used SHA-256). Everything but BLAKE3 is in browser WebCrypto; the page
brings its own BLAKE3 (static/js/blake3.js).

``gm`` (code 2): SM4-GCM content, key wrapping by SM2 encryption, SM2 signatures with SM3,
SM3 digests, frame digests included.

The bulk cipher and ECDSA go through OpenSSL (the ``cryptography`` package); key agreement
and key wrapping use pycryptodome; SM2 uses gmssl's curve arithmetic (see sealing.sm2).
ECDSA is OpenSSL's because pycryptodome's signature takes 0.25-0.45 ms here against
OpenSSL's 0.03 ms, a good part of sealing or opening a 10 MiB envelope (bench/RESULTS.md).
"""

import hashlib
from abc import ABC, abstractmethod
from collections.abc import Callable
from typing import Any, Protocol

import blake3
from Crypto.Cipher import AES
from Crypto.Hash import SHA256
from Crypto.Protocol.DH import key_agreement
from Crypto.Protocol.KDF import HKDF
from Crypto.PublicKey import ECC
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature, encode_dss_signature
from cryptography.hazmat.primitives.ciphers import Cipher, CipherContext, algorithms, modes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from sealing import sm2
from sealing.errors import InvalidInput
from sealing.keys import PrivateKey, PublicKey, p256_public

WRAP_INFO = b"SUNSEAL-v1 wrap"
FrameDigest = Callable[[bytes | memoryview], bytes]
FrameSealer = Callable[[bytes, memoryview, memoryview], None]
FrameOpener = Callable[[bytes, memoryview, memoryview], None]


def blake3_digest(data: bytes | memoryview) -> bytes:
    """BLAKE3-256 of ``data`` (the default, key-less hash mode), on this thread (frames run in parallel instead)."""
    return blake3.blake3(data).digest()


class Hasher(Protocol):
    def update(self, data: bytes | memoryview, /) -> None: ...


class Suite(ABC):
    """What the envelope format needs from a suite."""

    name: str
    code: int
    content_key_size: int
    content_cipher: str
    wrap_size: int = 113

    @abstractmethod
    def hasher(self) -> Any:
        """A new incremental hasher of the suite's hash (``update`` / ``finish``)."""

    def digest(self, *parts: bytes) -> bytes:
        """The suite's hash of the concatenated parts."""
        hasher = self.hasher()
        for part in parts:
            hasher.update(part)
        return self.finish(hasher)

    @staticmethod
    def finish(hasher: Any) -> bytes:
        return hasher.digest() if hasattr(hasher, "digest") else hasher.finalize()

    def frame_digest(self, version: int) -> FrameDigest:
        """The hash of one chunk frame, d_i, in envelope format ``version`` (32 bytes)."""
        return self.digest

    @abstractmethod
    def _algorithm(self, key: bytes) -> Any: ...

    def chunk_encryptor(self, key: bytes, nonce: bytes, aad: bytes) -> CipherContext:
        """A GCM encryptor for one chunk (the tag is read from ``.tag`` after ``finalize``)."""
        encryptor = Cipher(self._algorithm(key), modes.GCM(nonce)).encryptor()
        encryptor.authenticate_additional_data(aad)
        return encryptor

    def chunk_decryptor(self, key: bytes, nonce: bytes, aad: bytes) -> Any:
        """A GCM decryptor for one chunk (finish with ``finalize_with_tag``)."""
        decryptor = Cipher(self._algorithm(key), modes.GCM(nonce)).decryptor()
        decryptor.authenticate_additional_data(aad)
        return decryptor

    def frame_sealer(self, key: bytes, aad: bytes) -> FrameSealer:
        """``seal(nonce, chunk, out)``: GCM of ``chunk`` written into ``out`` as ciphertext || 16-byte tag.

        ``out`` is ``len(chunk) + 16`` bytes (room for update_into's 15 bytes of block slack).
        """
        algorithm = self._algorithm(key)

        def seal(nonce: bytes, chunk: memoryview, out: memoryview) -> None:
            encryptor = Cipher(algorithm, modes.GCM(nonce)).encryptor()
            encryptor.authenticate_additional_data(aad)
            written = encryptor.update_into(chunk, out)
            encryptor.finalize()
            out[written : written + 16] = encryptor.tag

        return seal

    def frame_opener(self, key: bytes, aad: bytes) -> FrameOpener:
        """``open(nonce, sealed, out)``: the plaintext of ``sealed`` (ciphertext || tag) into ``out``,
        a view of at least ``len(sealed) - 1`` bytes (update_into's block slack); InvalidTag if it does not verify."""
        algorithm = self._algorithm(key)

        def open_(nonce: bytes, sealed: memoryview, out: memoryview) -> None:
            decryptor = Cipher(algorithm, modes.GCM(nonce)).decryptor()
            decryptor.authenticate_additional_data(aad)
            decryptor.update_into(sealed[:-16], out)
            decryptor.finalize_with_tag(bytes(sealed[-16:]))

        return open_

    @abstractmethod
    def wrap(self, content_key: bytes, recipient: PublicKey, role: int) -> bytes:
        """The content key wrapped to ``recipient`` (``wrap_size`` bytes)."""

    @abstractmethod
    def unwrap(self, wrapped: bytes, key: PrivateKey, role: int) -> bytes:
        """The content key from ``wrapped``; ValueError when it does not open with ``key``."""

    @abstractmethod
    def sign(self, key: PrivateKey, message: bytes) -> bytes:
        """The 64-byte signature (r || s) of ``message``."""

    @abstractmethod
    def verify(self, key: PublicKey, message: bytes, signature: bytes) -> bool:
        """Whether ``signature`` is ``key``'s signature of ``message``."""

    @property
    @abstractmethod
    def signature_algorithm(self) -> str: ...


class IntlSuite(Suite):
    name = "intl"
    code = 1
    content_key_size = 32
    content_cipher = "AES-256-GCM"
    signature_algorithm = "ECDSA-P256-SHA256"

    def hasher(self) -> Any:
        return hashlib.sha256()

    def frame_digest(self, version: int) -> FrameDigest:
        """SHA-256 in format version 1, BLAKE3-256 from version 2 on (docs/crypto.md, "Performance")."""
        return super().frame_digest(version) if version == 1 else blake3_digest

    def _algorithm(self, key: bytes) -> Any:
        return algorithms.AES(key)

    def frame_sealer(self, key: bytes, aad: bytes) -> FrameSealer:
        """OpenSSL's AES-GCM in one call per frame, straight into the frame (same bytes as the base class's)."""
        aead = AESGCM(key)

        def seal(nonce: bytes, chunk: memoryview, out: memoryview) -> None:
            aead.encrypt_into(nonce, chunk, aad, out[: len(chunk) + 16])

        return seal

    def frame_opener(self, key: bytes, aad: bytes) -> FrameOpener:
        aead = AESGCM(key)

        def open_(nonce: bytes, sealed: memoryview, out: memoryview) -> None:
            aead.decrypt_into(nonce, sealed, aad, out[: len(sealed) - 16])

        return open_

    @staticmethod
    def _wrap_key(shared: bytes, ephemeral_point: bytes, recipient_point: bytes) -> tuple[bytes, bytes]:
        okm = HKDF(shared, 44, b"", SHA256, context=WRAP_INFO + ephemeral_point + recipient_point)
        return okm[:32], okm[32:]

    def wrap(self, content_key: bytes, recipient: PublicKey, role: int) -> bytes:
        ephemeral = ECC.generate(curve="P-256")
        shared = key_agreement(eph_priv=ephemeral, static_pub=p256_public(recipient.point), kdf=lambda z: z)
        ephemeral_point = ephemeral.public_key().export_key(format="raw")
        kek, nonce = self._wrap_key(shared, ephemeral_point, recipient.point)
        cipher = AES.new(kek, AES.MODE_GCM, nonce=nonce)
        cipher.update(bytes([role]))
        ciphertext, tag = cipher.encrypt_and_digest(content_key)
        return ephemeral_point + ciphertext + tag

    def unwrap(self, wrapped: bytes, key: PrivateKey, role: int) -> bytes:
        if len(wrapped) < 65 + 16 + 1:
            raise ValueError("the wrapped key is too short")
        ephemeral_point = wrapped[:65]
        shared = key_agreement(static_priv=key.ecc(), eph_pub=p256_public(ephemeral_point), kdf=lambda z: z)
        kek, nonce = self._wrap_key(shared, ephemeral_point, key.public_key.point)
        cipher = AES.new(kek, AES.MODE_GCM, nonce=nonce)
        cipher.update(bytes([role]))
        return cipher.decrypt_and_verify(wrapped[65:-16], wrapped[-16:])

    def sign(self, key: PrivateKey, message: bytes) -> bytes:
        r, s = decode_dss_signature(key.openssl().sign(message, ec.ECDSA(hashes.SHA256())))
        return r.to_bytes(32, "big") + s.to_bytes(32, "big")

    def verify(self, key: PublicKey, message: bytes, signature: bytes) -> bool:
        if len(signature) != 64:
            return False
        r, s = int.from_bytes(signature[:32], "big"), int.from_bytes(signature[32:], "big")
        try:
            key.openssl().verify(encode_dss_signature(r, s), message, ec.ECDSA(hashes.SHA256()))
        except InvalidSignature:
            return False
        return True


class _Sm3Hasher:
    def __init__(self) -> None:
        self._hash = hashes.Hash(hashes.SM3())

    def update(self, data: bytes | memoryview) -> None:
        self._hash.update(data)

    def digest(self) -> bytes:
        return self._hash.finalize()


class GmSuite(Suite):
    name = "gm"
    code = 2
    content_key_size = 16
    content_cipher = "SM4-GCM"
    signature_algorithm = "SM2-SM3"

    def hasher(self) -> Any:
        return _Sm3Hasher()

    def _algorithm(self, key: bytes) -> Any:
        return algorithms.SM4(key)

    def wrap(self, content_key: bytes, recipient: PublicKey, role: int) -> bytes:
        return sm2.encrypt(recipient.point, content_key)

    def unwrap(self, wrapped: bytes, key: PrivateKey, role: int) -> bytes:
        return sm2.decrypt(key.scalar, wrapped)

    def sign(self, key: PrivateKey, message: bytes) -> bytes:
        return sm2.sign(key.scalar, key.public_key.point, message)

    def verify(self, key: PublicKey, message: bytes, signature: bytes) -> bool:
        return sm2.verify(key.point, message, signature)


SUITES: dict[str, Suite] = {"intl": IntlSuite(), "gm": GmSuite()}
SUITE_BY_CODE: dict[int, Suite] = {suite.code: suite for suite in SUITES.values()}


def suite_get(name: str) -> Suite:
    """The suite called ``name``."""
    try:
        return SUITES[name]
    except KeyError:
        raise InvalidInput(f"unknown suite {name!r}; use one of {', '.join(SUITES)}")
