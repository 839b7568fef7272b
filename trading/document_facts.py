"""What an opened bid document yields for the collusion signals: its SHA-256 and its authoring metadata.

PDF: the document information dictionary (/Author, /Producer, /Creator) read with pypdf. Office Open XML
(.docx/.xlsx/.pptx): docProps/core.xml (dc:creator, cp:lastModifiedBy) and docProps/app.xml (Company,
Application), read with the standard library. Anything else, or a file that does not parse, yields its hash only:
a malformed document is the bidder's business, never a reason to fail the opening.
"""

import hashlib
import logging
import zipfile
from pathlib import Path

from defusedxml import ElementTree

logger = logging.getLogger(__name__)

FIELD_MAX = 200
_OOXML = {".docx", ".xlsx", ".pptx", ".docm", ".xlsm"}
_NS = {
    "dc": "http://purl.org/dc/elements/1.1/",
    "cp": "http://schemas.openxmlformats.org/package/2006/metadata/core-properties",
    "ep": "http://schemas.openxmlformats.org/officeDocument/2006/extended-properties",
}


def _clean(value) -> str:
    return " ".join(str(value or "").split())[:FIELD_MAX]


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _pdf(path: Path) -> dict:
    from pypdf import PdfReader

    info = PdfReader(path).metadata or {}
    return {"author": _clean(info.get("/Author")), "producer": _clean(info.get("/Producer") or info.get("/Creator"))}


def _ooxml(path: Path) -> dict:
    facts = {}
    with zipfile.ZipFile(path) as archive:
        names = set(archive.namelist())
        if "docProps/core.xml" in names:
            core = ElementTree.fromstring(archive.read("docProps/core.xml"))
            facts["author"] = _clean(core.findtext("dc:creator", "", _NS))
            facts["last_modified_by"] = _clean(core.findtext("cp:lastModifiedBy", "", _NS))
        if "docProps/app.xml" in names:
            app = ElementTree.fromstring(archive.read("docProps/app.xml"))
            facts["company"] = _clean(app.findtext("ep:Company", "", _NS))
            facts["producer"] = _clean(app.findtext("ep:Application", "", _NS))
    return facts


def document_facts(path: Path) -> dict:
    """``{"sha256", "size", "author", "last_modified_by", "company", "producer"}`` of one file (empty strings when
    the format carries no such field)."""
    facts = {"sha256": _sha256(path), "size": path.stat().st_size, "author": "", "last_modified_by": "",
             "company": "", "producer": ""}
    suffix = path.suffix.lower()
    try:
        if suffix == ".pdf":
            facts.update(_pdf(path))
        elif suffix in _OOXML:
            facts.update(_ooxml(path))
    except Exception:  # noqa: BLE001 - any malformed file: keep its hash, log, go on with the opening
        logger.info("no authoring metadata read from %s", path.name, exc_info=True)
    return facts
