"""The envelope's layout (docs/crypto.md, "Envelope layout"): what the sealer writes and the reader expects.

The format's constants (preamble, frame header, sizes and limits, role codes, context
strings), what an envelope says about itself (Recipient, EnvelopeInfo, and once opened,
OpenedDocument and OpenedEnvelope), and the derivations both sides compute the same way:
a chunk's nonce, the key check, the signed message, and the error naming a damaged part.
"""

import base64
import struct
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sealing.errors import DamagedEnvelope
from sealing.keys import PublicKey
from sealing.suites import Suite
from sealing.summary import OpeningSummary

MAGIC = b"SUNSEAL\x1a"
VERSION = 2
READ_VERSIONS = (1, 2)
PREAMBLE = struct.Struct(">8sBBHI")
FRAME_HEADER = struct.Struct(">II")
FINAL_FLAG = 0x8000_0000
TAG_SIZE = 16
NONCE_PREFIX_SIZE = 7
KEY_ID_SIZE = 32
DIGEST_SIZE = 32
SIGNATURE_SIZE = 64
DEFAULT_CHUNK_SIZE = 1 << 20
MIN_CHUNK_SIZE = 16
MAX_CHUNK_SIZE = 16 << 20
MAX_HEADER_SIZE = 1 << 20
MAX_RECIPIENTS = 16
MAX_MANIFEST_SIZE = 16 << 20
ROLE_CODES = {"bidder": 1, "opening": 2}
ROLE_NAMES = {code: name for name, code in ROLE_CODES.items()}
SIGNATURE_CONTEXT = b"SUNSEAL-v1 signature\x00"
KEY_CHECK_CONTEXT = b"SUNSEAL-v1 key check\x00"


@dataclass(frozen=True)
class Recipient:
    """Someone the content key is wrapped to: "bidder" or "opening", and the key fingerprint."""

    role: str
    key_id: str


@dataclass(frozen=True)
class EnvelopeInfo:
    """What an envelope says about itself, readable without any key.

    ``chunk_count`` and ``size`` are known once the envelope has been written or read to the
    end (seal, verify, open); inspect leaves them None. ``sha256`` (of the whole file, what a
    receipt carries) is computed by envelope_verify only, the server's check on upload:
    seal and open do not spend a second hash pass on it.
    """

    suite: str
    version: int
    chunk_size: int
    created: str
    labels: dict[str, str]
    signer: PublicKey
    recipients: tuple[Recipient, ...]
    chunk_count: int | None = None
    size: int | None = None
    sha256: str | None = None
    signer_certificate: bytes | None = None  # DER of the signer's X.509 certificate, when the sealer embedded it

    @property
    def signer_fingerprint(self) -> str:
        return self.signer.fingerprint


@dataclass(frozen=True)
class OpenedDocument:
    name: str
    path: Path
    size: int


@dataclass(frozen=True)
class OpenedEnvelope:
    """An envelope opened into ``path``: ``summary.json`` and ``documents/<name>``."""

    info: EnvelopeInfo
    summary: OpeningSummary
    documents: tuple[OpenedDocument, ...]
    path: Path


@dataclass
class _Head:
    suite: Suite
    header: dict[str, Any]
    header_digest: bytes
    blocks: list[tuple[int, bytes, bytes]]
    info: EnvelopeInfo
    nonce_prefix: bytes = field(repr=False, default=b"")


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _nonce(prefix: bytes, index: int, final: bool) -> bytes:
    return prefix + index.to_bytes(4, "big") + (b"\x01" if final else b"\x00")


def _key_check(suite: Suite, content_key: bytes) -> bytes:
    return suite.digest(KEY_CHECK_CONTEXT, content_key)


def _signature_message(suite: Suite, header_digest: bytes, frame_digests: bytes) -> bytes:
    """m = context || D || B, with the body digest B = H(d_0 || ... || d_{N-1})."""
    return SIGNATURE_CONTEXT + header_digest + suite.digest(frame_digests)


def _damaged(where: str, problem: str) -> DamagedEnvelope:
    return DamagedEnvelope(
        f"the envelope is damaged in the {where}: {problem}. Nothing from it was used; "
        "ask the bidder for an intact copy or to seal again.",
        where=where,
    )
