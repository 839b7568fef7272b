"""Opening: the content key (unwrapped with a private key, or released and checked), then decrypting into a folder.

envelope_open publishes the opened folder only once every chunk tag and the signature have
verified (all or nothing); content_key_unwrap and content_key_check read the head only.
"""

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidTag

from sealing.envelope.files import EnvelopeSource, _Content, _folder_in_place, _opened
from sealing.envelope.layout import (
    FRAME_HEADER,
    ROLE_NAMES,
    TAG_SIZE,
    EnvelopeInfo,
    OpenedDocument,
    OpenedEnvelope,
    _damaged,
    _Head,
    _key_check,
    _nonce,
)
from sealing.envelope.pipeline import _Pipeline, _Ring
from sealing.envelope.reader import _finished, _Frames, _head_read, _Reader, _signature_check
from sealing.errors import InvalidInput, WrongKey
from sealing.keys import PrivateKey


def _content_key(head: _Head, key: PrivateKey) -> bytes:
    if key.suite != head.suite.name:
        raise WrongKey(
            f"this envelope is sealed with the {head.suite.name} suite and the key given is a {key.suite} key; "
            f"use the {head.suite.name} private key it was sealed to"
        )
    for position, (role, key_id, wrapped) in enumerate(head.blocks, start=1):
        if key_id != key.public_key.key_id:
            continue
        where = f"recipient block {position} ({ROLE_NAMES[role]})"
        try:
            content_key = head.suite.unwrap(wrapped, key, role)
        except ValueError:
            raise _damaged(where, "the wrapped content key does not open with the matching private key")
        if _key_check(head.suite, content_key) != head.header["_key_check"]:
            raise _damaged(where, "the unwrapped content key does not match the key check in the header")
        return content_key
    sealed_to = ", ".join(f"{r.role} {r.key_id[:16]}…" for r in head.info.recipients)
    raise WrongKey(
        f"this envelope is not sealed to the key given (fingerprint {key.public_key.fingerprint[:16]}…); it is "
        f"sealed to: {sealed_to}. Use the bidder's own private key or the project's opening key."
    )


def _content_key_given(head: _Head, content_key: bytes) -> bytes:
    if not isinstance(content_key, bytes | bytearray) or len(content_key) != head.suite.content_key_size:
        raise WrongKey(
            f"the content key given has the wrong length for the {head.suite.name} suite "
            f"({head.suite.content_key_size} bytes are needed); release the key of this envelope"
        )
    if _key_check(head.suite, bytes(content_key)) != head.header["_key_check"]:
        raise WrongKey(
            "the content key given does not open this envelope (it is not the key it was sealed with); "
            "unwrap the key from this very envelope with the bidder's private key and release it again"
        )
    return bytes(content_key)


def content_key_unwrap(src: EnvelopeSource, *, key: PrivateKey) -> bytes:
    """The envelope's content key, unwrapped with ``key`` (what a bidder releases at the opening).

    Reads only the preamble, header and recipient blocks; nothing is decrypted.
    """
    with _opened(src) as stream:
        return _content_key(_head_read(_Reader(stream)), key)


def content_key_check(src: EnvelopeSource, *, content_key: bytes) -> EnvelopeInfo:
    """Check that ``content_key`` is the key ``src`` was sealed with (against the header's key check).

    Fast: reads the header only. Raises WrongKey when it is not; returns the header's information.
    """
    with _opened(src) as stream:
        head = _head_read(_Reader(stream))
        _content_key_given(head, content_key)
        return head.info


def _frames_open(
    reader: _Reader, head: _Head, content_key: bytes, output: Callable[[memoryview], Any]
) -> tuple[_Frames, bytes]:
    """Decrypt every chunk frame, handing each chunk's plaintext to ``output`` (in order) once its tag verified.

    The caller's thread reads the frames and checks their structure; decrypting a frame and
    its digest are one job of the pipeline (see _Pipeline), ``output`` runs on its output
    thread. Returns the frames walked (count, trailer) and the frame digests
    d_0 || ... || d_{N-1}; checking the signature is the caller's job.
    """
    suite = head.suite
    pipe = _Pipeline(suite, output, threaded=head.header["chunk_count"] > 1, version=head.info.version)
    frames = _Frames(reader, head, pipe)
    plains = _Ring(frames.chunk_size, frames.ring)
    written = False

    open_ = suite.frame_opener(content_key, head.header_digest)

    def decrypt(index: int, final: bool, record: memoryview, plain: memoryview) -> bytes:
        try:
            open_(_nonce(head.nonce_prefix, index, final), record[FRAME_HEADER.size :], plain)
        except InvalidTag:
            raise _damaged(
                f"chunk {index}",
                f"chunk {index} fails its authentication tag (its bytes or tag were changed, or it is the "
                "last chunk and chunks after it were cut off)",
            )
        return pipe.frame_digest(record)

    try:
        for index, final, record in frames:
            plain = plains[index]
            job = pipe.submit(index, decrypt, index, final, record, plain)
            # The last frame through each buffer leaves plaintext in it: wiped once written.
            pipe.emit(index, plain[: len(record) - FRAME_HEADER.size - TAG_SIZE], after=job,
                      wipe=index >= frames.expected - frames.ring)
        digests = pipe.frame_digests()
        pipe.drain()
        written = True  # every chunk's plaintext went to the output, which wiped it
    finally:
        pipe.close()
        frames.close()
        plains.give(wipe=not written)
    return frames, digests


def envelope_open(
    src: EnvelopeSource,
    *,
    key: PrivateKey | None = None,
    dest: Path | str,
    content_key: bytes | None = None,
) -> OpenedEnvelope:
    """Verify and decrypt an envelope with ``key`` (the bidder's or the opening key) into ``dest``.

    Instead of a private key, ``content_key`` may be given: the content key a bidder released
    (content_key_unwrap); it must match the header's key check (else WrongKey).

    ``dest`` must not exist. The content is decrypted into a hidden folder next to it, and
    only when every chunk tag and the signature have verified is it renamed to ``dest``;
    on any error nothing is left behind and the error names the damaged part.
    """
    dest = Path(dest)
    if dest.exists():
        raise InvalidInput(f"{str(dest)!r} already exists; open into a new folder")
    with _opened(src) as stream:
        reader = _Reader(stream)
        head = _head_read(reader)
        if (key is None) == (content_key is None):
            raise InvalidInput("give either the private key or the released content key")
        content_key = _content_key(head, key) if key is not None else _content_key_given(head, content_key)
        with _folder_in_place(dest) as work:
            content = _Content(work)
            try:
                frames, digests = _frames_open(reader, head, content_key, content.write)
                summary = content.finish()
                _signature_check(head, frames, digests)
                (work / "summary.json").write_text(
                    json.dumps(summary.to_dict(), ensure_ascii=False, indent=2, sort_keys=True) + "\n",
                    encoding="utf-8",
                )
            except BaseException:
                content.abort()  # closes the document being written before its folder is removed
                raise
        info = _finished(head, frames, reader)
    documents = tuple(OpenedDocument(doc.name, dest / "documents" / doc.name, doc.size) for doc in content.documents)
    return OpenedEnvelope(info=info, summary=summary, documents=documents, path=dest)
