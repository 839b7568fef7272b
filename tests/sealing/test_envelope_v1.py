"""Envelopes of format version 1 (SHA-256 frame digests, no listed digests) still open and verify."""

import shutil
from decimal import Decimal
from pathlib import Path

import pytest

from sealing import BadSignature, DamagedEnvelope, envelope_open, envelope_verify, private_key_load
from sealing.envelope import VERSION
from tests.sealing.conftest import layout_of

FIXTURES = Path(__file__).parent / "fixtures"
PASSPHRASE = "v1 fixture passphrase"
DOCUMENT = ("version 1 fixture document " * 12).encode()


@pytest.fixture(params=["intl", "gm"])
def v1(request, tmp_path: Path):
    envelope = tmp_path / "v1.sealed"
    shutil.copy(FIXTURES / f"v1-{request.param}.sealed", envelope)
    key = private_key_load((FIXTURES / f"v1-{request.param}-bidder.pem").read_bytes(), PASSPHRASE)
    return envelope, key


def test_a_version_1_envelope_verifies_and_opens(v1, tmp_path):
    envelope, key = v1

    verified = envelope_verify(envelope)
    opened = envelope_open(envelope, key=key, dest=tmp_path / "out")

    assert VERSION == 2
    assert verified.version == opened.info.version == 1
    assert verified.chunk_count == 5 and verified.signer == key.public_key
    assert verified.labels == {"deal_code": "D2026-V1", "section_code": "S001"}
    assert opened.summary.price == Decimal("9876543.21")
    assert opened.summary.project_manager == "王五" and opened.summary.fields == {"质保期": "2年"}
    assert [(d.name, d.size) for d in opened.documents] == [("技术标.txt", len(DOCUMENT)), ("空.txt", 0)]
    assert (tmp_path / "out" / "documents" / "技术标.txt").read_bytes() == DOCUMENT


def test_a_changed_byte_in_a_version_1_envelope_is_detected(v1, tmp_path):
    """Version 1 lists no frame digests: without a key only the signature can tell."""
    envelope, key = v1
    data = bytearray(envelope.read_bytes())
    start, end = layout_of(bytes(data)).frames[2]
    data[(start + end) // 2] ^= 0x01
    envelope.write_bytes(bytes(data))

    with pytest.raises(BadSignature):
        envelope_verify(envelope)
    with pytest.raises(DamagedEnvelope) as caught:
        envelope_open(envelope, key=key, dest=tmp_path / "out")
    assert caught.value.where == "chunk 2"
    assert not (tmp_path / "out").exists()


def test_a_version_1_trailer_cut_short_is_named(v1, tmp_path):
    envelope, key = v1
    envelope.write_bytes(envelope.read_bytes()[:-3])

    with pytest.raises(DamagedEnvelope) as caught:
        envelope_verify(envelope)
    assert caught.value.where == "trailer"
