"""Seal and open throughput of sealed envelopes next to bare AES-256-GCM from OpenSSL, same bytes, same run.

    .venv/bin/python bench/sealing_throughput.py [--sizes 10,1024] [--repeat 3] [--no-write]

For each size (MiB) a document of random bytes is written into a temporary folder (BENCH_TMP,
default /var/tmp: ext4, everything stays in the page cache on this machine; /dev/shm is tmpfs)
and then, interleaved in every repetition so that all figures see the same machine load:

- bare AES-256-GCM through OpenSSL (`cryptography`), the document's bytes in memory, 1 MiB
  pieces into one preallocated buffer: the baseline of the issue's target;
- bare SHA-256 (OpenSSL via hashlib) of the same bytes, 1 MiB pieces, one thread;
- GCM then SHA-256 of each 1 MiB piece on one thread: the work the format needs per byte
  (encrypt + frame digest) with no parallelism — the one-core floor;
- write floor: the same bytes written from memory into a new file in the folder;
- seal core / open core: sealing's own pipeline (sealing.envelope._frames_seal / _frames_open:
  read, GCM, frame digests on a thread pool) from memory, output discarded;
- seal file→file (document file → envelope file), verify (keyless, as the server does on
  upload: frame digests + whole-file SHA-256 for the receipt) and open file→file (envelope →
  folder, in a child process that reports its own peak RSS).

Figures are MiB/s of document bytes, the median of the repetitions with the range beside it;
`openssl speed` is shown too. They go to bench/RESULTS.md under "## Sealing".
"""

import argparse
import hashlib
import io
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import date
from pathlib import Path

from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sealing import envelope as sealing_envelope  # noqa: E402
from sealing import envelope_seal, envelope_verify, keypair_generate  # noqa: E402
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


def gcm_then_sha256(data: bytes) -> None:
    key = os.urandom(32)
    view = memoryview(data)
    out = bytearray(PIECE + 15)
    body = hashlib.sha256()
    for index, offset in enumerate(range(0, len(data), PIECE)):
        encryptor = Cipher(algorithms.AES(key), modes.GCM(index.to_bytes(12, "big"))).encryptor()
        encryptor.authenticate_additional_data(b"\0" * 32)
        written = encryptor.update_into(view[offset : offset + PIECE], out)
        encryptor.finalize()
        body.update(hashlib.sha256(memoryview(out)[:written]).digest())


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
    reader = sealing_envelope._Reader(io.BytesIO(envelope))
    head = sealing_envelope._head_read(reader)
    content_key = sealing_envelope._content_key(head, key)
    start = time.perf_counter()
    frames, body = sealing_envelope._frames_open(reader, head, content_key, lambda _: None)
    sealing_envelope._signature_check(head, body, frames.signature)
    return time.perf_counter() - start


COMPARE_CHILD = """
import json, shutil, sys, time
sys.path.insert(0, sys.argv[1])
from pathlib import Path
from sealing import envelope_open, envelope_seal, keypair_generate
document, envelope, opened = Path(sys.argv[2]), Path(sys.argv[3]), Path(sys.argv[4])
bidder, opening = keypair_generate("intl"), keypair_generate("intl")
start = time.perf_counter()
envelope_seal(envelope, summary={"price": "1.00"}, documents=[("document.bin", document)], signer=bidder,
              opening_key=opening.public_key)
seal = time.perf_counter() - start
start = time.perf_counter()
envelope_open(envelope, key=opening, dest=opened)
print(json.dumps({"seal": seal, "open": time.perf_counter() - start}))
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
                     str(folder / "opened")], capture_output=True, text=True, check=True).stdout)
                for name, seconds in child.items():
                    rates.setdefault(label, {}).setdefault(name, []).append(mib / seconds)
    lines = [f"Before and after, {mib} MiB file→file, alternating child processes, median (lowest–highest) MiB/s "
             f"of {repeat} runs (`--compare {revision}`):", "", "| sealing/ as of | seal | open |", "|---|---|---|"]
    for label, values in rates.items():
        lines.append(f"| {label} | {cell(sorted(values['seal']))} | {cell(sorted(values['open']))} |")
    return "\n".join(lines) + "\n"


def openssl_speed() -> float | None:
    try:
        result = subprocess.run(["openssl", "speed", "-evp", "aes-256-gcm", "-bytes", str(MIB), "-seconds", "2"],
                                capture_output=True, text=True, timeout=60)
    except (OSError, subprocess.TimeoutExpired):
        return None
    match = re.search(r"^AES-256-GCM\s+([\d.]+)k", result.stdout, re.MULTILINE)
    return float(match.group(1)) * 1000 / MIB if match else None


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
            for _ in range(repeat):
                measured = {
                    "bare_gcm": seconds_of(bare_gcm, data),
                    "bare_sha256": seconds_of(bare_sha256, data),
                    "gcm_sha256_one_thread": seconds_of(gcm_then_sha256, data),
                    "write_floor": write_floor(data, folder / "floor.bin"),
                    "seal_core": seconds_of(seal_core, data, bidder),
                    "seal_file": seconds_of(
                        envelope_seal, envelope, summary={"price": "1000000.00"},
                        documents=[("document.bin", document)], signer=bidder, opening_key=opening.public_key),
                    "verify_file": seconds_of(envelope_verify, envelope),
                }
                measured["open_core"] = open_core(envelope.read_bytes(), opening)
                child = json.loads(subprocess.run(
                    [sys.executable, "-c", OPEN_CHILD, str(ROOT), str(envelope), str(key_file), str(opened)],
                    capture_output=True, text=True, check=True).stdout)
                measured["open_file"] = child["seconds"]
                peak_rss = max(peak_rss, child["peak_rss_kib"])
                if (opened / "documents" / "document.bin").stat().st_size != len(data):
                    raise SystemExit("the opened document has the wrong size")
                shutil.rmtree(opened)
                envelope.unlink()
                for name, seconds in measured.items():
                    times.setdefault(name, []).append(seconds)
            document.unlink()
            rates = {name: sorted(mib / s for s in values) for name, values in times.items()}
            rows.append({"mib": mib, "repeat": repeat, "rates": rates, "peak_rss_mib": peak_rss / 1024,
                         "interpreter_rss_mib": interpreter_rss / 1024})
    return rows


COLUMNS = [
    ("bare_gcm", "bare AES-256-GCM"),
    ("bare_sha256", "bare SHA-256"),
    ("gcm_sha256_one_thread", "GCM + SHA-256, one thread"),
    ("seal_core", "seal core"),
    ("open_core", "open core"),
    ("write_floor", "file write floor"),
    ("seal_file", "seal file→file"),
    ("open_file", "open file→file"),
    ("verify_file", "verify (keyless)"),
]


def cell(rates: list[float]) -> str:
    return f"{statistics.median(rates):,.0f} ({rates[0]:,.0f}–{rates[-1]:,.0f})"


def report(rows: list[dict], speed: float | None, folder: str) -> str:
    lines = [
        f"Measured {date.today().isoformat()} on this machine ({os.cpu_count()} CPUs, shared with other jobs), "
        f"`.venv/bin/python bench/sealing_throughput.py`, files in {folder}. MiB/s of document bytes: median of "
        f"{rows[0]['repeat'] if rows else 0} repetitions (lowest–highest); every repetition measures every column "
        "one after the other, so baseline and envelope see the same load."
        + (f" `openssl speed -evp aes-256-gcm -bytes 1048576`: {speed:,.0f} MiB/s." if speed else ""),
        "",
        "| size | " + " | ".join(title for _, title in COLUMNS) + " |",
        "|---|" + "---|" * len(COLUMNS),
    ]
    for row in rows:
        size = f"{row['mib']} MiB" if row["mib"] < 1024 else f"{row['mib'] // 1024} GiB"
        lines.append(f"| {size} | " + " | ".join(cell(row["rates"][name]) for name, _ in COLUMNS) + " |")
    lines += ["", "| size | seal core / GCM | open core / GCM | seal file / GCM | open file / GCM "
              "| floor (GCM+SHA one thread) / GCM | peak RSS while opening |", "|---|---|---|---|---|---|---|"]
    for row in rows:
        size = f"{row['mib']} MiB" if row["mib"] < 1024 else f"{row['mib'] // 1024} GiB"
        gcm = statistics.median(row["rates"]["bare_gcm"])

        def ratio(name: str, row: dict = row, gcm: float = gcm) -> str:
            return f"{statistics.median(row['rates'][name]) / gcm:.0%}"

        lines.append(
            f"| {size} | {ratio('seal_core')} | {ratio('open_core')} | {ratio('seal_file')} | {ratio('open_file')} "
            f"| {ratio('gcm_sha256_one_thread')} | {row['peak_rss_mib']:.0f} MiB "
            f"(interpreter with sealing imported: {row['interpreter_rss_mib']:.0f} MiB) |"
        )
    return "\n".join(lines) + "\n"


def results_write(text: str, notes: str) -> None:
    path = ROOT / "bench" / "RESULTS.md"
    current = path.read_text(encoding="utf-8") if path.exists() else "# Benchmark results\n"
    section = "## Sealing\n\n" + text + notes
    pattern = re.compile(r"^## Sealing\n.*?(?=^## |\Z)", re.MULTILINE | re.DOTALL)
    updated = (pattern.sub(lambda _: section + "\n", current) if pattern.search(current)
               else current.rstrip() + "\n\n" + section)
    path.write_text(updated, encoding="utf-8")


NOTES = """
What the columns mean and what limits the ratio (the issue's target: seal and open ≥ 50% of bare
AES-256-GCM; peak memory while opening 1 GiB < 150 MB):

- Outcome: the memory target is met; the throughput target is NOT met and cannot be with this
  format on this machine. Even the one-thread floor of the work the format requires (GCM +
  SHA-256, no I/O) is far below 50% of bare GCM; with every core hashing, the best case would be
  about (cores × bare SHA-256) / bare GCM, and this machine has 2 cores shared with other jobs.
- The format needs, per byte, one GCM pass and one SHA-256 pass over the ciphertext (the frame
  digests the bidder's signature covers); nothing else. "GCM + SHA-256, one thread" is that
  work done back to back on one core with no files, no copies and no Python in between: it is
  the ceiling for one core, and on this machine it is already far below 50% of bare GCM,
  because OpenSSL's VAES GCM is several times faster than its SHA-256 (SHA-NI). The ratio
  follows bare SHA-256 / bare GCM, whatever the implementation does around it.
- The SHA-256 pass stays on purpose (docs/crypto.md, "Performance, and why every ciphertext byte
  is hashed"): signing only the GCM tags would let the server accept a damaged envelope it cannot
  check without the key, and GCM does not commit to the plaintext for whoever holds the key.
- Seal core / open core are the library's own pipelines from memory: reading, GCM on the calling
  thread, frame digests on one thread per core, output on one more, through a ring of reused
  1 MiB buffers. With idle cores the digests of several frames run at once; on this 2-CPU machine,
  shared with other jobs running tests, they mostly compete for the same two cores, so the cores
  sit near the one-thread ceiling. Ten 1 MiB chunks (10 MiB) leave little to overlap, and the
  fixed costs (ECDSA, thread start, first touch of buffers) weigh more.
- File→file adds reading the source (page cache, cheap) and writing the output into new
  page-cache pages. "File write floor" is writing the same bytes from memory into a new file in
  the same folder: on this virtual machine a first touch of fresh memory costs a page fault that
  the host serves slowly, so the floor swings from a few hundred MiB/s to several GiB/s from one
  repetition to the next, and file→file with it. Open file→file runs in a fresh child process
  (to measure its memory), which also pays the first touch of its own buffers.
- Nothing is fsynced inside the measured loop (the format does not need durability there; the
  server's upload path decides that). Files live in BENCH_TMP (default /var/tmp, ext4, in the
  page cache: 24 GiB RAM); /dev/shm (tmpfs) was no faster here, its page allocation costs the same.
- Verify (keyless, the server's check on upload) also computes the whole-file SHA-256 the receipt
  carries, on its own thread: two SHA-256 passes. Seal and open no longer compute a whole-file
  digest; before 2026-11-22 (d64f157) they did, on top of the frame digests, with hashing and
  writing on one shared thread. The "before and after" table times both in the same run (the
  figures recorded then, seal 142–188 MB/s and open 111–237 MB/s, were depressed by the first
  touch of fresh memory described above).
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
    speed = openssl_speed()
    rows = run([int(size) for size in args.sizes.split(",")], args.repeat)
    text = report(rows, speed, os.environ.get("BENCH_TMP", "/var/tmp"))
    if args.compare:
        text += "\n" + compare(args.compare, max(int(size) for size in args.sizes.split(",")), args.repeat + 2)
    print(text)
    if not args.no_write:
        results_write(text, NOTES)


if __name__ == "__main__":
    main()
