"""The threaded pipeline behind seal, verify and open: order, errors, buffer reuse, many chunks."""

import hashlib
import os
import threading
from pathlib import Path

import blake3
import pytest

from sealing import DamagedEnvelope, envelope_open, envelope_seal, envelope_verify
from sealing import envelope as sealing_envelope
from sealing.suites import suite_get
from tests.sealing.conftest import layout_of

FRAME_HASHES = {1: lambda frame: hashlib.sha256(frame).digest(), 2: lambda frame: blake3.blake3(frame).digest()}


@pytest.mark.parametrize("version", [1, 2])
@pytest.mark.parametrize("threaded", [True, False])
def test_the_pipeline_collects_frame_digests_and_writes_in_frame_order(threaded, version):
    suite = suite_get("intl")
    frames = [os.urandom(size) for size in (70_000, 3, 250_000, 1, 90_000, 4096, 17, 300_000, 5, 600_000)]
    written: list[tuple[str, bytes]] = []
    pipe = sealing_envelope._Pipeline(
        suite, lambda data: written.append((threading.current_thread().name, bytes(data))), threaded=threaded,
        version=version,
    )
    try:
        for index, frame in enumerate(frames):
            pipe.digest(index, memoryview(frame))
            pipe.emit(index, memoryview(frame))
        digests = pipe.frame_digests()
        pipe.drain()
    finally:
        pipe.close()

    assert digests == b"".join(FRAME_HASHES[version](frame) for frame in frames)
    assert [data for _, data in written] == frames
    # Threaded, outputs go to the output thread in batches (the last ones the caller may write itself
    # while it settles, if that thread is idle). Not threaded, everything is written on the caller's thread.
    names = {"out" if name.startswith("sealing-out") else "caller" for name, _ in written}
    assert ("out" in names) == threaded and names <= {"out", "caller"}


def test_an_error_on_the_output_thread_reaches_the_caller():
    def output(data):
        if data == b"2":
            raise OSError("No space left on device")

    pipe = sealing_envelope._Pipeline(suite_get("intl"), output, threaded=True)
    try:
        for index in range(4):
            pipe.emit(index, str(index).encode())
        with pytest.raises(OSError, match="No space left"):
            pipe.drain()
    finally:
        pipe.close()


def test_many_chunks_round_trip_and_a_late_chunk_is_named(tmp_path: Path, intl_keys):
    """More chunks than the ring has buffers, so every buffer is reused several times."""
    document = os.urandom(40 * 4096 + 123)
    path = tmp_path / "many.sealed"
    info = envelope_seal(path, summary={"price": "7.00"}, documents=[("big.bin", document)],
                         signer=intl_keys["bidder"], opening_key=intl_keys["opening"].public_key, chunk_size=4096)
    assert info.chunk_count > 3 * sealing_envelope._ring_size(4096, info.chunk_count)

    verified = envelope_verify(path)
    opened = envelope_open(path, key=intl_keys["opening"], dest=tmp_path / "out")

    assert verified.sha256 == hashlib.sha256(path.read_bytes()).hexdigest()
    assert verified.size == info.size == path.stat().st_size
    assert info.sha256 is None and opened.info.sha256 is None
    assert (tmp_path / "out" / "documents" / "big.bin").read_bytes() == document

    data = bytearray(path.read_bytes())
    start, _ = layout_of(bytes(data)).frames[37]
    data[start + 100] ^= 0x04
    path.write_bytes(bytes(data))
    with pytest.raises(DamagedEnvelope) as caught:
        envelope_open(path, key=intl_keys["bidder"], dest=tmp_path / "again")
    assert caught.value.where == "chunk 37"
    assert not (tmp_path / "again").exists()
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []


@pytest.mark.parametrize("chunk_size", [16384, 4096])
@pytest.mark.parametrize("given_as", ["bytes", "file"])
def test_reused_buffers_keep_no_plaintext(tmp_path: Path, intl_keys, given_as, chunk_size):
    """Buffers that held plaintext are wiped before reuse, after sealing and after opening.

    A document given as bytes is encrypted where it lies, so only the buffers that the manifest
    (or a document read from a file) went through held plaintext; a file is read into buffers.
    In 16 KiB chunks every frame has its own buffer; in 4 KiB chunks (42 frames) the buffers are
    reused, and the short final chunk lands in a buffer that held a whole chunk before.
    """
    marker = b"PLAINTEXT-MARKER-" * 500
    document = tmp_path / "a.txt"
    document.write_bytes(marker * 20)
    path = tmp_path / "bid.sealed"
    envelope_seal(path, summary={"price": "1.00"},
                  documents=[("a.txt", marker * 20 if given_as == "bytes" else document)],
                  signer=intl_keys["bidder"], opening_key=intl_keys["opening"].public_key, chunk_size=chunk_size)
    kept = sealing_envelope._BUFFERS._free
    assert kept, "the buffers were not kept for reuse"
    assert not any(b"PLAINTEXT-MARKER" in buffer or b'"price"' in buffer for buffer in kept)

    envelope_open(path, key=intl_keys["bidder"], dest=tmp_path / "out")
    kept = sealing_envelope._BUFFERS._free
    assert not any(b"PLAINTEXT-MARKER" in buffer or b'"price"' in buffer for buffer in kept)


def test_an_open_that_fails_leaves_no_plaintext_in_the_buffers(tmp_path: Path, intl_keys):
    """Chunks before the damaged one were decrypted (and the damaged one may be, before its tag fails)."""
    marker = b"PLAINTEXT-MARKER-" * 500
    path = tmp_path / "bid.sealed"
    envelope_seal(path, summary={"price": "1.00"}, documents=[("a.txt", marker * 20)],
                  signer=intl_keys["bidder"], opening_key=intl_keys["opening"].public_key, chunk_size=16384)
    data = bytearray(path.read_bytes())
    start, end = layout_of(bytes(data)).frames[-2]
    data[end - 20] ^= 1
    path.write_bytes(data)

    with pytest.raises(DamagedEnvelope):
        envelope_open(path, key=intl_keys["bidder"], dest=tmp_path / "out")

    kept = sealing_envelope._BUFFERS._free
    assert kept, "the buffers were not kept for reuse"
    assert not any(b"PLAINTEXT-MARKER" in buffer or b'"price"' in buffer for buffer in kept)
    assert not (tmp_path / "out").exists()


def test_an_envelope_in_memory_is_read_in_place_with_the_same_checks(tmp_path: Path, intl_keys):
    """Bytes given to verify and open are read without copying their frames; damage is named just the same."""
    document = os.urandom(20 * 4096 + 7)
    path = tmp_path / "bid.sealed"
    envelope_seal(path, summary={"price": "3.00"}, documents=[("big.bin", document)],
                  signer=intl_keys["bidder"], opening_key=intl_keys["opening"].public_key, chunk_size=4096)
    data = bytearray(path.read_bytes())

    assert envelope_verify(bytes(data)).sha256 == envelope_verify(path).sha256
    opened = envelope_open(bytes(data), key=intl_keys["opening"], dest=tmp_path / "out")
    assert (opened.path / "documents" / "big.bin").read_bytes() == document

    start, end = layout_of(bytes(data)).frames[11]
    data[(start + end) // 2] ^= 0x10
    with pytest.raises(DamagedEnvelope) as verified:
        envelope_verify(bytes(data))
    with pytest.raises(DamagedEnvelope) as refused:
        envelope_open(bytes(data), key=intl_keys["opening"], dest=tmp_path / "again")
    assert verified.value.where == refused.value.where == "chunk 11"
    with pytest.raises(DamagedEnvelope) as cut:
        envelope_verify(bytes(data[: start + 20]))
    assert cut.value.where == "chunk 11" and "truncated" in str(cut.value)


@pytest.mark.parametrize("threaded", [True, False])
def test_a_failed_job_stops_the_output_and_is_raised_in_frame_order(threaded):
    written: list[int] = []
    pipe = sealing_envelope._Pipeline(suite_get("intl"), written.append, threaded=threaded)

    def job(index: int) -> bytes:
        if index in (3, 6):
            raise DamagedEnvelope(f"frame {index} failed", where=f"chunk {index}")
        return bytes(32)

    with pytest.raises(DamagedEnvelope) as caught:
        try:
            for index in range(9):
                pipe.emit(index, index, after=pipe.submit(index, job, index))
                pipe.settle(index - 4)
            pipe.frame_digests()
        finally:
            pipe.close()

    assert caught.value.where == "chunk 3"
    assert written == [0, 1, 2]


def test_a_damaged_chunk_is_named_before_a_later_one_out_of_place(tmp_path: Path, intl_keys):
    """Frames are decrypted in several lanes; the first failure front to back is still the one reported."""
    path = tmp_path / "bid.sealed"
    envelope_seal(path, summary={"price": "2.00"}, documents=[("a.bin", os.urandom(30 * 4096))],
                  signer=intl_keys["bidder"], opening_key=intl_keys["opening"].public_key, chunk_size=4096)
    data = bytearray(path.read_bytes())
    frames = layout_of(bytes(data)).frames
    for damaged in (2, 3):
        changed = bytearray(data)
        changed[frames[damaged][0] + 100] ^= 0x01
        path.write_bytes(bytes(changed[: frames[7][0] + 3]))
        with pytest.raises(DamagedEnvelope) as caught:
            envelope_open(path, key=intl_keys["bidder"], dest=tmp_path / "out")
        assert caught.value.where == f"chunk {damaged}"
        assert "authentication tag" in str(caught.value)


def test_envelopes_in_several_threads_share_the_pipeline_threads(tmp_path: Path, intl_keys):
    from concurrent.futures import ThreadPoolExecutor

    def round_trip(number: int) -> bool:
        document = os.urandom(9 * 4096 + number)
        path = tmp_path / f"bid{number}.sealed"
        envelope_seal(path, summary={"price": f"{number}.00"}, documents=[("a.bin", document)],
                      signer=intl_keys["bidder"], opening_key=intl_keys["opening"].public_key, chunk_size=4096)
        envelope_verify(path)
        opened = envelope_open(path, key=intl_keys["opening"], dest=tmp_path / f"out{number}")
        return (opened.path / "documents" / "a.bin").read_bytes() == document

    with ThreadPoolExecutor(6) as callers:
        assert all(callers.map(round_trip, range(12)))


@pytest.mark.parametrize("size", [0, 1, 15, 16, 17, 4096, 100_003])
def test_the_one_call_aes_gcm_frames_are_the_streaming_ones(size):
    """intl seals a frame with AESGCM.encrypt_into; the bytes are those of the streaming Cipher path gm uses."""
    from cryptography.exceptions import InvalidTag

    from sealing.suites import Suite

    suite, key, aad, nonce = suite_get("intl"), os.urandom(32), os.urandom(32), os.urandom(12)
    chunk = memoryview(os.urandom(size))
    one_call, streamed = bytearray(size + 16 + 15), bytearray(size + 16 + 15)
    suite.frame_sealer(key, aad)(nonce, chunk, memoryview(one_call)[: size + 16])
    Suite.frame_sealer(suite, key, aad)(nonce, chunk, memoryview(streamed)[: size + 16])
    assert one_call[: size + 16] == streamed[: size + 16]

    for opener in (suite.frame_opener(key, aad), Suite.frame_opener(suite, key, aad)):
        plain = bytearray(size + 15)
        opener(nonce, memoryview(one_call)[: size + 16], memoryview(plain))
        assert plain[:size] == chunk
        changed = bytearray(one_call[: size + 16])
        changed[size // 2] ^= 1
        with pytest.raises(InvalidTag):
            opener(nonce, memoryview(changed), memoryview(bytearray(size + 15)))
