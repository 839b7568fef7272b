"""The sealed envelope: seal, open, verify and inspect (format: docs/crypto.md).

An envelope is one file::

    preamble (16 bytes) | header (JSON) | header digest | recipient blocks
    | chunk frames (content, encrypted chunk by chunk) | trailer (the signer's signature)

The content (the opening summary and the documents) is only ever inside the chunk frames.
Each part has its own check, so a changed byte is reported with the part it is in, and an
opened envelope is only published (renamed into place) once every chunk tag and the
signature have verified.

The modules, each leaning only on those above it:

    layout      the format's constants and dataclasses, nonce, key check, signed message
    pipeline    chunk buffers, the frame-job pipeline and its threads
    files       envelope and document sources, the opened-content sink, files renamed into place
    sealer      envelope_seal
    reader      head, frames, trailer and signature checks; envelope_inspect, envelope_verify
    opener      content_key_unwrap, content_key_check, envelope_open
"""

# The internals imported "as" themselves below are re-exported for the tests (tests/sealing/test_pipeline.py)
# and bench/sealing_throughput.py, which reach them as sealing.envelope._…: the benchmark's --compare also
# times older trees, where they were all in one module.
from sealing.envelope.files import DocumentSource, EnvelopeSource
from sealing.envelope.files import _MemoryStream as _MemoryStream
from sealing.envelope.files import _Plaintext as _Plaintext
from sealing.envelope.layout import (
    DEFAULT_CHUNK_SIZE,
    DIGEST_SIZE,
    FINAL_FLAG,
    FRAME_HEADER,
    KEY_CHECK_CONTEXT,
    KEY_ID_SIZE,
    MAGIC,
    MAX_CHUNK_SIZE,
    MAX_HEADER_SIZE,
    MAX_MANIFEST_SIZE,
    MAX_RECIPIENTS,
    MIN_CHUNK_SIZE,
    NONCE_PREFIX_SIZE,
    PREAMBLE,
    READ_VERSIONS,
    ROLE_CODES,
    ROLE_NAMES,
    SIGNATURE_CONTEXT,
    SIGNATURE_SIZE,
    TAG_SIZE,
    VERSION,
    EnvelopeInfo,
    OpenedDocument,
    OpenedEnvelope,
    Recipient,
)
from sealing.envelope.opener import _content_key as _content_key
from sealing.envelope.opener import _frames_open as _frames_open
from sealing.envelope.opener import content_key_check, content_key_unwrap, envelope_open
from sealing.envelope.pipeline import _BUFFERS as _BUFFERS
from sealing.envelope.pipeline import FRAME_THREADS, OUTPUT_BATCH, QUEUE_AHEAD, RING_BYTES, WHOLE_RING
from sealing.envelope.pipeline import _Pipeline as _Pipeline
from sealing.envelope.pipeline import _ring_size as _ring_size
from sealing.envelope.reader import _head_read as _head_read
from sealing.envelope.reader import _Reader as _Reader
from sealing.envelope.reader import _signature_check as _signature_check
from sealing.envelope.reader import envelope_inspect, envelope_verify
from sealing.envelope.sealer import _frames_seal as _frames_seal
from sealing.envelope.sealer import envelope_seal

__all__ = [
    "DEFAULT_CHUNK_SIZE",
    "DIGEST_SIZE",
    "FINAL_FLAG",
    "FRAME_HEADER",
    "FRAME_THREADS",
    "KEY_CHECK_CONTEXT",
    "KEY_ID_SIZE",
    "MAGIC",
    "MAX_CHUNK_SIZE",
    "MAX_HEADER_SIZE",
    "MAX_MANIFEST_SIZE",
    "MAX_RECIPIENTS",
    "MIN_CHUNK_SIZE",
    "NONCE_PREFIX_SIZE",
    "OUTPUT_BATCH",
    "PREAMBLE",
    "QUEUE_AHEAD",
    "READ_VERSIONS",
    "RING_BYTES",
    "ROLE_CODES",
    "ROLE_NAMES",
    "SIGNATURE_CONTEXT",
    "SIGNATURE_SIZE",
    "TAG_SIZE",
    "VERSION",
    "WHOLE_RING",
    "DocumentSource",
    "EnvelopeInfo",
    "EnvelopeSource",
    "OpenedDocument",
    "OpenedEnvelope",
    "Recipient",
    "content_key_check",
    "content_key_unwrap",
    "envelope_inspect",
    "envelope_open",
    "envelope_seal",
    "envelope_verify",
]
