"""Where an envelope's bytes and its content come from and go to.

Sources: an envelope given as a file name, a stream or bytes (_opened, _MemoryStream:
bytes are read in place), and the content to seal (_Plaintext: the manifest, then each
document from its file, stream or bytes). Sinks: the opened content written into a folder
(_Content). Files appear only once complete: they are written under a hidden name beside
their destination and renamed into place (_file_in_place, _folder_in_place).
"""

import io
import json
import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import BinaryIO

from sealing.envelope.layout import MAX_MANIFEST_SIZE, OpenedDocument, _damaged
from sealing.envelope.pipeline import _Ring
from sealing.errors import InvalidInput, NotAnEnvelope
from sealing.summary import OpeningSummary, document_name_check

# A document to seal: a file name, the document's bytes (encrypted where they are), or a binary stream.
DocumentSource = Path | str | bytes | BinaryIO
# An envelope to read: a file name, a binary stream, or the envelope's bytes (read where they are, not copied).
EnvelopeSource = Path | str | BinaryIO | bytes


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
