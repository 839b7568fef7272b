"""Sealing: envelope_seal writes the preamble, header and recipient blocks, then the frames and the trailer.

The content key is wrapped to the bidder and the opening key; the content is encrypted
chunk by chunk on the pipeline (_frames_seal) and the bidder signs the frame digests.
"""

import json
import secrets
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sealing.certificates import certificate_public_key
from sealing.envelope.files import DocumentSource, _document_size, _file_in_place, _Plaintext
from sealing.envelope.layout import (
    DEFAULT_CHUNK_SIZE,
    FINAL_FLAG,
    FRAME_HEADER,
    MAGIC,
    MAX_CHUNK_SIZE,
    MAX_MANIFEST_SIZE,
    MIN_CHUNK_SIZE,
    NONCE_PREFIX_SIZE,
    PREAMBLE,
    ROLE_CODES,
    TAG_SIZE,
    VERSION,
    EnvelopeInfo,
    Recipient,
    _b64,
    _key_check,
    _nonce,
    _signature_message,
)
from sealing.envelope.pipeline import _Pipeline, _Ring, _ring_size
from sealing.errors import InvalidInput, KeyFileError
from sealing.keys import PrivateKey, PublicKey
from sealing.suites import Suite, suite_get
from sealing.summary import OpeningSummary, document_name_check


def _documents_prepare(
    documents: Sequence[tuple[str, DocumentSource]] | Mapping[str, DocumentSource],
) -> list[tuple[str, int, DocumentSource]]:
    items = list(documents.items()) if isinstance(documents, Mapping) else list(documents)
    prepared: list[tuple[str, int, DocumentSource]] = []
    seen: set[str] = set()
    for name, source in items:
        checked = document_name_check(name)
        if checked.casefold() in seen:
            raise InvalidInput(f"two documents are called {checked!r}; give each document its own name")
        seen.add(checked.casefold())
        prepared.append((checked, _document_size(source), source))
    return prepared


def envelope_seal(
    dest: Path | str,
    *,
    summary: OpeningSummary | Mapping[str, Any],
    documents: Sequence[tuple[str, DocumentSource]] | Mapping[str, DocumentSource] = (),
    signer: PrivateKey,
    opening_key: PublicKey,
    labels: Mapping[str, str] | None = None,
    chunk_size: int = DEFAULT_CHUNK_SIZE,
    signer_certificate: bytes | None = None,
) -> EnvelopeInfo:
    """Seal ``summary`` and ``documents`` into the envelope file ``dest``.

    The content key is wrapped to the signer's own public key (so the bidder can open and
    release it) and to the project's ``opening_key``; the signer signs the envelope. The
    suite follows the keys (P-256 → intl, SM2 → gm). ``labels`` are public, signed text
    such as the deal and section codes. ``signer_certificate`` (DER), the signer's X.509 certificate, is embedded
    in the signed header; its key must be the signer's. ``dest`` appears only once complete.
    """
    suite = suite_get(signer.suite)
    if opening_key.suite != signer.suite:
        raise InvalidInput(
            f"the opening key is a {opening_key.suite} key and the bidder key a {signer.suite} key; "
            "use keys of the same suite"
        )
    if signer_certificate is not None:
        try:
            certified = certificate_public_key(signer_certificate)
        except KeyFileError as exc:
            raise InvalidInput(f"the certificate cannot be read as an X.509 certificate of a P-256 or SM2 key ({exc})")
        if certified != signer.public_key:
            raise InvalidInput("the certificate is not the certificate of this private key; give the certificate "
                               "your CA issued for this key")
    if not MIN_CHUNK_SIZE <= chunk_size <= MAX_CHUNK_SIZE:
        raise InvalidInput(f"the chunk size must be between {MIN_CHUNK_SIZE} and {MAX_CHUNK_SIZE} bytes")
    if not isinstance(summary, OpeningSummary):
        summary = OpeningSummary.from_dict(dict(summary))
    labels = {str(key): str(value) for key, value in (labels or {}).items()}
    prepared = _documents_prepare(documents)
    manifest = json.dumps(
        {"summary": summary.to_dict(), "documents": [{"name": name, "size": size} for name, size, _ in prepared]},
        ensure_ascii=False,
        separators=(",", ":"),
        sort_keys=True,
    ).encode()
    if len(manifest) > MAX_MANIFEST_SIZE:
        raise InvalidInput("the summary and document list are too large; shorten them")

    plaintext = _Plaintext(manifest, prepared)
    chunk_count = max(1, -(-plaintext.size // chunk_size))
    content_key = secrets.token_bytes(suite.content_key_size)
    nonce_prefix = secrets.token_bytes(NONCE_PREFIX_SIZE)
    blocks = []
    for role, key in (("bidder", signer.public_key), ("opening", opening_key)):
        code = ROLE_CODES[role]
        wrapped = suite.wrap(content_key, key, code)
        blocks.append((role, key, bytes([code]) + key.key_id + len(wrapped).to_bytes(2, "big") + wrapped))
    header = {
        "suite": suite.name,
        "chunk_size": chunk_size,
        "chunk_count": chunk_count,
        "nonce_prefix": _b64(nonce_prefix),
        "key_check": _b64(_key_check(suite, content_key)),
        "signer": {"public_key": _b64(signer.public_key.der()),
                   **({"certificate": _b64(signer_certificate)} if signer_certificate is not None else {})},
        "recipients": [
            {"role": role, "key_id": key.fingerprint, "digest": suite.digest(block).hex()}
            for role, key, block in blocks
        ],
        "labels": labels,
        "created": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
    }
    header_bytes = json.dumps(header, ensure_ascii=False, separators=(",", ":")).encode()
    preamble = PREAMBLE.pack(MAGIC, VERSION, suite.code, 0, len(header_bytes))
    header_digest = suite.digest(preamble, header_bytes)

    dest = Path(dest)
    with _file_in_place(dest) as out:
        out.write(preamble + header_bytes + header_digest + b"".join(block for _, _, block in blocks))
        _frames_seal(
            plaintext, out.write, suite=suite, signer=signer, content_key=content_key,
            nonce_prefix=nonce_prefix, header_digest=header_digest, chunk_size=chunk_size,
            chunk_count=chunk_count,
        )
    return EnvelopeInfo(
        suite=suite.name,
        version=VERSION,
        chunk_size=chunk_size,
        created=header["created"],
        labels=labels,
        signer=signer.public_key,
        recipients=tuple(Recipient(role, key.fingerprint) for role, key, _ in blocks),
        chunk_count=chunk_count,
        size=dest.stat().st_size,
        signer_certificate=signer_certificate,
    )


def _frames_seal(
    plaintext: _Plaintext,
    output: Callable[[Any], Any],
    *,
    suite: Suite,
    signer: PrivateKey,
    content_key: bytes,
    nonce_prefix: bytes,
    header_digest: bytes,
    chunk_size: int,
    chunk_count: int,
) -> None:
    """Encrypt the content into chunk frames and the trailer (format version 2), handing each to ``output`` in order.

    The caller's thread reads; encrypting a chunk and its frame digest are one job of the
    pipeline (see _Pipeline), on a pool thread or the caller's, and ``output`` runs on its
    output thread, so reading, encrypting, hashing and writing overlap.
    """
    ring = _ring_size(chunk_size, chunk_count)
    plains, frames = _Ring(chunk_size, ring), _Ring(chunk_size, ring)
    pipe = _Pipeline(suite, output, threaded=chunk_count > 1)

    seal = suite.frame_sealer(content_key, header_digest)

    def encrypt(index: int, final: bool, chunk: memoryview, frame: memoryview) -> bytes:
        end = FRAME_HEADER.size + len(chunk) + TAG_SIZE
        seal(_nonce(nonce_prefix, index, final), chunk, frame[FRAME_HEADER.size : end])
        return pipe.frame_digest(frame[:end])

    try:
        for index in range(chunk_count):
            pipe.settle(index - ring)
            frame = frames[index]
            final = index == chunk_count - 1
            length = min(chunk_size, plaintext.size - index * chunk_size)
            chunk = plaintext.chunk(plains, index, length)
            FRAME_HEADER.pack_into(frame, 0, index, length | (FINAL_FLAG if final else 0))
            job = pipe.submit(index, encrypt, index, final, chunk, frame)
            pipe.emit(index, frame[: FRAME_HEADER.size + length + TAG_SIZE], after=job)
        plaintext.finish()
        digests = pipe.frame_digests()
        signature = suite.sign(signer, _signature_message(suite, header_digest, digests))
        pipe.emit(chunk_count, chunk_count.to_bytes(4, "big") + digests + len(signature).to_bytes(2, "big") + signature)
        pipe.drain()
    finally:
        pipe.close()
        frames.give()
        plains.give(wipe=True)  # the content was read into them
