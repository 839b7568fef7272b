"""Read a PDF the way a person and a machine do: Poppler's pdffonts, pdftoppm and pdftotext (Debian poppler-utils,
installed by ``make pdftools``).

``pdf_read(data, name=...)`` renders every page to PNG under ``var/test-pdf/<name>/`` (look at them), fails unless
every font is embedded and there is at least one page, and returns the text laid out as on the page.
``assert_whole(text, figures)`` fails on a figure that does not appear whole on one line. Every PDF read so is also
checked for the platform's signature (``assert_signed``): pyHanko's validator and Poppler's ``pdfsig`` must both find
it intact, over the whole file, by the platform's certificate.
"""

import re
import subprocess
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings


@dataclass
class ReadPdf:
    text: str  # pdftotext -layout
    fonts: list[dict[str, str]]  # pdffonts rows
    pages: list[Path]  # one PNG a page

    @property
    def lines(self) -> list[str]:
        return self.text.splitlines()


def _folder(name: str) -> Path:
    folder = Path(settings.BASE_DIR) / "var" / "test-pdf" / name  # the checkout's var/, whatever a test set
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def pdfsig(data: bytes, *, name: str, check: bool = True) -> str:
    """What Poppler's ``pdfsig`` says of ``data``'s signatures (``check``: fail unless it ran cleanly)."""
    path = _folder(name) / "signed.pdf"
    path.write_bytes(data)
    result = subprocess.run(["pdfsig", str(path)], capture_output=True, text=True)
    # pdfsig exits 2 when it cannot check the issuer (the platform CA is not in its NSS store): not a failure here
    assert not check or result.returncode in (0, 2), result.stdout + result.stderr
    return result.stdout + result.stderr


def assert_signed(data: bytes, *, name: str) -> None:
    """The platform's PAdES signature is there, intact, over the whole file, in pyHanko's and in Poppler's eyes."""
    from core.pdf_signing import SIGNER_NAME, document_verify

    verdict = document_verify(data)
    assert verdict.valid, f"the PDF's platform signature does not verify: {verdict}"
    report = pdfsig(data, name=name)
    assert "Signature is Valid" in report and "Total document signed" in report, report
    assert SIGNER_NAME in report, report


def pdf_read(data: bytes, *, name: str, signed: bool = True) -> ReadPdf:
    folder = _folder(name)
    for old in folder.glob("*"):
        old.unlink()
    if signed:
        assert_signed(data, name=name)
    path = folder / "document.pdf"
    path.write_bytes(data)
    out = subprocess.run(["pdffonts", str(path)], check=True, capture_output=True, text=True).stdout.splitlines()
    # name, type (may hold spaces), encoding, emb, sub, uni, object, ID: read the flags from the right
    fonts = []
    for line in out[2:]:
        parts = line.split()
        fonts.append({"name": parts[0], "emb": parts[-5], "sub": parts[-4], "uni": parts[-3]})
    subprocess.run(["pdftoppm", "-r", "60", "-png", str(path), str(folder / "page")], check=True)
    text = subprocess.run(["pdftotext", "-layout", str(path), "-"], check=True, capture_output=True,
                          text=True).stdout
    read = ReadPdf(text=text, fonts=fonts, pages=sorted(folder.glob("page-*.png")))
    assert read.pages, "the PDF has no page"
    assert fonts, "the PDF names no font"
    for font in fonts:
        assert font["emb"] == "yes", f"font {font['name']} is not embedded"
        assert font["uni"] == "yes", f"font {font['name']} has no ToUnicode map: its text cannot be extracted"
    return read


def assert_whole(read: ReadPdf, figures) -> None:
    """Every figure appears whole on one line of the laid-out text (not "1,330,602,881.7" / "7")."""
    for figure in figures:
        assert any(figure in line for line in read.lines), f"{figure!r} is not whole on any line:\n{read.text}"


MONEY = re.compile(r"\d{1,3}(?:,\d{3})+\.\d{2}|\d{1,3}\.\d{2}")


def money_figures(read: ReadPdf) -> list[str]:
    return MONEY.findall(read.text)
