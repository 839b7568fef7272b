"""The sealed envelope: seal, open, verify and inspect (format: docs/crypto.md).

An envelope is one file::

    preamble (16 bytes) | header (JSON) | header digest | recipient blocks
    | chunk frames (content, encrypted chunk by chunk) | trailer (the signer's signature)

The content (the opening summary and the documents) is only ever inside the chunk frames.
Each part has its own check, so a changed byte is reported with the part it is in, and an
opened envelope is only published (renamed into place) once every chunk tag and the
signature have verified.
"""

import base64
import binascii
import ctypes
import io
import json
import os
import secrets
import shutil
import struct
import tempfile
import threading
from collections import deque
from collections.abc import Callable, Iterator, Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor, wait
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from hashlib import sha256
from pathlib import Path
from typing import Any, BinaryIO

from cryptography.exceptions import InvalidTag

from sealing.errors import BadSignature, DamagedEnvelope, InvalidInput, NotAnEnvelope, WrongKey
from sealing.keys import PrivateKey, PublicKey, public_key_load
from sealing.suites import SUITE_BY_CODE, FrameDigest, Suite, suite_get
from sealing.summary import OpeningSummary, document_name_check

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
# Threads that work on frames at once, the caller's and the shared pool's: one per core, 2 to 4.
FRAME_THREADS = max(2, min(4, os.cpu_count() or 1))
RING_BYTES = 32 << 20
WHOLE_RING = 16
# Jobs kept waiting per lane thread (see _Pipeline.submit).
QUEUE_AHEAD = 2
# Outputs handed to the output thread at once (fewer wake-ups), unless the caller is settling.
OUTPUT_BATCH = 4


class _BufferPool:
    """Chunk buffers kept between envelopes (at most ``limit`` bytes), handed out as memoryviews.

    A fresh buffer costs a page fault per 4 KiB the first time it is written, which on a
    virtual machine is a good part of the time a 10 MiB envelope takes; a server that
    verifies envelope after envelope reuses the same few buffers instead.
    """

    def __init__(self, limit: int) -> None:
        self._limit = limit
        self._free: list[bytearray] = []
        self._lock = threading.Lock()

    def take(self, size: int, count: int) -> list[memoryview]:
        views = []
        with self._lock:
            for buffer in [b for b in self._free if len(b) == size][:count]:
                self._free.remove(buffer)
                views.append(memoryview(buffer))
        return views + [memoryview(bytearray(size)) for _ in range(count - len(views))]

    def give(self, views: list[memoryview], *, wipe: bool = False) -> None:
        """Return buffers no thread uses any more; ``wipe`` zeroes them first (they held plaintext)."""
        buffers = [view.obj for view in views]
        for view in views:
            view.release()
        if wipe:
            for buffer in buffers:
                _wipe(buffer)
        with self._lock:
            for buffer in buffers:
                assert isinstance(buffer, bytearray)
                self._free.insert(0, buffer)
            while sum(len(b) for b in self._free) > self._limit:
                self._free.pop()


_BUFFERS = _BufferPool(RING_BYTES)


def _wipe(buffer: bytearray | memoryview) -> None:
    """Zero ``buffer`` in place (a new zero-filled object of its size would cost a page fault per 4 KiB)."""
    if len(buffer):
        ctypes.memset((ctypes.c_char * len(buffer)).from_buffer(buffer), 0, len(buffer))


class _Ring:
    """A ring of ``count`` chunk buffers, frame i in slot i mod count, each taken from _BUFFERS on first use.

    Bytes read in place (a document given as bytes, an envelope in memory) need no buffer, so
    the buffers they would have gone through are never taken, nor touched: a fresh buffer
    costs a page fault per 4 KiB. Every buffer taken has been written to.
    """

    def __init__(self, chunk_size: int, count: int) -> None:
        self.size = _buffer_size(chunk_size)
        self.views: list[memoryview | None] = [None] * count

    def __getitem__(self, index: int) -> memoryview:
        slot = index % len(self.views)
        view = self.views[slot]
        if view is None:
            view = self.views[slot] = _BUFFERS.take(self.size, 1)[0]
        return view

    def give(self, *, wipe: bool = False) -> None:
        """Give the buffers taken back (zeroed first with ``wipe``); call it once no thread uses them."""
        _BUFFERS.give([view for view in self.views if view is not None], wipe=wipe)
        self.views = [None] * len(self.views)


def _buffer_size(chunk_size: int) -> int:
    """One size for every chunk buffer (a frame, with room for update_into's block slack)."""
    return FRAME_HEADER.size + chunk_size + 15 + TAG_SIZE


def _ring_size(chunk_size: int, chunk_count: int) -> int:
    """How many chunk buffers a pipeline rotates (of each kind: plaintext and frame).

    One per frame when there are at most WHOLE_RING frames and they fit in half of RING_BYTES
    (an envelope of up to 15 MiB in 1 MiB chunks): then no frame waits for an earlier one's
    output before it starts.
    Otherwise 3 per lane (at most ~32 MiB in all), which the frames reuse while they are
    still in the cache.
    """
    if chunk_count <= WHOLE_RING and chunk_count * _buffer_size(chunk_size) <= RING_BYTES // 2:
        return chunk_count
    return min(chunk_count, FRAME_THREADS * max(1, min(3, RING_BYTES // (2 * FRAME_THREADS * chunk_size))))


DocumentSource = Path | str | bytes | BinaryIO
# An envelope to read: a file name, a binary stream, or the envelope's bytes (read where they are, not copied).
EnvelopeSource = Path | str | BinaryIO | bytes


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


class _Threads:
    """The threads of the pipelines, shared by every envelope of this process.

    One single-thread executor per lane beside the caller's, which runs one pipeline's turn at a
    time (taking that pipeline's queued jobs until there are none), and one output thread, which
    runs each pipeline's outputs in the order they were given. Made on first use and kept, so
    that an envelope does not pay for starting threads; a process forked from one that had them
    (a pre-forking server) makes its own.
    """

    _lanes: list[ThreadPoolExecutor] = []
    _output: ThreadPoolExecutor | None = None
    _pid: int | None = None
    _lock = threading.Lock()

    @classmethod
    def get(cls) -> tuple[list[ThreadPoolExecutor], ThreadPoolExecutor]:
        with cls._lock:
            if cls._output is None or cls._pid != os.getpid():
                cls._lanes = [ThreadPoolExecutor(1, thread_name_prefix=f"sealing-work-{lane}")
                              for lane in range(1, FRAME_THREADS)]
                cls._output = ThreadPoolExecutor(1, thread_name_prefix="sealing-out")
                cls._pid = os.getpid()
            return cls._lanes, cls._output


class _Job:
    """One frame's job, run once by whichever thread takes it from the pipeline's queue.

    Lighter than a concurrent.futures.Future (a plain flag, read under the GIL, and one
    condition per pipeline that waiting callers sleep on), which matters at a few tens of
    microseconds of Python per frame: while the caller runs Python, a lane that returns from
    OpenSSL or BLAKE3 waits for the GIL.
    """

    __slots__ = ("index", "work", "args", "started", "done", "digest", "error")

    def __init__(self, index: int, work: Callable[..., bytes], args: tuple[Any, ...]) -> None:
        self.index = index
        self.work = work
        self.args = args
        self.started = False
        self.done = False
        self.digest = b""
        self.error: BaseException | None = None

    def run(self, finished: threading.Condition) -> None:
        try:
            self.digest = self.work(*self.args)
        except BaseException as exc:  # raised in frame order by settle; whoever waits is never left waiting
            self.error = exc
        finally:
            self.args = ()
            self.done = True
            with finished:
                finished.notify_all()

    def result(self) -> bytes:
        if self.error is not None:
            raise self.error
        return self.digest


class _Pipeline:
    """Frame jobs shared by the caller's thread and the pool's, and in-order output on one more thread.

    Frames do not depend on one another (each has its own nonce, tag and digest d_i), so the
    whole work on a frame, a *job* (encrypt or decrypt it, then its digest), can run on any
    thread. Jobs wait in one queue, oldest first. The lane threads (_Threads, one per core
    beside the caller's) are woken when jobs arrive and take them until the queue is empty;
    the caller takes them too whenever it has to wait for a frame (``settle``, the digests at
    the end) instead of sleeping. So the work balances itself between the threads whatever
    each one's speed, and a lane is woken about once per envelope, not once per frame (a
    thread that sleeps is slow to wake on a virtual machine). With two cores two frames are
    encrypted and hashed at once (OpenSSL's GCM, hashlib and blake3 release the GIL).
    Results are taken strictly in frame order: digests are collected in order, the first
    failing frame's error is the one raised, and a frame's output goes to the output thread
    only once its job succeeded, never after a frame that failed. Buffers are passed as
    memoryviews, never copied; the caller calls ``settle(i - ring)`` before it overwrites
    the ring buffers that frame ``i - ring`` used. With ``threaded=False`` every job runs on
    the caller's thread as it is submitted.
    """

    def __init__(
        self, suite: Suite, output: Callable[[Any], Any] | None, *, threaded: bool, version: int = VERSION,
    ) -> None:
        self.frame_digest: FrameDigest = suite.frame_digest(version)
        self.digests = bytearray()
        self.output = output
        self._lanes, writer = _Threads.get() if threaded else ([], None)
        self._writer = writer if output else None
        self._jobs: deque[_Job] = deque()  # every job not settled yet, in frame order
        self._queue: deque[_Job] = deque()  # the jobs no thread has taken yet
        self._lock = threading.Lock()  # guards _queue's takers and _awake
        self._finished = threading.Condition(threading.Lock())
        self._awake = [False] * len(self._lanes)  # whether a lane has a turn queued or running
        self._waiting: deque[tuple[int, _Job | None, tuple[bytes | memoryview, bool]]] = deque()
        self._outputs: deque[tuple[int, Future[Any]]] = deque()
        self._failed = False

    def submit(self, index: int, work: Callable[..., bytes], *args: Any) -> _Job:
        """Queue ``work(*args)``, which returns frame ``index``'s digest, and wake the lanes that sleep."""
        job = _Job(index, work, args)
        self._jobs.append(job)
        self._queue.append(job)
        if not self._lanes:
            self._run_queued()
            return job
        with self._lock:
            for lane, awake in enumerate(self._awake):
                if not awake:
                    self._awake[lane] = True
                    self._lanes[lane].submit(self._lane_work, lane)
        # Keep QUEUE_AHEAD jobs per lane waiting for the lanes, and do the rest here: the caller works
        # from the start instead of only once it has read the whole ring (a woken lane takes a while to run).
        while len(self._queue) > QUEUE_AHEAD * len(self._lanes) and self._run_one():
            pass
        return job

    def _take(self, lane: int | None = None) -> _Job | None:
        """The oldest queued job, marked as started; None if there is none (and then ``lane`` goes to sleep)."""
        with self._lock:
            if not self._queue:
                if lane is not None:
                    self._awake[lane] = False
                return None
            job = self._queue.popleft()
            job.started = True
            return job

    def _run_one(self, lane: int | None = None) -> bool:
        job = self._take(lane)
        if job is None:
            return False
        job.run(self._finished)
        return True

    def _lane_work(self, lane: int) -> None:
        """A lane's turn: take queued jobs until there are none, then sleep (``submit`` wakes it again)."""
        while self._run_one(lane):
            pass

    def _run_queued(self, until: _Job | None = None) -> None:
        """Run queued jobs, oldest first, until the queue is empty or ``until`` is done."""
        while (until is None or not until.done) and self._run_one():
            pass

    def _wait(self, job: _Job) -> None:
        """Until ``job`` is done, helping with the queued jobs meanwhile, then sleeping."""
        if job.done:
            return
        self._run_queued(until=job)
        with self._finished:
            while not job.done:
                self._finished.wait()

    def digest(self, index: int, frame: memoryview) -> None:
        """Frame ``index``'s digest as its whole job (verifying without a key)."""
        self.submit(index, self.frame_digest, frame)

    def emit(self, index: int, data: bytes | memoryview, *, after: _Job | None = None, wipe: bool = False) -> None:
        """Hand ``data`` to the output, in order, once ``after`` (frame ``index``'s job) has succeeded.

        ``wipe``: zero the buffer ``data`` is a view of once written, on the output thread (plaintext in a
        buffer no later frame reuses).
        """
        self._waiting.append((index, after, (data, wipe)))
        self._flush(index if self._writer is None else -1)

    def _flush(self, until: int) -> None:
        """Pass the outputs whose jobs are done (all up to frame ``until``, waiting for those) to the output, in order.

        They go as one batch, of at least OUTPUT_BATCH outputs unless settling (``until`` ≥ 0), so
        the output thread wakes once for several frames; when settling with the output thread
        idle, the caller writes them itself rather than wake that thread and wait for it. A
        failed job stops the flow: its output and every later one are dropped, and settle
        raises its error.
        """
        if self._failed:
            return
        ready = 0
        for index, after, _ in self._waiting:
            if after is not None:
                if index > until and not after.done:
                    break
                self._wait(after)
                if after.error is not None:
                    self._failed = True
                    break
            ready += 1
        settling = until >= 0
        if not self._failed and not settling and self._writer is not None and ready < OUTPUT_BATCH:
            return
        first = self._waiting[0][0] if ready else None
        batch = [self._waiting.popleft()[2] for _ in range(ready)]
        if self._failed:
            self._waiting.clear()
        if first is None:
            return
        if self._writer is None or (settling and all(future.done() for _, future in self._outputs)):
            self._write(batch)
        else:
            self._outputs.append((first, self._writer.submit(self._write, batch)))

    def _write(self, batch: list[tuple[bytes | memoryview, bool]]) -> None:
        assert self.output is not None
        for data, wipe in batch:
            self.output(data)
            if wipe:
                # The whole buffer: a shorter final chunk leaves an earlier chunk's tail after its own bytes.
                assert isinstance(data, memoryview) and isinstance(data.obj, bytearray)
                _wipe(data.obj)

    def settle(self, index: int) -> None:
        """Wait for all work on frames up to ``index`` (raising the first failure): their buffers may then be reused."""
        while self._jobs and self._jobs[0].index <= index:
            job = self._jobs.popleft()
            self._wait(job)
            self.digests += job.result()
        self._flush(index)
        while self._outputs and self._outputs[0][0] <= index:
            self._outputs.popleft()[1].result()

    def failure(self) -> BaseException | None:
        """The error of the first frame still pending that failed, if any (waiting for their jobs)."""
        for job in self._jobs:
            self._wait(job)
            if job.error is not None:
                return job.error
        return None

    def frame_digests(self) -> bytes:
        """d_0 || ... || d_{N-1}, once every frame's job has been submitted (raising the first failure)."""
        while self._jobs:
            job = self._jobs.popleft()
            self._wait(job)
            self.digests += job.result()
        return bytes(self.digests)

    def drain(self) -> None:
        self.settle(FINAL_FLAG)

    def close(self) -> None:
        """Drop the jobs and outputs not started yet; those running are waited for."""
        with self._lock:
            self._queue.clear()
        for job in self._jobs:
            if job.started:
                self._wait(job)
        running = [future for _, future in self._outputs if not future.cancel()]
        self._jobs.clear()
        self._outputs.clear()
        self._waiting.clear()
        wait(running)


class _MemoryStream:
    """Bytes already in memory, read like a file; ``view`` hands out the next bytes without copying them."""

    def __init__(self, data: bytes | bytearray | memoryview) -> None:
        self.data = memoryview(data).cast("B")
        self.position = 0

    def view(self, size: int) -> memoryview:
        view = self.data[self.position : self.position + size]
        self.position += len(view)
        return view

    def read(self, size: int = -1) -> bytes:
        return bytes(self.view(len(self.data) if size < 0 else size))

    def readinto(self, target: memoryview) -> int:
        view = self.view(len(target))
        target[: len(view)] = view
        return len(view)


@contextmanager
def _file_in_place(dest: Path) -> Iterator[BinaryIO]:
    """A new file written under a hidden name beside ``dest``, renamed to ``dest`` once the block ends (so ``dest``
    appears only complete) and removed if the block raises."""
    fd, temp_name = tempfile.mkstemp(prefix=f".{dest.name}.", suffix=".partial", dir=dest.parent or ".")
    try:
        with os.fdopen(fd, "wb") as out:
            yield out
        os.replace(temp_name, dest)
    except BaseException:
        Path(temp_name).unlink(missing_ok=True)
        raise


@contextmanager
def _folder_in_place(dest: Path) -> Iterator[Path]:
    """A new hidden folder beside ``dest``, renamed to ``dest`` once the block ends and removed, with everything in
    it, if the block raises."""
    work = Path(tempfile.mkdtemp(prefix=f".{dest.name}.", suffix=".partial", dir=dest.parent or "."))
    try:
        yield work
        os.replace(work, dest)
    except BaseException:
        shutil.rmtree(work, ignore_errors=True)
        raise


# ---------------------------------------------------------------- sealing


class _Plaintext:
    """The content stream: u32 manifest length | manifest JSON | each document's bytes."""

    def __init__(self, manifest: bytes, documents: list[tuple[str, int, DocumentSource]]) -> None:
        self._parts: list[tuple[str, int, DocumentSource]] = [
            ("", 4 + len(manifest), len(manifest).to_bytes(4, "big") + manifest),
            *documents,
        ]
        self.size = sum(size for _, size, _ in self._parts)
        self._current: BinaryIO | _MemoryStream | None = None
        self._left = 0
        self._name = ""

    def _next(self) -> bool:
        if self._current is not None:
            extra = self._current.read(1)
            self._close()
            if extra:
                raise InvalidInput(f"the document {self._name!r} grew while it was being sealed; seal again")
        if not self._parts:
            return False
        self._name, self._left, source = self._parts.pop(0)
        if isinstance(source, bytes):
            self._current = _MemoryStream(source)
        elif isinstance(source, Path | str):
            self._current = open(source, "rb")  # noqa: SIM115 - closed by _close
        else:
            self._current = source
        return True

    def _close(self) -> None:
        if self._current is not None and not isinstance(self._current, io.BytesIO | _MemoryStream):
            self._current.close()
        self._current = None

    def readinto(self, view: memoryview) -> int:
        filled = 0
        while filled < len(view):
            while self._left == 0:
                if not self._next():
                    return filled
            assert self._current is not None
            want = min(self._left, len(view) - filled)
            got = self._current.readinto(view[filled : filled + want])  # type: ignore[attr-defined]
            if not got:
                self._close()
                raise InvalidInput(f"the document {self._name!r} shrank while it was being sealed; seal again")
            filled += got
            self._left -= got
        return filled

    def chunk(self, ring: _Ring, index: int, length: int) -> memoryview:
        """Chunk ``index``: the next ``length`` content bytes, read into its buffer of ``ring``; or, when they lie
        in a document given as bytes, a view of those bytes: the cipher reads them where they are, with no copy."""
        while self._left == 0 and self._next():
            pass
        if isinstance(self._current, _MemoryStream) and self._left >= length:
            self._left -= length
            return self._current.view(length)
        buffer = ring[index]
        if self.readinto(buffer[:length]) != length:
            raise InvalidInput("a document shrank while it was being sealed; seal again")
        return buffer[:length]

    def finish(self) -> None:
        while self._next():
            if self._left:
                raise InvalidInput("the content was not read to its end")
        self._close()


def _document_size(source: DocumentSource) -> int:
    if isinstance(source, bytes):
        return len(source)
    if isinstance(source, Path | str):
        path = Path(source)
        if not path.is_file():
            raise InvalidInput(f"the document {str(path)!r} does not exist or is not a file")
        return path.stat().st_size
    position = source.tell()
    size = source.seek(0, os.SEEK_END) - position
    source.seek(position)
    return size


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
) -> EnvelopeInfo:
    """Seal ``summary`` and ``documents`` into the envelope file ``dest``.

    The content key is wrapped to the signer's own public key (so the bidder can open and
    release it) and to the project's ``opening_key``; the signer signs the envelope. The
    suite follows the keys (P-256 → intl, SM2 → gm). ``labels`` are public, signed text
    such as the deal and section codes. ``dest`` appears only once complete.
    """
    suite = suite_get(signer.suite)
    if opening_key.suite != signer.suite:
        raise InvalidInput(
            f"the opening key is a {opening_key.suite} key and the bidder key a {signer.suite} key; "
            "use keys of the same suite"
        )
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
        "signer": {"public_key": _b64(signer.public_key.der())},
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


# ---------------------------------------------------------------- reading


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


def _damaged(where: str, problem: str) -> DamagedEnvelope:
    return DamagedEnvelope(
        f"the envelope is damaged in the {where}: {problem}. Nothing from it was used; "
        "ask the bidder for an intact copy or to seal again.",
        where=where,
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


class _opened:
    """An envelope source as a stream: a file opened (and closed) here, bytes read in place, or the caller's stream."""

    def __init__(self, src: EnvelopeSource) -> None:
        self.src = src
        self.stream: BinaryIO | None = None

    def __enter__(self) -> BinaryIO | _MemoryStream:
        if isinstance(self.src, bytes | bytearray | memoryview):
            return _MemoryStream(self.src)
        if isinstance(self.src, Path | str):
            try:
                self.stream = open(self.src, "rb")  # noqa: SIM115 - closed in __exit__
            except FileNotFoundError:
                raise NotAnEnvelope(f"there is no file {str(self.src)!r}; check the path", where="file")
            return self.stream
        return self.src

    def __exit__(self, *exc: object) -> None:
        if self.stream is not None:
            self.stream.close()


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


class _Content:
    """Receives verified plaintext and writes the summary and documents into a folder."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.pending = bytearray()
        self.manifest_size: int | None = None
        self.summary: OpeningSummary | None = None
        self.documents: list[OpenedDocument] = []
        self.queue: list[tuple[str, int]] = []
        self.out: BinaryIO | None = None
        self.left = 0

    def write(self, data: memoryview) -> None:
        while len(data):
            if self.summary is None:
                need = (4 if self.manifest_size is None else self.manifest_size) - len(self.pending)
                self.pending += data[:need]
                data = data[need:]
                if self.manifest_size is None and len(self.pending) == 4:
                    self.manifest_size = int.from_bytes(self.pending, "big")
                    self.pending.clear()
                    if self.manifest_size > MAX_MANIFEST_SIZE:
                        raise _damaged("content", "the summary is impossibly large")
                elif self.manifest_size is not None and len(self.pending) == self.manifest_size:
                    self._manifest(bytes(self.pending))
                continue
            if self.out is None:
                if not self.queue:
                    raise _damaged("content", "there are more bytes than the documents listed")
                self._document_next()
                continue
            take = min(self.left, len(data))
            self.out.write(data[:take])
            data = data[take:]
            self.left -= take
            if self.left == 0:
                self._document_close()

    def _manifest(self, raw: bytes) -> None:
        try:
            manifest = json.loads(raw.decode("utf-8"))
            self.summary = OpeningSummary.from_dict(manifest["summary"])
            names = set()
            for entry in manifest["documents"]:
                name = document_name_check(entry["name"])
                size = entry["size"]
                if name.casefold() in names or not isinstance(size, int) or size < 0:
                    raise ValueError("bad document entry")
                names.add(name.casefold())
                self.queue.append((name, size))
        except (ValueError, KeyError, TypeError, UnicodeDecodeError):
            raise _damaged("content", "the sealed summary or document list is malformed")
        (self.folder / "documents").mkdir()
        self.pending.clear()
        while self.queue and self.queue[0][1] == 0:
            self._document_next()

    def _document_next(self) -> None:
        name, size = self.queue.pop(0)
        path = self.folder / "documents" / name
        self.out = open(path, "xb")  # noqa: SIM115 - closed in _document_close
        self.left = size
        self.documents.append(OpenedDocument(name, path, size))
        if size == 0:
            self._document_close()

    def _document_close(self) -> None:
        assert self.out is not None
        self.out.close()
        self.out = None
        while self.queue and self.queue[0][1] == 0:
            self._document_next()

    def finish(self) -> OpeningSummary:
        if self.summary is None or self.out is not None or self.queue:
            raise _damaged("content", "the content ends before the summary and all documents are complete")
        return self.summary

    def abort(self) -> None:
        if self.out is not None:
            self.out.close()


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
