"""Seal and open throughput of sealed envelopes next to bare AES-256-GCM from OpenSSL, same bytes, same run.

    .venv/bin/python bench/sealing_throughput.py [--sizes 10,1024] [--repeat 3] [--no-write]

For each size (MiB) a document of random bytes is written into a temporary folder (BENCH_TMP,
default /var/tmp: ext4, everything stays in the page cache on this machine; /dev/shm is tmpfs)
and then, interleaved in every repetition so that all figures see the same machine load:

- bare AES-256-GCM through OpenSSL (`cryptography`), the document's bytes in memory, 1 MiB
  pieces into one preallocated buffer: the baseline of the issue's target;
- bare SHA-256 (OpenSSL via hashlib) and bare BLAKE3 (the `blake3` package, one thread) of the
  same bytes, 1 MiB pieces: the frame digests of format versions 1 and 2;
- GCM then BLAKE3 of each 1 MiB piece on one thread: the work format version 2 needs per byte
  (encrypt + frame digest) with no parallelism — the one-core floor;
- bare GCM file→file: the document file read in 1 MiB pieces, AES-256-GCM, written to a new file
  in the folder — the same I/O as seal file→file, without the envelope: the like-for-like
  baseline of the file→file figures;
- write floor: the same bytes written from memory into a new file in the folder;
- seal core / open core: sealing's own pipeline (sealing.envelope._frames_seal / _frames_open:
  each frame's GCM and digest as one job, in lanes on two threads, and ECDSA) from memory,
  output discarded; the document (seal) and the envelope (open) are bytes, which the library
  reads in place, as bare GCM does;
- seal file→file (document file → envelope file), verify (keyless, as the server does on
  upload: frame digests + whole-file SHA-256 for the receipt) and open file→file (envelope →
  folder, in a child process that reports its own peak RSS).

The fixed costs of one envelope (ECDH wraps, ECDSA, starting the output thread) are timed on
their own, to tell how much of a 10 MiB envelope's time they are.

Figures are MiB/s of document bytes, the median of the repetitions with the range beside it;
`openssl speed` is shown too. They go to bench/RESULTS.md under "## Sealing".
"""

import argparse
import hashlib
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from datetime import date
from pathlib import Path

import blake3
from cryptography.hazmat.backends.openssl import backend
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sealing import envelope as sealing_envelope  # noqa: E402
from sealing import envelope_open, envelope_seal, envelope_verify, keypair_generate  # noqa: E402
from sealing.suites import suite_get  # noqa: E402

MIB = 1 << 20
PIECE = MIB
PASSPHRASE = "bench passphrase"

# Peak memory is VmHWM from /proc/self/status: unlike getrusage's ru_maxrss, which Linux carries
# over execve from the (v)forked parent, it counts only this process's own memory.
OPEN_CHILD = """
import json, re, sys, time
sys.path.insert(0, sys.argv[1])
from sealing import envelope_open, private_key_load
key = private_key_load(open(sys.argv[3], "rb").read(), "bench passphrase")
start = time.perf_counter()
envelope_open(sys.argv[2], key=key, dest=sys.argv[4])
seconds = time.perf_counter() - start
hwm = int(re.search(r"VmHWM:\\s+(\\d+) kB", open("/proc/self/status").read()).group(1))
print(json.dumps({"seconds": seconds, "peak_rss_kib": hwm}))
"""

BASELINE_CHILD = """
import re, sys
sys.path.insert(0, sys.argv[1])
import sealing
print(re.search(r"VmHWM:\\s+(\\d+) kB", open("/proc/self/status").read()).group(1))
"""


def seconds_of(function: Callable[..., object], *args: object, **kwargs: object) -> float:
    start = time.perf_counter()
    function(*args, **kwargs)
    return time.perf_counter() - start


def each_of(count: int, function: Callable[..., object], *args: object) -> float:
    """Seconds per call of ``count`` calls one after the other."""
    start = time.perf_counter()
    for _ in range(count):
        function(*args)
    return (time.perf_counter() - start) / count


def bare_gcm(data: bytes) -> None:
    key = os.urandom(32)
    view = memoryview(data)
    out = bytearray(PIECE + 15)
    for index, offset in enumerate(range(0, len(data), PIECE)):
        encryptor = Cipher(algorithms.AES(key), modes.GCM(index.to_bytes(12, "big"))).encryptor()
        encryptor.authenticate_additional_data(b"\0" * 32)
        encryptor.update_into(view[offset : offset + PIECE], out)
        encryptor.finalize()


def bare_sha256(data: bytes) -> None:
    view = memoryview(data)
    digest = hashlib.sha256()
    for offset in range(0, len(data), PIECE):
        digest.update(view[offset : offset + PIECE])


def bare_blake3(data: bytes) -> None:
    view = memoryview(data)
    for offset in range(0, len(data), PIECE):
        blake3.blake3(view[offset : offset + PIECE]).digest()


def gcm_then_blake3(data: bytes) -> None:
    key = os.urandom(32)
    view = memoryview(data)
    out = bytearray(PIECE + 15)
    digests = bytearray()
    for index, offset in enumerate(range(0, len(data), PIECE)):
        encryptor = Cipher(algorithms.AES(key), modes.GCM(index.to_bytes(12, "big"))).encryptor()
        encryptor.authenticate_additional_data(b"\0" * 32)
        written = encryptor.update_into(view[offset : offset + PIECE], out)
        encryptor.finalize()
        digests += blake3.blake3(memoryview(out)[:written]).digest()
    hashlib.sha256(digests).digest()


def bare_gcm_file(document: Path, path: Path) -> float:
    """Document file → AES-256-GCM in 1 MiB pieces → new file: the I/O of seal file→file, without the envelope."""

    def encrypt() -> None:
        key = os.urandom(32)
        piece = bytearray(PIECE)
        out = bytearray(PIECE + 15)
        with document.open("rb") as source, path.open("wb") as target:
            index = 0
            while got := source.readinto(piece):
                encryptor = Cipher(algorithms.AES(key), modes.GCM(index.to_bytes(12, "big"))).encryptor()
                encryptor.authenticate_additional_data(b"\0" * 32)
                written = encryptor.update_into(memoryview(piece)[:got], out)
                encryptor.finalize()
                target.write(memoryview(out)[:written])
                target.write(encryptor.tag)
                index += 1

    seconds = seconds_of(encrypt)
    path.unlink()
    return seconds


def write_floor(data: bytes, path: Path) -> float:
    view = memoryview(data)

    def write() -> None:
        with path.open("wb") as out:
            for offset in range(0, len(data), PIECE):
                out.write(view[offset : offset + PIECE])

    seconds = seconds_of(write)
    path.unlink()
    return seconds


def seal_core(data: bytes, signer) -> None:
    suite = suite_get("intl")
    plaintext = sealing_envelope._Plaintext(b"{}", [("document.bin", len(data), data)])
    chunk_size = sealing_envelope.DEFAULT_CHUNK_SIZE
    sealing_envelope._frames_seal(
        plaintext, lambda _: None, suite=suite, signer=signer, content_key=os.urandom(32),
        nonce_prefix=os.urandom(7), header_digest=os.urandom(32), chunk_size=chunk_size,
        chunk_count=-(-plaintext.size // chunk_size),
    )


def open_core(envelope: bytes, key) -> float:
    reader = sealing_envelope._Reader(sealing_envelope._MemoryStream(envelope))
    head = sealing_envelope._head_read(reader)
    content_key = sealing_envelope._content_key(head, key)
    start = time.perf_counter()
    frames, digests = sealing_envelope._frames_open(reader, head, content_key, lambda _: None)
    sealing_envelope._signature_check(head, frames, digests)
    return time.perf_counter() - start


def in_memory(data: bytes, envelope: bytes, bidder, opening) -> dict[str, float]:
    """Seconds per envelope of bare GCM, seal core and open core, each over a stream.

    Throughput: envelopes (or bare GCM runs) of this size one after the other, as a server takes them in the
    deadline rush, STREAM_MIB at a time. Bare GCM runs before and after them, and the faster of the two is the
    baseline. ``envelope`` is ``data`` sealed to ``opening``.
    """
    stream = max(1, STREAM_MIB * MIB // len(data))
    measured = {
        "bare_gcm": each_of(stream, bare_gcm, data),
        "seal_core": each_of(stream, seal_core, data, bidder),
        "open_core": sum(open_core(envelope, opening) for _ in range(stream)) / stream,
    }
    measured["bare_gcm"] = min(measured["bare_gcm"], each_of(stream, bare_gcm, data))
    return measured


def fixed_costs(bidder, opening) -> dict[str, float]:
    """Milliseconds of the per-envelope work that does not grow with the size (median of 50)."""
    suite = suite_get("intl")
    content_key = os.urandom(32)
    wrapped = suite.wrap(content_key, opening.public_key, 2)
    message = os.urandom(85)
    signature = suite.sign(bidder, message)

    def thread_start() -> None:
        thread = threading.Thread(target=lambda: None)
        thread.start()
        thread.join()

    work = {
        "ECDH P-256 wrap (two per seal)": lambda: suite.wrap(content_key, opening.public_key, 2),
        "unwrap (one per open)": lambda: suite.unwrap(wrapped, opening, 2),
        "ECDSA sign (seal)": lambda: suite.sign(bidder, message),
        "ECDSA verify (open, verify)": lambda: suite.verify(bidder.public_key, message, signature),
        "start and join a thread (the pipeline's threads are kept, not started per envelope)": thread_start,
    }
    return {name: statistics.median(seconds_of(function) for _ in range(50)) * 1000 for name, function in work.items()}


COMPARE_CHILD = """
import json, shutil, statistics, sys, time
sys.path.insert(0, sys.argv[1])
from pathlib import Path
from sealing import envelope_open, envelope_seal, keypair_generate  # the tree to time, imported first
sys.path.insert(1, sys.argv[5])
import sealing_throughput as bench  # its timing functions, on the modules already imported above
assert bench.sealing_envelope.__file__.startswith(sys.argv[1]), "timing the wrong tree"
document, envelope, opened = Path(sys.argv[2]), Path(sys.argv[3]), Path(sys.argv[4])
bidder, opening = keypair_generate("intl"), keypair_generate("intl")
start = time.perf_counter()
envelope_seal(envelope, summary={"price": "1.00"}, documents=[("document.bin", document)], signer=bidder,
              opening_key=opening.public_key)
seal = time.perf_counter() - start
start = time.perf_counter()
envelope_open(envelope, key=opening, dest=opened)
result = {"seal": seal, "open": time.perf_counter() - start}
# The in-memory stream, as the main benchmark times it, relative to bare GCM in this process (median of 5).
data, whole = document.read_bytes(), envelope.read_bytes()
runs = [bench.in_memory(data, whole, bidder, opening) for _ in range(5)]
gcm = statistics.median(run["bare_gcm"] for run in runs)
result |= {name: gcm / statistics.median(run[name] for run in runs) for name in ("seal_core", "open_core")}
print(json.dumps(result))
envelope.unlink()
shutil.rmtree(opened)
"""


def compare(revision: str, mib: int, repeat: int) -> str:
    """Seal and open file→file with sealing/ as of ``revision`` and as now, alternating, in child processes."""
    rates: dict[str, dict[str, list[float]]] = {}
    with tempfile.TemporaryDirectory(prefix="sealing-compare-", dir=os.environ.get("BENCH_TMP", "/var/tmp")) as tmp:
        folder = Path(tmp)
        (folder / "then").mkdir()
        archive = subprocess.run(["git", "-C", str(ROOT), "archive", revision, "sealing"], capture_output=True,
                                 check=True).stdout
        subprocess.run(["tar", "-x", "-C", str(folder / "then")], input=archive, check=True)
        document = folder / "document.bin"
        document.write_bytes(os.urandom(min(mib, 64) * MIB) * (mib // min(mib, 64)))
        for _ in range(repeat):
            for label, root in ((revision, folder / "then"), ("this tree", ROOT)):
                child = json.loads(subprocess.run(
                    [sys.executable, "-c", COMPARE_CHILD, str(root), str(document), str(folder / "bid.sealed"),
                     str(folder / "opened"), str(ROOT / "bench")], capture_output=True, text=True, check=True).stdout)
                for name, value in child.items():
                    rates.setdefault(label, {}).setdefault(name, []).append(
                        value if name.endswith("_core") else mib / value)
    lines = [f"Before and after, {mib} MiB, alternating child processes, {repeat} runs (`--compare {revision}`): "
             "file→file in MiB/s, median (lowest–highest); seal and open core from memory as the share of bare GCM "
             "in the same child (a stream, as above; median of 5 in each child, then the median of the children):",
             "", "| sealing/ as of | seal file→file | open file→file | seal core / GCM | open core / GCM |",
             "|---|---|---|---|---|"]
    for label, values in rates.items():
        lines.append(f"| {label} | {cell(sorted(values['seal']))} | {cell(sorted(values['open']))} "
                     f"| {statistics.median(values['seal_core']):.0%} | {statistics.median(values['open_core']):.0%} |")
    return "\n".join(lines) + "\n"


def openssl_speed() -> float | None:
    try:
        result = subprocess.run(["openssl", "speed", "-evp", "aes-256-gcm", "-bytes", str(MIB), "-seconds", "2"],
                                capture_output=True, text=True, timeout=60)
    except (OSError, subprocess.TimeoutExpired):
        return None
    match = re.search(r"^AES-256-GCM\s+([\d.]+)k", result.stdout, re.MULTILINE)
    return float(match.group(1)) * 1000 / MIB if match else None


def openssl_versions() -> tuple[str, str]:
    """The command-line tool's OpenSSL and the one the `cryptography` package brings."""
    try:
        tool = subprocess.run(["openssl", "version"], capture_output=True, text=True, timeout=10).stdout.split()
    except (OSError, subprocess.TimeoutExpired):
        tool = []
    return " ".join(tool[:2]) or "no openssl tool", " ".join(backend.openssl_version_text().split()[:2])


def run(sizes: list[int], repeat: int) -> list[dict]:
    bidder, opening = keypair_generate("intl"), keypair_generate("intl")
    rows = []
    with tempfile.TemporaryDirectory(prefix="sealing-bench-", dir=os.environ.get("BENCH_TMP", "/var/tmp")) as tmp:
        folder = Path(tmp)
        key_file = folder / "opening.pem"
        key_file.write_bytes(opening.pem(PASSPHRASE))
        interpreter_rss = int(subprocess.run([sys.executable, "-c", BASELINE_CHILD, str(ROOT)], capture_output=True,
                                             text=True, check=True).stdout)
        for mib in sizes:
            data = os.urandom(min(mib, 64) * MIB) * (mib // min(mib, 64))
            document = folder / "document.bin"
            envelope = folder / "bid.sealed"
            opened = folder / "opened"
            document.write_bytes(data)
            times: dict[str, list[float]] = {}
            peak_rss = 0
            # A small envelope takes milliseconds: more repetitions steady its median.
            repeats = repeat if mib >= SMALL_MIB else SMALL_FACTOR * repeat
            envelope_seal(envelope, summary={"price": "1000000.00"}, documents=[("document.bin", data)],
                          signer=bidder, opening_key=opening.public_key)
            envelope_bytes = envelope.read_bytes()
            envelope.unlink()
            for _ in range(repeats):
                # The in-memory columns run first, back to back, once the files of the previous repetition are
                # written back: the kernel's writeback of a GiB of dirty pages takes a core for a while.
                os.sync()
                measured = in_memory(data, envelope_bytes, bidder, opening)
                measured |= {
                    "bare_sha256": seconds_of(bare_sha256, data),
                    "bare_blake3": seconds_of(bare_blake3, data),
                    "gcm_blake3_one_thread": seconds_of(gcm_then_blake3, data),
                    "bare_gcm_file": bare_gcm_file(document, folder / "gcm.bin"),
                    "write_floor": write_floor(data, folder / "floor.bin"),
                    "seal_file": seconds_of(
                        envelope_seal, envelope, summary={"price": "1000000.00"},
                        documents=[("document.bin", document)], signer=bidder, opening_key=opening.public_key),
                    "verify_file": seconds_of(envelope_verify, envelope),
                }
                child = json.loads(subprocess.run(
                    [sys.executable, "-c", OPEN_CHILD, str(ROOT), str(envelope), str(key_file), str(opened)],
                    capture_output=True, text=True, check=True).stdout)
                measured["open_file"] = child["seconds"]
                peak_rss = max(peak_rss, child["peak_rss_kib"])
                if (opened / "documents" / "document.bin").stat().st_size != len(data):
                    raise SystemExit("the opened document has the wrong size")
                shutil.rmtree(opened)
                measured["open_file_warm"] = seconds_of(envelope_open, envelope, key=opening, dest=opened)
                shutil.rmtree(opened)
                envelope.unlink()
                for name, seconds in measured.items():
                    times.setdefault(name, []).append(seconds)
            document.unlink()
            rates = {name: sorted(mib / s for s in values) for name, values in times.items()}
            rows.append({"mib": mib, "repeat": repeats, "rates": rates, "peak_rss_mib": peak_rss / 1024,
                         "interpreter_rss_mib": interpreter_rss / 1024})
    return rows


COLUMNS = [
    ("bare_gcm", "bare AES-256-GCM"),
    ("bare_sha256", "bare SHA-256"),
    ("bare_blake3", "bare BLAKE3"),
    ("gcm_blake3_one_thread", "GCM + BLAKE3, one thread"),
    ("seal_core", "seal core"),
    ("open_core", "open core"),
    ("bare_gcm_file", "bare GCM file→file"),
    ("write_floor", "file write floor"),
    ("seal_file", "seal file→file"),
    ("open_file", "open file→file, fresh process"),
    ("open_file_warm", "open file→file, warm process"),
    ("verify_file", "verify (keyless)"),
]
TARGET = 0.5
SMALL_MIB = 256
# The in-memory columns time this many MiB of envelopes back to back (10 envelopes of 10 MiB, one of 1 GiB).
STREAM_MIB = 100
SMALL_FACTOR = 5


def cell(rates: list[float]) -> str:
    return f"{statistics.median(rates):,.0f} ({rates[0]:,.0f}–{rates[-1]:,.0f})"


def median(row: dict, name: str) -> float:
    return statistics.median(row["rates"][name])


def size_label(row: dict) -> str:
    return f"{row['mib']} MiB" if row["mib"] < 1024 else f"{row['mib'] // 1024} GiB"


def report(rows: list[dict], speed: float | None, folder: str, fixed: dict[str, float]) -> str:
    lines = [
        f"Measured {date.today().isoformat()} on this machine ({os.cpu_count()} CPUs, shared with other jobs), "
        f"`.venv/bin/python bench/sealing_throughput.py`, files in {folder}, envelope format version "
        f"{sealing_envelope.VERSION} (BLAKE3 frame digests). MiB/s of document bytes: median of "
        + ", ".join(f"{row['repeat']} repetitions ({size_label(row)})" for row in rows)
        + " (lowest–highest); every repetition measures every column one after the other, so baseline and "
        "envelope see the same load."
        + (f" `openssl speed -evp aes-256-gcm -bytes 1048576` ({openssl_versions()[0]}, the higher of a "
           f"measurement before and one after the run): {speed:,.0f} MiB/s." if speed else "")
        + f" Bare AES-256-GCM and the envelope's GCM use the `cryptography` package's {openssl_versions()[1]}.",
        "",
        "| size | " + " | ".join(title for _, title in COLUMNS) + " |",
        "|---|" + "---|" * len(COLUMNS),
    ]
    for row in rows:
        lines.append(f"| {size_label(row)} | " + " | ".join(cell(row["rates"][name]) for name, _ in COLUMNS) + " |")
    lines += [
        "",
        "Ratios of the medians. \"/ GCM\" is to bare in-memory AES-256-GCM (the stricter of the two baselines, target "
        f"≥ {TARGET:.0%} for seal and open); \"/ GCM file\" is to bare GCM file→file (the same reads and writes):",
        "",
        "| size | seal core / GCM | open core / GCM | seal file / GCM | open file (fresh / warm) / GCM "
        "| seal file / GCM file | open file (fresh / warm) / GCM file | floor (GCM + BLAKE3, one thread) / GCM "
        "| peak RSS while opening |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for row in rows:
        gcm, gcm_file = median(row, "bare_gcm"), median(row, "bare_gcm_file")
        lines.append(
            f"| {size_label(row)} | {median(row, 'seal_core') / gcm:.0%} | {median(row, 'open_core') / gcm:.0%} "
            f"| {median(row, 'seal_file') / gcm:.0%} "
            f"| {median(row, 'open_file') / gcm:.0%} / {median(row, 'open_file_warm') / gcm:.0%} "
            f"| {median(row, 'seal_file') / gcm_file:.0%} "
            f"| {median(row, 'open_file') / gcm_file:.0%} / {median(row, 'open_file_warm') / gcm_file:.0%} "
            f"| {median(row, 'gcm_blake3_one_thread') / gcm:.0%} | {row['peak_rss_mib']:.0f} MiB "
            f"(interpreter with sealing imported: {row['interpreter_rss_mib']:.0f} MiB) |"
        )
    lines += ["", "Fixed costs of one envelope, milliseconds (median of 50): "
              + "; ".join(f"{name} {ms:.2f}" for name, ms in fixed.items()) + "."]
    lines += ["", *outcome(rows, fixed, speed)]
    return "\n".join(lines) + "\n"


def outcome(rows: list[dict], fixed: dict[str, float], speed: float | None) -> list[str]:
    """What is met and what is not, in words, from this run's figures."""
    lines = []
    for row in rows:
        if speed:
            against = {title: median(row, name) / speed for name, title in COLUMNS
                       if name in ("seal_core", "open_core", "seal_file", "open_file_warm")}
            lines.append(f"- {size_label(row)}, against `openssl speed` ({speed:,.0f} MiB/s): "
                         + ", ".join(f"{title} {value:.0%}" for title, value in against.items()) + ".")
        gcm = median(row, "bare_gcm")
        names = dict(COLUMNS)
        ratios = {names[name]: median(row, name) / gcm
                  for name in ("seal_core", "open_core", "seal_file", "open_file", "open_file_warm")}
        met = [f"{name} {value:.0%}" for name, value in ratios.items() if value >= TARGET]
        missed = [f"{name} {value:.0%}" for name, value in ratios.items() if value < TARGET]
        line = f"- {size_label(row)}: ≥ {TARGET:.0%} of bare GCM: " + (", ".join(met) or "none")
        line += "; below: " + (", ".join(missed) or "none") + "."
        if row["mib"] <= 64:
            envelope_ms = row["mib"] / median(row, "seal_core") * 1000
            floor_ms = row["mib"] / median(row, "gcm_blake3_one_thread") * 1000
            sign_ms = fixed["ECDSA sign (seal)"]
            line += (f" A seal core of {row['mib']} MiB takes {envelope_ms:.2f} ms against "
                     f"{row['mib'] / gcm * 1000:.2f} ms for bare GCM of the same bytes (which fit in the 32 MiB "
                     f"L3 cache here); GCM + BLAKE3 of them on one thread take {floor_ms:.2f} ms, so two lanes "
                     f"need at least {floor_ms / 2:.2f} ms, and the ECDSA signature adds {sign_ms:.2f} ms. Sealing a "
                     f"whole envelope adds two ECDH wraps, {2 * fixed['ECDH P-256 wrap (two per seal)']:.2f} ms.")
        lines.append(line)
    peak = max((row["peak_rss_mib"] for row in rows), default=0)
    lines.append(f"- Peak RSS while opening: {peak:.0f} MiB, " + ("within" if peak * 1.048576 < 150 else "over")
                 + " the 150 MB target.")
    return ["Outcome of this run:", "", *lines]


def results_write(text: str, notes: str) -> None:
    path = ROOT / "bench" / "RESULTS.md"
    current = path.read_text(encoding="utf-8") if path.exists() else "# Benchmark results\n"
    section = "## Sealing\n\n" + text + notes
    pattern = re.compile(r"^## Sealing\n.*?(?=^## |\Z)", re.MULTILINE | re.DOTALL)
    updated = (pattern.sub(lambda _: section + "\n", current) if pattern.search(current)
               else current.rstrip() + "\n\n" + section)
    path.write_text(updated, encoding="utf-8")


NOTES = """
What the columns mean and what limits the ratios (the issue's target: seal and open ≥ 50% of bare
AES-256-GCM from OpenSSL in the same run; peak memory while opening 1 GiB < 150 MB). The
"Outcome of this run" lines above are written by the benchmark from the figures of the run.

- Two OpenSSL baselines, both measured in the run. "Bare AES-256-GCM" is the GCM the envelope
  itself uses, the OpenSSL 4 that the `cryptography` package bundles, with its VAES/AVX-512 code:
  about 14 GB/s here. `openssl speed` is the machine's OpenSSL command-line tool (OpenSSL 3.0),
  about 4.5 GB/s. The issue's own calibration, "pycryptodome's GCM runs at about 15% of
  OpenSSL's", fits the second: pycryptodome's GCM runs at about 600 MiB/s here, 13% of
  `openssl speed` and 4% of the bundled OpenSSL. The ratio tables use the stricter first one;
  the outcome lines give both.
- Seal core and open core are throughputs: a stream of envelopes back to back (10 of 10 MiB, or
  one of 1 GiB), total bytes over total time, as a server takes them in the deadline rush; bare
  GCM is timed the same way before and after them, and the faster of its two runs is the
  baseline. The in-memory columns run first in each repetition, after `os.sync()`, so that the
  kernel's writeback of the previous repetition's files does not take a core from them.

- Format version 2 needs, per byte, one GCM pass and one BLAKE3 pass over the ciphertext (the
  frame digests the bidder's signature covers); nothing else. "GCM + BLAKE3, one thread" is that
  work back to back on one core, with no files and no copies: the one-core floor. On one core
  BLAKE3 runs at about half the speed of VAES GCM, so one core can only reach about a third of
  bare GCM; half of it needs both cores working on frames at once. On two cores the best case is
  about twice the one-thread floor, about 75% of bare GCM at 1 GiB here, with little room for
  anything else: a copy of every byte (memcpy runs at about 23 GB/s here), or another job on one
  of the two cores, takes seal and open under 50%. That is why the figures swing with the load of
  this shared machine, while single-threaded bare GCM barely does.
- Format version 1 hashed frames with SHA-256 (the "bare SHA-256" column, about a ninth of bare
  GCM on one core), which held seal and open to about a fifth of bare GCM. The hash pass itself
  stays, on purpose (docs/crypto.md, "Performance, and why every ciphertext byte is hashed"):
  signing only the GCM tags would let the server accept a damaged envelope it cannot check
  without the key, and GCM does not commit to the plaintext for whoever holds the key.
- Seal core / open core are the library's own pipelines from memory: the document (seal) or the
  envelope (open) are bytes, which the library reads in place, as bare GCM reads its bytes. Each
  frame's GCM (one OpenSSL call, straight into the frame) and BLAKE3 are one job; jobs wait in
  one queue that a kept pool thread and the calling thread both take from, so two frames are
  encrypted and hashed at once; output (discarded here) goes to one more thread in batches. They
  include the ECDSA signature (seal) or its verification (open), both OpenSSL's; the ECDH wraps
  and the unwrap are outside them (see the fixed costs).
- At 10 MiB the stream's mean is what counts, and single envelopes have a long tail: a sleeping
  thread is slow to wake on this virtual machine, and each envelope wakes the pool thread and the
  output thread once, while single-threaded bare GCM wakes nothing. Timed one at a time with the
  median taken, the same 10 MiB seal core is 40-50% of bare GCM here.
- File→file reads the source into buffers and writes the output into new page-cache pages.
  "Bare GCM file→file" is the same reads and writes around GCM alone: the like-for-like baseline
  of the file→file figures. "File write floor" is the write alone. On this virtual machine a
  first touch of fresh memory costs a page fault that the host serves slowly, so the write floor
  and everything that writes files swing from one repetition to the next. The reads and writes
  alone hold file→file far under 50% of in-memory GCM, so file→file is also given against bare
  GCM file→file. Open file→file in a fresh process (the child that measures peak memory) swings
  most: the same child opening the same 1 GiB envelope took from 0.32 s to 2.5 s in three runs
  back to back here; "warm" opens in the benchmark's own process, as a long-running worker does.
- Fixed costs: a seal adds two ECDH wraps and an ECDSA signature, an open an unwrap and an ECDSA
  verification, whatever the size; at 10 MiB they are a visible part of the time (the outcome
  lines say how much). Threads are not started per envelope (the lane and output threads are
  started once per process and kept), and an envelope of one chunk uses none.
- Verify (keyless, the server's check on upload) also computes the whole-file SHA-256 the receipt
  carries, on its own thread, so it is bounded by SHA-256, not by the format; it is not part of
  the target.
- Nothing is fsynced inside the measured loop (the format does not need durability there; the
  server's upload path decides that). Files live in BENCH_TMP (default /var/tmp, ext4, in the
  page cache: 24 GiB RAM).
- Peak memory while opening is the child's VmHWM (ru_maxrss would include the parent's memory,
  which Linux carries over exec): flat in the envelope size.
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="10,1024", help="sizes in MiB, comma-separated")
    parser.add_argument("--repeat", type=int, default=3, help="repetitions per size (median reported)")
    parser.add_argument("--no-write", action="store_true", help="print only; leave bench/RESULTS.md alone")
    parser.add_argument("--compare", metavar="REVISION", help="also time seal/open of sealing/ as of this git revision")
    args = parser.parse_args()
    speed_before = openssl_speed()
    rows = run([int(size) for size in args.sizes.split(",")], args.repeat)
    # The command-line tool is measured before and after the run; the higher figure is the baseline.
    speed = max((figure for figure in (speed_before, openssl_speed()) if figure), default=None)
    bidder, opening = keypair_generate("intl"), keypair_generate("intl")
    text = report(rows, speed, os.environ.get("BENCH_TMP", "/var/tmp"), fixed_costs(bidder, opening))
    if args.compare:
        for size in args.sizes.split(","):
            text += "\n" + compare(args.compare, int(size), args.repeat + 2)
    print(text)
    if not args.no_write:
        results_write(text, NOTES)


if __name__ == "__main__":
    main()
