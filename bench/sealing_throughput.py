"""Seal and open throughput of sealed envelopes next to bare AES-256-GCM from OpenSSL.

    .venv/bin/python bench/sealing_throughput.py [--sizes 10,1024] [--no-write]

For each size (MiB) it writes a document of that size in a temporary folder on disk, seals it
into an envelope (intl suite: AES-256-GCM in 1 MiB chunks + SHA-256 frame digests + ECDSA),
then opens it in a child process that reports its own peak RSS. The baseline, measured in the
same run, is bare AES-256-GCM through OpenSSL (the `cryptography` package) over the same
bytes in the same 1 MiB pieces, in memory, without files or hashing; `openssl speed` is shown
too. Figures go to bench/RESULTS.md under "## Sealing".
"""

import argparse
import hashlib
import json
import os
import re
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sealing import envelope_seal, keypair_generate  # noqa: E402

MIB = 1 << 20
BLOCK = os.urandom(16 * MIB)

OPEN_CHILD = """
import json, resource, sys, time
sys.path.insert(0, sys.argv[1])
from sealing import envelope_open, private_key_load
key = private_key_load(open(sys.argv[3], "rb").read(), "bench passphrase")
start = time.perf_counter()
envelope_open(sys.argv[2], key=key, dest=sys.argv[4])
seconds = time.perf_counter() - start
print(json.dumps({"seconds": seconds, "peak_rss_kib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss}))
"""

BASELINE_CHILD = """
import resource
print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)
"""


def document_write(path: Path, size: int) -> None:
    with path.open("wb") as out:
        left = size
        while left:
            piece = min(left, len(BLOCK))
            out.write(BLOCK[:piece])
            left -= piece


def bare_gcm(path: Path) -> float:
    """MB/s of AES-256-GCM over the file's bytes in 1 MiB pieces, in memory only (the file is read first)."""
    key = os.urandom(32)
    source = bytearray(MIB)
    out = bytearray(MIB + 15)
    total = 0.0
    size = 0
    with path.open("rb") as stream:
        while True:
            got = stream.readinto(source)
            if not got:
                break
            start = time.perf_counter()
            encryptor = Cipher(algorithms.AES(key), modes.GCM(size.to_bytes(12, "big"))).encryptor()
            encryptor.authenticate_additional_data(b"\0" * 32)
            encryptor.update_into(memoryview(source)[:got], out)
            encryptor.finalize()
            total += time.perf_counter() - start
            size += got
    return size / MIB / total


def bare_sha256(path: Path) -> float:
    """MB/s of SHA-256 (OpenSSL via hashlib) over the same bytes in 1 MiB pieces, in memory."""
    source = bytearray(MIB)
    total = 0.0
    size = 0
    digest = hashlib.sha256()
    with path.open("rb") as stream:
        while got := stream.readinto(source):
            start = time.perf_counter()
            digest.update(memoryview(source)[:got])
            total += time.perf_counter() - start
            size += got
    return size / MIB / total


def openssl_speed() -> float | None:
    try:
        result = subprocess.run(["openssl", "speed", "-evp", "aes-256-gcm", "-bytes", str(MIB), "-seconds", "2"],
                                capture_output=True, text=True, timeout=60)
    except (OSError, subprocess.TimeoutExpired):
        return None
    match = re.search(r"^AES-256-GCM\s+([\d.]+)k", result.stdout, re.MULTILINE)
    return float(match.group(1)) * 1000 / MIB if match else None


def run(sizes: list[int]) -> list[dict]:
    bidder, opening = keypair_generate("intl"), keypair_generate("intl")
    rows = []
    with tempfile.TemporaryDirectory(prefix="sealing-bench-", dir=os.environ.get("BENCH_TMP", "/var/tmp")) as tmp:
        folder = Path(tmp)
        key_file = folder / "opening.pem"
        key_file.write_bytes(opening.pem("bench passphrase"))
        baseline_rss = int(subprocess.run([sys.executable, "-c", BASELINE_CHILD], capture_output=True,
                                          text=True, check=True).stdout)
        for mib in sizes:
            document = folder / "document.bin"
            envelope = folder / "bid.sealed"
            document_write(document, mib * MIB)
            gcm = bare_gcm(document)
            sha = bare_sha256(document)
            start = time.perf_counter()
            envelope_seal(envelope, summary={"price": "1000000.00"}, documents=[("document.bin", document)],
                          signer=bidder, opening_key=opening.public_key)
            seal = mib / (time.perf_counter() - start)
            child = subprocess.run([sys.executable, "-c", OPEN_CHILD, str(ROOT), str(envelope), str(key_file),
                                    str(folder / "opened")], capture_output=True, text=True, check=True)
            opened = json.loads(child.stdout)
            rows.append({
                "mib": mib,
                "bare_gcm": gcm,
                "bare_sha256": sha,
                "seal": seal,
                "open": mib / opened["seconds"],
                "peak_rss_mib": opened["peak_rss_kib"] / 1024,
                "interpreter_rss_mib": baseline_rss / 1024,
            })
            for path in (document, envelope):
                path.unlink()
            subprocess.run(["rm", "-rf", str(folder / "opened")], check=True)
    return rows


def report(rows: list[dict], speed: float | None) -> str:
    lines = [
        f"Measured {date.today().isoformat()} on this machine ({os.cpu_count()} CPUs), "
        "`.venv/bin/python bench/sealing_throughput.py`.",
        "Baseline: bare AES-256-GCM through OpenSSL (`cryptography`, 1 MiB pieces, in memory, no files, "
        "no hashing) over the same bytes in the same run"
        + (f"; `openssl speed -evp aes-256-gcm -bytes 1048576`: {speed:,.0f} MB/s." if speed else "."),
        "",
        "| size | bare AES-256-GCM | bare SHA-256 | seal | seal / bare | open | open / bare "
        "| peak RSS while opening |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for row in rows:
        size = f"{row['mib']} MiB" if row["mib"] < 1024 else f"{row['mib'] // 1024} GiB"
        lines.append(
            f"| {size} | {row['bare_gcm']:,.0f} MB/s | {row['bare_sha256']:,.0f} MB/s "
            f"| {row['seal']:,.0f} MB/s | {row['seal'] / row['bare_gcm']:.0%} "
            f"| {row['open']:,.0f} MB/s | {row['open'] / row['bare_gcm']:.0%} | {row['peak_rss_mib']:.0f} MiB "
            f"(bare interpreter {row['interpreter_rss_mib']:.0f} MiB) |"
        )
    lines += [
        "",
        "Seal and open include reading and writing files on disk, hashing every frame (SHA-256, for the",
        "signature) and the whole file (SHA-256, for the receipt digest); the bare GCM baseline does none",
        "of that. SHA-256 alone (bare SHA-256 column) caps the envelope well below 50% of bare GCM on this",
        "machine, whose VAES GCM is several times faster than its SHA-256; writing and hashing run on a",
        "second thread to overlap with encryption. Peak memory while opening stays flat (chunk buffers",
        "are reused), whatever the envelope size. The machine is shared with other jobs: figures vary.",
    ]
    return "\n".join(lines) + "\n"


def results_write(text: str) -> None:
    path = ROOT / "bench" / "RESULTS.md"
    current = path.read_text(encoding="utf-8") if path.exists() else "# Benchmark results\n"
    section = "## Sealing\n\n" + text
    pattern = re.compile(r"^## Sealing\n.*?(?=^## |\Z)", re.MULTILINE | re.DOTALL)
    updated = pattern.sub(section + "\n", current) if pattern.search(current) else current.rstrip() + "\n\n" + section
    path.write_text(updated, encoding="utf-8")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="10,1024", help="sizes in MiB, comma-separated")
    parser.add_argument("--no-write", action="store_true", help="print only; leave bench/RESULTS.md alone")
    args = parser.parse_args()
    speed = openssl_speed()
    rows = run([int(size) for size in args.sizes.split(",")])
    text = report(rows, speed)
    print(text)
    if not args.no_write:
        results_write(text)


if __name__ == "__main__":
    main()
