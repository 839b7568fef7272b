import json
import struct
from dataclasses import dataclass
from pathlib import Path

import pytest

from sealing import keypair_generate


@dataclass
class Layout:
    """Where each part of an envelope file lies: (start, end) byte offsets."""

    preamble: tuple[int, int]
    header: tuple[int, int]
    header_digest: tuple[int, int]
    blocks: list[tuple[int, int]]
    frames: list[tuple[int, int]]
    trailer: tuple[int, int]
    digests: tuple[int, int]
    """The frame digests the trailer lists (format version 2; empty in version 1)."""
    signature: tuple[int, int]


def layout_of(data: bytes) -> Layout:
    header_size = struct.unpack(">I", data[12:16])[0]
    header = json.loads(data[16 : 16 + header_size])
    offset = 16 + header_size + 32
    blocks = []
    for _ in header["recipients"]:
        size = 1 + 32 + 2 + int.from_bytes(data[offset + 33 : offset + 35], "big")
        blocks.append((offset, offset + size))
        offset += size
    frames = []
    while True:
        _, length_field = struct.unpack(">II", data[offset : offset + 8])
        size = 8 + (length_field & 0x7FFFFFFF) + 16
        frames.append((offset, offset + size))
        offset += size
        if length_field & 0x80000000:
            break
    return Layout(
        preamble=(0, 16),
        header=(16, 16 + header_size),
        header_digest=(16 + header_size, 16 + header_size + 32),
        blocks=blocks,
        frames=frames,
        trailer=(offset, len(data)),
        digests=(offset + 4, offset + 4 + 32 * len(frames)) if data[8] >= 2 else (offset, offset),
        signature=(len(data) - 64, len(data)),
    )


@pytest.fixture(scope="session")
def intl_keys():
    return {"bidder": keypair_generate("intl"), "opening": keypair_generate("intl"), "other": keypair_generate("intl")}


@pytest.fixture(scope="session")
def gm_keys():
    return {"bidder": keypair_generate("gm"), "opening": keypair_generate("gm"), "other": keypair_generate("gm")}


@pytest.fixture(params=["intl", "gm"])
def keys(request, intl_keys, gm_keys):
    return intl_keys if request.param == "intl" else gm_keys


SUMMARY = {
    "price": "12345678.90",
    "duration": "365日历天",
    "quality": "合格",
    "project_manager": "李四",
    "fields": {"安全文明施工费": "120000.00"},
}


@pytest.fixture
def sealed(tmp_path: Path, keys):
    """A small envelope of three 64-byte chunks or more, with two documents."""
    from sealing import envelope_seal

    document = tmp_path / "技术标.pdf"
    document.write_bytes(b"%PDF-1.7 technical bid " * 8)
    path = tmp_path / "bid.sealed"
    envelope_seal(
        path,
        summary=SUMMARY,
        documents=[("技术标.pdf", document), ("商务标.txt", "商务标内容".encode())],
        signer=keys["bidder"],
        opening_key=keys["opening"].public_key,
        labels={"deal_code": "D2025-001", "section_code": "S001"},
        chunk_size=64,
    )
    return path
