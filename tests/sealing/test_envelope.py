"""Envelopes: round trips in both suites, and every kind of damage is detected and named."""

import io
import zipfile
from decimal import Decimal
from pathlib import Path

import pytest

from sealing import (
    BadSignature,
    DamagedEnvelope,
    EnvelopeError,
    InvalidInput,
    NotAnEnvelope,
    WrongKey,
    envelope_inspect,
    envelope_open,
    envelope_seal,
    envelope_verify,
)
from tests.sealing.conftest import SUMMARY, layout_of


def _flip(path: Path, offset: int) -> None:
    data = bytearray(path.read_bytes())
    data[offset] ^= 0x01
    path.write_bytes(bytes(data))


def _leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.startswith(".") or p.name == "out")


def _open_fails(path: Path, key, error=EnvelopeError) -> EnvelopeError:
    with pytest.raises(error) as caught:
        envelope_open(path, key=key, dest=path.parent / "out")
    assert not (path.parent / "out").exists()
    assert _leftovers(path.parent) == []
    return caught.value


def test_round_trip_with_either_key(sealed: Path, keys, tmp_path):
    for holder in ("bidder", "opening"):
        opened = envelope_open(sealed, key=keys[holder], dest=tmp_path / holder)

        assert opened.summary.price == Decimal("12345678.90")
        assert opened.summary.to_dict() == SUMMARY
        assert [(d.name, d.size) for d in opened.documents] == [("技术标.pdf", 184), ("商务标.txt", 15)]
        assert (tmp_path / holder / "documents" / "技术标.pdf").read_bytes() == b"%PDF-1.7 technical bid " * 8
        assert (tmp_path / holder / "documents" / "商务标.txt").read_text() == "商务标内容"
        assert opened.info.signer == keys["bidder"].public_key
        assert opened.info.labels == {"deal_code": "D2025-001", "section_code": "S001"}
        assert opened.info.chunk_count == len(layout_of(sealed.read_bytes()).frames) > 3


def test_the_price_is_not_in_the_envelope_bytes(sealed: Path):
    data = sealed.read_bytes()

    assert b"12345678.90" not in data
    assert "李四".encode() not in data
    assert b"%PDF" not in data


def test_verify_and_inspect_need_no_key(sealed: Path, keys):
    info = envelope_verify(sealed)
    header = envelope_inspect(sealed)

    assert info.signer_fingerprint == keys["bidder"].public_key.fingerprint
    assert [(r.role, r.key_id) for r in info.recipients] == [
        ("bidder", keys["bidder"].public_key.fingerprint),
        ("opening", keys["opening"].public_key.fingerprint),
    ]
    assert info.size == sealed.stat().st_size
    assert header.chunk_count is None and header.suite == info.suite


def test_every_final_chunk_length_round_trips(tmp_path, intl_keys):
    """Document sizes 0..99 put the content's end at every offset of a 64-byte chunk, exact multiples included."""
    final_lengths = set()
    for size in range(100):
        path = tmp_path / f"e{size}"
        envelope_seal(
            path,
            summary={"price": "1"},
            documents=[("a.bin", bytes(size))] if size else [],
            signer=intl_keys["bidder"],
            opening_key=intl_keys["opening"].public_key,
            chunk_size=64,
        )
        opened = envelope_open(path, key=intl_keys["opening"], dest=tmp_path / f"o{size}")
        assert [d.size for d in opened.documents] == ([size] if size else [])
        assert (tmp_path / f"o{size}" / "documents" / "a.bin").read_bytes() == bytes(size) if size else True
        start, end = layout_of(path.read_bytes()).frames[-1]
        final_lengths.add(end - start - 8 - 16)
    assert final_lengths == set(range(1, 65))


REGIONS = [
    ("preamble version", lambda lay: lay.preamble[0] + 8, DamagedEnvelope, "preamble"),
    ("preamble suite", lambda lay: lay.preamble[0] + 9, DamagedEnvelope, "preamble"),
    ("header start", lambda lay: lay.header[0], DamagedEnvelope, "header"),
    ("header middle", lambda lay: (lay.header[0] + lay.header[1]) // 2, DamagedEnvelope, "header"),
    ("header digest", lambda lay: lay.header_digest[0] + 5, DamagedEnvelope, "header"),
    ("bidder block role", lambda lay: lay.blocks[0][0], DamagedEnvelope, "recipient block 1 (bidder)"),
    ("bidder block key", lambda lay: lay.blocks[0][1] - 3, DamagedEnvelope, "recipient block 1 (bidder)"),
    ("opening block", lambda lay: lay.blocks[1][0] + 40, DamagedEnvelope, "recipient block 2 (opening)"),
    ("opening block tail", lambda lay: lay.blocks[1][1] - 1, DamagedEnvelope, "recipient block 2 (opening)"),
    ("digest count", lambda lay: lay.trailer[0] + 3, DamagedEnvelope, "trailer"),
    ("first listed digest", lambda lay: lay.digests[0] + 10, DamagedEnvelope, "trailer"),
    ("last listed digest", lambda lay: lay.digests[1] - 1, DamagedEnvelope, "trailer"),
    ("signature", lambda lay: lay.signature[0] + 10, BadSignature, "signature"),
    ("signature end", lambda lay: lay.signature[1] - 1, BadSignature, "signature"),
    ("signature length", lambda lay: lay.signature[0] - 1, DamagedEnvelope, "trailer"),
]


@pytest.mark.parametrize(("name", "offset", "error", "where"), REGIONS, ids=[r[0] for r in REGIONS])
def test_a_changed_byte_is_named(sealed: Path, keys, name, offset, error, where):
    _flip(sealed, offset(layout_of(sealed.read_bytes())))

    opened = _open_fails(sealed, keys["bidder"], error)
    with pytest.raises(error) as verified:
        envelope_verify(sealed)

    assert opened.where == verified.value.where == where
    assert where.split(" (")[0] in str(opened) or error is BadSignature


@pytest.mark.parametrize("part", ["frame index", "frame length", "ciphertext", "tag"])
def test_a_changed_byte_in_each_chunk_is_named(sealed: Path, keys, part):
    original = sealed.read_bytes()
    frames = layout_of(original).frames
    for index, (start, end) in enumerate(frames):
        offset = {"frame index": start + 3, "frame length": start + 7, "ciphertext": start + 9, "tag": end - 1}[part]
        sealed.write_bytes(original)
        _flip(sealed, offset)

        error = _open_fails(sealed, keys["opening"], DamagedEnvelope)
        with pytest.raises(DamagedEnvelope) as verified:
            envelope_verify(sealed)

        assert error.where == verified.value.where == f"chunk {index}", str(error)
        assert f"chunk {index}" in str(error) and f"chunk {index}" in str(verified.value)


def test_verify_without_a_key_names_the_changed_chunk(sealed: Path):
    """The trailer lists every frame digest under the signature, so the server names the chunk a byte changed in."""
    original = sealed.read_bytes()
    for index, (start, end) in enumerate(layout_of(original).frames):
        sealed.write_bytes(original)
        _flip(sealed, (start + 8 + end) // 2)

        with pytest.raises(DamagedEnvelope) as caught:
            envelope_verify(sealed)

        assert caught.value.where == f"chunk {index}"
        assert "does not match the digest the signed trailer lists" in str(caught.value)


@pytest.mark.parametrize("change", [1, -1, 1 << 20])
def test_a_wrong_digest_count_names_the_trailer(sealed: Path, keys, change):
    data = bytearray(sealed.read_bytes())
    lay = layout_of(bytes(data))
    count = len(lay.frames)
    data[lay.trailer[0] : lay.trailer[0] + 4] = (count + change).to_bytes(4, "big")
    sealed.write_bytes(bytes(data))

    error = _open_fails(sealed, keys["bidder"], DamagedEnvelope)
    with pytest.raises(DamagedEnvelope) as verified:
        envelope_verify(sealed)

    assert error.where == verified.value.where == "trailer"
    assert f"lists {count + change} frame digests for an envelope of {count} chunks" in str(error)


def test_a_changed_listed_digest_names_the_trailer_and_the_chunk_it_lists(sealed: Path, keys):
    original = sealed.read_bytes()
    lay = layout_of(original)
    for index in range(len(lay.frames)):
        sealed.write_bytes(original)
        _flip(sealed, lay.digests[0] + 32 * index + 31)

        error = _open_fails(sealed, keys["opening"], DamagedEnvelope)
        with pytest.raises(DamagedEnvelope) as verified:
            envelope_verify(sealed)

        assert error.where == verified.value.where == "trailer"
        assert f"the frame digest it lists for chunk {index} was changed" in str(verified.value)


def test_a_changed_chunk_with_its_listed_digest_changed_too_fails_the_signature(sealed: Path, keys):
    """Rewriting a chunk and its digest in the list is what only the signer can do."""
    import blake3

    from sealing.envelope import envelope_inspect as inspect

    data = bytearray(sealed.read_bytes())
    lay = layout_of(bytes(data))
    start, end = lay.frames[1]
    data[start + 9] ^= 0x01
    if inspect(sealed).suite == "intl":
        digest = blake3.blake3(bytes(data[start:end])).digest()
    else:
        from cryptography.hazmat.primitives import hashes

        hasher = hashes.Hash(hashes.SM3())
        hasher.update(bytes(data[start:end]))
        digest = hasher.finalize()
    data[lay.digests[0] + 32 : lay.digests[0] + 64] = digest
    sealed.write_bytes(bytes(data))

    with pytest.raises(BadSignature):
        envelope_verify(sealed)
    assert _open_fails(sealed, keys["opening"], DamagedEnvelope).where == "chunk 1"


def test_every_single_byte_change_is_detected(tmp_path, intl_keys):
    path = tmp_path / "small"
    envelope_seal(path, summary={"price": "5.00"}, signer=intl_keys["bidder"],
                  opening_key=intl_keys["opening"].public_key, chunk_size=16)
    original = path.read_bytes()
    for offset in range(len(original)):
        data = bytearray(original)
        data[offset] ^= 0x80
        path.write_bytes(bytes(data))
        with pytest.raises(EnvelopeError):
            envelope_verify(path)
        with pytest.raises(EnvelopeError):
            envelope_open(path, key=intl_keys["bidder"], dest=tmp_path / "out")
        assert not (tmp_path / "out").exists()
    assert _leftovers(tmp_path) == []


def _rewrite_frames(path: Path, change) -> None:
    data = path.read_bytes()
    lay = layout_of(data)
    frames = [data[start:end] for start, end in lay.frames]
    path.write_bytes(data[: lay.frames[0][0]] + b"".join(change(frames)) + data[lay.trailer[0] :])


@pytest.mark.parametrize(
    ("change", "where", "words"),
    [
        (lambda f: f[:2] + f[3:], "chunk 2", "chunk 2 is missing and chunk 3 is in its place"),
        (lambda f: f[:1] + [f[2], f[1]] + f[3:], "chunk 1", "chunk 1 is missing and chunk 2 is in its place"),
        (lambda f: f[:2] + [f[1]] + f[2:], "chunk 2", "chunk 1 appears again"),
        (lambda f: f + [f[0]], "chunk 0", "chunk 0 appears again after the final chunk"),
        (lambda f: f[:-1], "chunk {last}", "the bytes in its place are not a chunk"),
    ],
    ids=["dropped", "reordered", "duplicated", "duplicated after final", "final dropped"],
)
def test_dropped_reordered_duplicated_truncated_chunks_are_named(sealed: Path, keys, change, where, words):
    last = len(layout_of(sealed.read_bytes()).frames) - 1
    _rewrite_frames(sealed, change)

    error = _open_fails(sealed, keys["bidder"], DamagedEnvelope)

    assert error.where == where.format(last=last)
    assert words in str(error)


@pytest.mark.parametrize("cut", ["before the final chunk", "inside the final chunk", "inside a chunk header"])
def test_a_truncated_envelope_is_named(sealed: Path, keys, cut):
    data = sealed.read_bytes()
    frames = layout_of(data).frames
    last = len(frames) - 1
    end = {"before the final chunk": frames[-1][0], "inside the final chunk": frames[-1][1] - 5,
           "inside a chunk header": frames[-1][0] + 3}[cut]
    sealed.write_bytes(data[:end])

    error = _open_fails(sealed, keys["bidder"], DamagedEnvelope)

    assert error.where == f"chunk {last}"
    assert "truncated" in str(error)
    if cut == "before the final chunk":
        assert f"after {last} of its {last + 1} chunks" in str(error)


def test_a_chunk_from_another_envelope_is_refused(tmp_path, intl_keys):
    paths = []
    for name in ("mine", "other"):
        path = tmp_path / name
        envelope_seal(path, summary={"price": "1.00"}, documents=[("x", bytes(500))], signer=intl_keys["bidder"],
                      opening_key=intl_keys["opening"].public_key, chunk_size=64)
        paths.append(path)
    mine, other = paths
    start, end = layout_of(other.read_bytes()).frames[1]
    foreign_frame = other.read_bytes()[start:end]
    _rewrite_frames(mine, lambda f: f[:1] + [foreign_frame] + f[2:])
    other.unlink()

    assert _open_fails(mine, intl_keys["bidder"], DamagedEnvelope).where == "chunk 1"


def test_cut_after_the_final_chunk_names_the_trailer(sealed: Path, keys):
    data = sealed.read_bytes()
    sealed.write_bytes(data[:-10])

    assert _open_fails(sealed, keys["bidder"], DamagedEnvelope).where == "trailer"
    sealed.write_bytes(data + b"x")
    assert _open_fails(sealed, keys["bidder"], DamagedEnvelope).where == "trailer"


def test_a_key_the_envelope_is_not_sealed_to_is_refused(sealed: Path, keys, intl_keys, gm_keys):
    error = _open_fails(sealed, keys["other"], WrongKey)
    assert keys["other"].public_key.fingerprint[:16] in str(error)
    assert "bidder" in str(error) and "opening" in str(error)

    foreign_suite = gm_keys if keys is intl_keys else intl_keys
    assert "suite" in str(_open_fails(sealed, foreign_suite["bidder"], WrongKey))


def test_a_resigned_envelope_is_refused(sealed: Path, keys):
    """Someone who re-signs a changed envelope with another key changes the header's signer."""
    data = bytearray(sealed.read_bytes())
    lay = layout_of(bytes(data))
    data[lay.signature[0] : lay.signature[1]] = bytes(64)
    sealed.write_bytes(bytes(data))

    assert _open_fails(sealed, keys["opening"], BadSignature).where == "signature"


def _pdf() -> bytes:
    return b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def _zip() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("bid.docx", "price 100")
    return buffer.getvalue()


@pytest.mark.parametrize(("content", "kind"), [(_pdf(), "a PDF document"), (_zip(), "a zip archive"),
                                              (b"just text", "not a sealed bid envelope"), (b"", "an empty file")])
def test_a_plain_file_is_reported_as_not_encrypted(tmp_path, intl_keys, content, kind):
    path = tmp_path / "bid.pdf"
    path.write_bytes(content)

    for check in (envelope_verify, envelope_inspect):
        with pytest.raises(NotAnEnvelope) as caught:
            check(path)
        assert kind in str(caught.value)
        assert "NOT encrypted" in str(caught.value)
    assert "NOT encrypted" in str(_open_fails(path, intl_keys["bidder"], NotAnEnvelope))


def test_sealing_refuses_bad_input(tmp_path, intl_keys, gm_keys):
    def seal(**overrides):
        arguments = dict(summary={"price": "1.00"}, signer=intl_keys["bidder"],
                         opening_key=intl_keys["opening"].public_key)
        arguments.update(overrides)
        envelope_seal(tmp_path / "x", **arguments)

    cases = [
        (dict(summary={"price": 1.5}), "decimal string"),
        (dict(summary={"price": "1.234"}), "at most two decimals"),
        (dict(summary={"duration": "30"}), "price"),
        (dict(documents=[("../etc/passwd", b"x")]), "plain file name"),
        (dict(documents=[("a.pdf", b"x"), ("A.pdf", b"y")]), "two documents"),
        (dict(opening_key=gm_keys["opening"].public_key), "same suite"),
        (dict(documents=[("a.pdf", tmp_path / "missing.pdf")]), "does not exist"),
    ]
    for overrides, words in cases:
        with pytest.raises(InvalidInput) as caught:
            seal(**overrides)
        assert words in str(caught.value)
    assert list(tmp_path.iterdir()) == []
