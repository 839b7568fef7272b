"""Reading an envelope without any key: the head, the frames and trailer, the signature; inspect and verify.

_head_read checks the preamble, header and recipient blocks; _Frames walks the chunk frames
and the trailer, naming any part out of place; _signature_check names the part a changed
byte is in. envelope_inspect reads the head only, envelope_verify the whole envelope.
"""

import base64
import binascii
import json
from collections.abc import Iterator
from hashlib import sha256
from typing import Any, BinaryIO

from sealing.certificates import certificate_public_key
from sealing.envelope.files import EnvelopeSource, _MemoryStream, _opened
from sealing.envelope.layout import (
    DIGEST_SIZE,
    FINAL_FLAG,
    FRAME_HEADER,
    KEY_ID_SIZE,
    MAGIC,
    MAX_CHUNK_SIZE,
    MAX_HEADER_SIZE,
    MAX_RECIPIENTS,
    MIN_CHUNK_SIZE,
    NONCE_PREFIX_SIZE,
    PREAMBLE,
    READ_VERSIONS,
    ROLE_CODES,
    ROLE_NAMES,
    SIGNATURE_SIZE,
    TAG_SIZE,
    VERSION,
    EnvelopeInfo,
    Recipient,
    _damaged,
    _Head,
    _signature_message,
)
from sealing.envelope.pipeline import _Pipeline, _Ring, _ring_size
from sealing.errors import BadSignature, DamagedEnvelope, NotAnEnvelope
from sealing.keys import public_key_load
from sealing.suites import SUITE_BY_CODE, Suite


class _Reader:
    """Reads an envelope file, counting bytes, and with ``whole`` hashing all of them with SHA-256.

    Once ``pipe`` is set, the whole-file hash runs on the pipeline's output thread, in order,
    with the bytes of frame ``index`` tagged so that their buffer is not reused too early.
    """

    def __init__(self, stream: BinaryIO | _MemoryStream, *, whole: bool = False) -> None:
        self.stream = stream
        self.offset = 0
        self.whole = sha256() if whole else None
        self.pipe: _Pipeline | None = None
        self.index = -1

    def _hash(self, data: bytes | memoryview) -> None:
        if self.whole is None:
            return
        if self.pipe is None:
            self.whole.update(data)
        else:
            self.pipe.emit(self.index, data)

    def read(self, size: int) -> bytes:
        data = self.stream.read(size)
        self.offset += len(data)
        self._hash(data)
        return data

    def exact(self, size: int, where: str, what: str) -> bytes:
        data = self.read(size)
        if len(data) != size:
            raise DamagedEnvelope(
                f"the envelope is truncated in the {what} ({where}): it ends after {self.offset} bytes. "
                "The file was cut short in transfer; ask for the whole file or seal again.",
                where=where,
            )
        return data

    def readinto(self, view: memoryview) -> int:
        got = self.stream.readinto(view)  # type: ignore[attr-defined]
        got = got or 0
        self.offset += got
        self._hash(view[:got])
        return got

    def frame(self, ring: _Ring, index: int, start: bytes, size: int) -> memoryview | None:
        """Frame ``index``, whose first bytes ``start`` were just read, with its next ``size`` bytes; None if the
        file ends. Of an envelope in memory it is a view of that memory (no copy); else it is read into the
        frame's buffer of ``ring``.
        """
        if isinstance(self.stream, _MemoryStream):
            body = self.stream.view(size)
            self.offset += len(body)
            self._hash(body)
            end = self.stream.position
            return self.stream.data[end - size - len(start) : end] if len(body) == size else None
        buffer = ring[index]
        buffer[: len(start)] = start
        got = self.readinto(buffer[len(start) : len(start) + size])
        return buffer[: len(start) + size] if got == size else None


_SNIFF = (
    (b"%PDF", "a PDF document"),
    (b"PK\x03\x04", "a zip archive (or a Word/Excel document)"),
    (b"\xd0\xcf\x11\xe0", "an old Office document"),
    (b"\x89PNG", "a PNG image"),
    (b"\xff\xd8\xff", "a JPEG image"),
    (b"Rar!", "a RAR archive"),
    (b"7z\xbc\xaf", "a 7-Zip archive"),
    (b"\x1f\x8b", "a gzip file"),
)


def _not_an_envelope(start: bytes) -> NotAnEnvelope:
    kind = next((label for magic, label in _SNIFF if start.startswith(magic)), None)
    if not start:
        what = "an empty file"
    elif kind:
        what = kind
    else:
        what = "not a sealed envelope"
    return NotAnEnvelope(
        f"this file is {what}, not a sealed bid envelope: it is NOT encrypted. Seal the bid first "
        "(`python -m sealing seal` or the bid page) and submit the envelope file it writes."
        if what != "not a sealed envelope"
        else "this file is not a sealed bid envelope (it does not start with the envelope marker): it is NOT "
        "encrypted, or it is another kind of file. Seal the bid first (`python -m sealing seal` or the bid "
        "page) and submit the envelope file it writes."
    )


def _b64decode(value: Any, size: int | None, name: str) -> bytes:
    try:
        data = base64.b64decode(value, validate=True)
    except (binascii.Error, TypeError, ValueError):
        raise _damaged("header", f"{name} is not base64")
    if size is not None and len(data) != size:
        raise _damaged("header", f"{name} has {len(data)} bytes instead of {size}")
    return data


def _head_read(reader: _Reader) -> _Head:
    start = reader.read(PREAMBLE.size)
    if len(start) < len(MAGIC) or start[: len(MAGIC)] != MAGIC:
        raise _not_an_envelope(start)
    if len(start) < PREAMBLE.size:
        raise _damaged("preamble", "the file ends inside the preamble")
    _, version, suite_code, reserved, header_size = PREAMBLE.unpack(start)
    if version not in READ_VERSIONS:
        raise _damaged("preamble", f"format version {version} is not one this tool reads (1 or {VERSION}): the file "
                       "is damaged, or was made by a newer tool")
    if suite_code not in SUITE_BY_CODE:
        raise _damaged("preamble", f"suite code {suite_code} is unknown")
    if reserved:
        raise _damaged("preamble", "the reserved bytes are not zero")
    if not 2 <= header_size <= MAX_HEADER_SIZE:
        raise _damaged("preamble", f"the header length {header_size} is impossible")
    suite = SUITE_BY_CODE[suite_code]
    header_bytes = reader.exact(header_size, "header", "header")
    stored_digest = reader.exact(32, "header", "header digest")
    header_digest = suite.digest(start, header_bytes)
    if header_digest != stored_digest:
        raise _damaged("header", "the header does not match its digest (a byte of the header was changed)")
    header = _header_parse(header_bytes, suite)
    blocks = []
    for position, entry in enumerate(header["recipients"], start=1):
        where = f"recipient block {position} ({entry['role']})"
        fixed = reader.exact(1 + KEY_ID_SIZE + 2, where, "recipient block")
        wrapped = reader.exact(int.from_bytes(fixed[-2:], "big"), where, "recipient block")
        if suite.digest(fixed + wrapped).hex() != entry["digest"]:
            raise _damaged(where, "the block does not match the digest the header lists for it")
        if ROLE_NAMES.get(fixed[0]) != entry["role"] or fixed[1 : 1 + KEY_ID_SIZE].hex() != entry["key_id"]:
            raise _damaged(where, "the block's role or key does not agree with the header")
        blocks.append((fixed[0], fixed[1 : 1 + KEY_ID_SIZE], wrapped))
    signer = header["_signer"]
    info = EnvelopeInfo(
        suite=suite.name,
        version=version,
        chunk_size=header["chunk_size"],
        created=header["created"],
        labels=header["labels"],
        signer=signer,
        recipients=tuple(Recipient(entry["role"], entry["key_id"]) for entry in header["recipients"]),
        signer_certificate=header["_signer_certificate"],
    )
    return _Head(suite, header, header_digest, blocks, info, header["_nonce_prefix"])


def _header_parse(header_bytes: bytes, suite: Suite) -> dict[str, Any]:
    try:
        header = json.loads(header_bytes.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise _damaged("header", "the header is not UTF-8 JSON")
    if not isinstance(header, dict):
        raise _damaged("header", "the header is not a JSON object")
    if header.get("suite") != suite.name:
        raise _damaged("header", "the suite named in the header differs from the preamble")
    chunk_size = header.get("chunk_size")
    if not isinstance(chunk_size, int) or isinstance(chunk_size, bool) or not (
        MIN_CHUNK_SIZE <= chunk_size <= MAX_CHUNK_SIZE
    ):
        raise _damaged("header", f"the chunk size {chunk_size!r} is impossible")
    chunk_count = header.get("chunk_count")
    if not isinstance(chunk_count, int) or isinstance(chunk_count, bool) or not 1 <= chunk_count < FINAL_FLAG:
        raise _damaged("header", f"the chunk count {chunk_count!r} is impossible")
    header["_nonce_prefix"] = _b64decode(header.get("nonce_prefix"), NONCE_PREFIX_SIZE, "nonce_prefix")
    header["_key_check"] = _b64decode(header.get("key_check"), 32, "key_check")
    signer = header.get("signer")
    if not isinstance(signer, dict):
        raise _damaged("header", "the signer is missing")
    try:
        header["_signer"] = public_key_load(_b64decode(signer.get("public_key"), None, "signer public key"))
    except Exception:
        raise _damaged("header", "the signer's public key is not a valid key")
    if header["_signer"].suite != suite.name:
        raise _damaged("header", "the signer's key is not a key of the envelope's suite")
    header["_signer_certificate"] = None
    if signer.get("certificate") is not None:
        certificate = _b64decode(signer.get("certificate"), None, "signer certificate")
        try:
            certified = certificate_public_key(certificate)
        except Exception:
            raise _damaged("header", "the signer's certificate is not a readable X.509 certificate")
        if certified != header["_signer"]:
            raise _damaged("header", "the signer's certificate is for another key than the signer's")
        header["_signer_certificate"] = certificate
    recipients = header.get("recipients")
    if not isinstance(recipients, list) or not 1 <= len(recipients) <= MAX_RECIPIENTS:
        raise _damaged("header", "the recipient list is missing or too long")
    for entry in recipients:
        if (
            not isinstance(entry, dict)
            or entry.get("role") not in ROLE_CODES
            or not isinstance(entry.get("key_id"), str)
            or not isinstance(entry.get("digest"), str)
        ):
            raise _damaged("header", "a recipient entry is malformed")
    labels = header.get("labels", {})
    if not isinstance(labels, dict) or not all(isinstance(k, str) and isinstance(v, str) for k, v in labels.items()):
        raise _damaged("header", "the labels are not text")
    header["labels"] = labels
    header["created"] = str(header.get("created", ""))
    return header


class _Frames:
    """Walks the chunk frames and the trailer, naming any frame that is out of place."""

    def __init__(self, reader: _Reader, head: _Head, pipe: _Pipeline) -> None:
        self.reader = reader
        self.head = head
        self.pipe = pipe
        self.chunk_size = head.header["chunk_size"]
        self.expected = head.header["chunk_count"]
        self.ring = _ring_size(self.chunk_size, self.expected)
        self.views = _Ring(self.chunk_size, self.ring)
        self.count = 0
        self.listed = b""
        self.signature = b""

    def _damaged(self, where: str, problem: str) -> BaseException:
        """The error for a frame out of place here, unless an earlier frame's job failed: that one is named first."""
        return self.pipe.failure() or _damaged(where, problem)

    def __iter__(self) -> Iterator[tuple[int, bool, memoryview]]:
        index = 0
        while True:
            where = f"chunk {index}"
            self.pipe.settle(index - self.ring)
            self.reader.index = index
            start = self.reader.read(FRAME_HEADER.size)
            if not start:
                raise self._damaged(
                    where,
                    f"the envelope ends after {index} of its {self.expected} chunks, without a final chunk: "
                    f"chunks {index} to {self.expected - 1} are missing (the file is truncated)",
                )
            if len(start) < FRAME_HEADER.size:
                raise self._damaged(where, "the file ends inside the chunk header (the file is truncated)")
            declared, length_field = FRAME_HEADER.unpack(start)
            final = bool(length_field & FINAL_FLAG)
            length = length_field & ~FINAL_FLAG
            if declared != index:
                if declared < index:
                    raise self._damaged(
                        where, f"chunk {declared} appears again here: chunks were duplicated or reordered"
                    )
                if declared < self.expected:
                    raise self._damaged(where, f"chunk {index} is missing and chunk {declared} is in its place: chunks "
                                   "were dropped or reordered")
                raise self._damaged(where, f"chunk {index} is missing: the bytes in its place are not a chunk of this "
                               f"envelope of {self.expected} chunks (it was cut short or damaged)")
            if final != (index == self.expected - 1):
                raise self._damaged(where, f"the final-chunk flag of chunk {index} is wrong for an envelope of "
                               f"{self.expected} chunks")
            if length > self.chunk_size or (not final and length != self.chunk_size):
                raise self._damaged(where, f"the chunk length {length} is impossible")
            record = self.reader.frame(self.views, index, start, length + TAG_SIZE)
            if record is None:
                raise self._damaged(where, "the file ends inside this chunk (the file is truncated)")
            yield index, final, record
            index += 1
            if final:
                self.count = index
                self._trailer(record)
                return

    def _trailer(self, final_record: memoryview) -> None:
        """Version 2: u32 N || d_0 .. d_{N-1} || u16 64 || signature; version 1: u16 64 || signature."""
        listing = 4 + DIGEST_SIZE * self.count if self.head.info.version >= 2 else 0
        size = listing + 2 + SIGNATURE_SIZE
        rest = self.reader.read(size + 1)
        listed = int.from_bytes(rest[:4], "big") if listing and len(rest) >= 4 else self.count
        signature_size = int.from_bytes(rest[listing : listing + 2], "big") if len(rest) >= listing + 2 else -1
        if len(rest) == size and self._trailer_like(rest, listing):
            self.listed = rest[4:listing]
            self.signature = rest[listing + 2 :]
            return
        duplicate = self._frame_like(rest)
        if duplicate is not None:
            raise self._damaged(
                f"chunk {duplicate}", f"chunk {duplicate} appears again after the final chunk: chunks were duplicated"
            )
        if self._trailer_shifted(final_record, rest, listing):
            raise self._damaged(
                f"chunk {self.count - 1}",
                f"the length of chunk {self.count - 1}, the final chunk, was changed: the trailer does not start "
                "where it says the chunk ends",
            )
        if listed != self.count:
            raise self._damaged("trailer", f"it lists {listed} frame digests for an envelope of {self.count} chunks")
        if len(rest) < size:
            raise self._damaged("trailer", "the trailer is missing or cut short (the file is truncated)")
        if signature_size != SIGNATURE_SIZE:
            raise self._damaged("trailer", f"the signature length {signature_size} is not {SIGNATURE_SIZE}")
        raise self._damaged("trailer", "there are bytes after the signature")

    def _trailer_like(self, data: bytes, listing: int) -> bool:
        listed = int.from_bytes(data[:4], "big") if listing else self.count
        return listed == self.count and int.from_bytes(data[listing : listing + 2], "big") == SIGNATURE_SIZE

    def _trailer_shifted(self, final_record: memoryview, rest: bytes, listing: int) -> bool:
        """Whether a whole trailer ends the file a few bytes before or after where the final chunk says it starts."""
        size = listing + 2 + SIGNATURE_SIZE
        if len(rest) < size:
            missing = size - len(rest)
            if missing > len(final_record) - FRAME_HEADER.size - TAG_SIZE:
                return False
            return self._trailer_like(bytes(final_record[-missing:]) + rest, listing)
        tail = rest + self.reader.read(self.chunk_size + 1)
        return len(tail) <= size + self.chunk_size and self._trailer_like(tail[-size:], listing)

    def _frame_like(self, rest: bytes) -> int | None:
        """The index of the frame ``rest`` starts with, if it is a frame of this envelope (a duplicate)."""
        if len(rest) < FRAME_HEADER.size:
            return None
        declared, length_field = FRAME_HEADER.unpack(rest[: FRAME_HEADER.size])
        final = bool(length_field & FINAL_FLAG)
        length = length_field & ~FINAL_FLAG
        if declared >= self.count or final != (declared == self.count - 1) or length > self.chunk_size:
            return None
        return declared if final or length == self.chunk_size else None

    def close(self) -> None:
        """Give the frame buffers back; call it once no pipeline thread uses them."""
        self.views.give()


def _signature_check(head: _Head, frames: _Frames, digests: bytes) -> None:
    """Check the signature and, in version 2, each frame's digest ``digests`` against the list the trailer signs.

    Version 2 names the part that changed: with the signature good over the listed digests,
    a frame whose digest differs from its listed one is the changed chunk; with it good only
    over the digests of the frames as they are, the list itself was changed.
    """

    def signed(frame_digests: bytes) -> bool:
        message = _signature_message(head.suite, head.header_digest, frame_digests)
        return head.suite.verify(head.info.signer, message, frames.signature)

    def first_difference() -> int:
        return next(
            index for index in range(frames.count)
            if digests[index * DIGEST_SIZE : (index + 1) * DIGEST_SIZE]
            != frames.listed[index * DIGEST_SIZE : (index + 1) * DIGEST_SIZE]
        )

    if head.info.version >= 2 and frames.listed != digests:
        if signed(frames.listed):
            index = first_difference()
            raise _damaged(
                f"chunk {index}",
                f"chunk {index} does not match the digest the signed trailer lists for it (a byte of the chunk was "
                "changed after it was signed)",
            )
        if signed(digests):
            index = first_difference()
            raise _damaged("trailer", f"the frame digest it lists for chunk {index} was changed")
    elif signed(digests):
        return
    raise BadSignature(
        "the signer's signature does not match this envelope: a byte was changed after it was signed, or "
        "the signature itself is damaged. Do not accept it; ask the bidder for an intact copy or to seal again."
    )


def _finished(head: _Head, frames: _Frames, reader: _Reader) -> EnvelopeInfo:
    info = head.info
    return EnvelopeInfo(
        **{
            **info.__dict__,
            "chunk_count": frames.count,
            "size": reader.offset,
            "sha256": reader.whole.hexdigest() if reader.whole is not None else None,
        }
    )


def envelope_inspect(src: EnvelopeSource) -> EnvelopeInfo:
    """Read and check the preamble, header and recipient blocks; no key needed, nothing decrypted."""
    with _opened(src) as stream:
        return _head_read(_Reader(stream)).info


def envelope_verify(src: EnvelopeSource) -> EnvelopeInfo:
    """Check the whole envelope without any key: structure, every part's digest and the signature.

    This is what a server can check on upload. Chunk tags can only be checked with the
    content key (see envelope_open), but the signature covers every byte of every chunk,
    through the frame digests the trailer lists (format version 2), so a changed chunk is
    named.
    The result's ``sha256`` is the SHA-256 of the whole file (what a receipt carries),
    computed on a second thread alongside the frame digests.
    """
    with _opened(src) as stream:
        reader = _Reader(stream, whole=True)
        head = _head_read(reader)
        assert reader.whole is not None
        pipe = _Pipeline(head.suite, reader.whole.update, threaded=head.header["chunk_count"] > 1,
                         version=head.info.version)
        reader.pipe = pipe
        frames = _Frames(reader, head, pipe)
        try:
            for index, _, record in frames:
                pipe.digest(index, record)
            digests = pipe.frame_digests()
            pipe.drain()
        finally:
            pipe.close()
            frames.close()
        _signature_check(head, frames, digests)
        return _finished(head, frames, reader)
