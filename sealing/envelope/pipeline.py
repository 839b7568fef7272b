"""The threads behind seal, verify and open: chunk buffers, the frame-job pipeline and its output thread.

Chunk buffers are kept between envelopes (_BufferPool) and rotated through a ring per
envelope (_Ring); those that held plaintext are wiped in place. _Pipeline runs each frame's
job (encrypt or decrypt it, then its digest) on the caller's thread or the shared lane
threads (_Threads), and hands outputs on, in frame order, to one output thread.
"""

import ctypes
import os
import threading
from collections import deque
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor, wait
from typing import Any

from sealing.envelope.layout import FINAL_FLAG, FRAME_HEADER, TAG_SIZE, VERSION
from sealing.suites import FrameDigest, Suite

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
