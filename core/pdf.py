"""The platform's one way to make a PDF (reportlab): an embedded CJK font, the house styles, tables whose columns
fit their figures, and the formats documents print (money, rates, Beijing time).

A document is a list of flowables handed to ``document_build``::

    from core import pdf

    story = [pdf.title("开标记录"),
             pdf.text(f"项目：{project.title}"),
             pdf.heading("开标一览表"),
             pdf.table([pdf.Column("序号", kind=pdf.FIGURE), pdf.Column("投标人"),
                        pdf.Column("投标报价（元）", kind=pdf.FIGURE)],
                       [[1, "甲建设有限公司", pdf.money(price)]])]
    data = pdf.document_build(story, title="开标记录")

The rules every document keeps:

- **The font is embedded.** The first font found of ``settings.PDF_FONT`` (env ``SUNSHINE_PDF_FONT``, a TrueType
  ``.ttf``/``.ttc``) and WenQuanYi Zen Hei (Debian ``fonts-wqy-zenhei``, installed by ``make fonts``) is registered
  as ``SunshineCJK`` and embedded as subsets. Without either (the embedded default on a bare machine) documents
  fall back to Adobe's ``STSong-Light`` CID font, which reportlab knows without a file: the PDF still opens and
  reads correctly, but the viewer supplies the glyphs; ``font_embedded()`` says which case holds and the system
  check ``core.W001`` warns about the fallback. OpenType fonts with PostScript outlines (Noto CJK, Source Han) are
  not supported by reportlab and are skipped.
- **Nothing splits a figure.** ``text`` and ``table`` break lines only between tokens (``tokens``): a run of Latin
  letters, digits and their punctuation (``1,330,602,881.77``, ``2026-03-01``, ``ZJ-2026-001``) is one token; a
  CJK character is one, with a closing bracket or punctuation mark kept on its line and an opening bracket kept
  with what follows; a short bracketed group (``（元）``) is one. ``table`` sizes each column to fit its widest
  token — a ``FIGURE`` column its whole widest cell — and shrinks the font before it would split one.
- **Figures as people read them.** ``money`` prints yuan with thousands separators and two places, ``wan`` in
  万元, ``percent`` a rate; ``beijing`` prints an aware datetime in Beijing time.
"""

import io
import logging
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal
from functools import cache
from pathlib import Path
from zoneinfo import ZoneInfo

from django.conf import settings
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.platypus import Flowable, KeepTogether, SimpleDocTemplate, Spacer, Table, TableStyle

from .pdf_signing import document_sign

logger = logging.getLogger(__name__)

EMBEDDED_FONT = "SunshineCJK"
FALLBACK_FONT = "STSong-Light"
# TrueType CJK fonts Debian ships, in order of preference (make fonts installs the first).
FONT_FILES = ("/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc", "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
              "/usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf")
BEIJING = ZoneInfo("Asia/Shanghai")
INK = colors.HexColor("#111827")
RULE = colors.HexColor("#9ca3af")
HEADER_FILL = colors.HexColor("#f3f4f6")
TOTAL_FILL = colors.HexColor("#fef3c7")
# The fallback CID font has no glyph for these; the nearest it has.
FALLBACK_GLYPHS = str.maketrans({"\u00b7": "\u30fb", "\u2014": "\u2015"})


def font_files() -> list[str]:
    """The font files to try, in order: ``settings.PDF_FONT``, then Debian's; only those that exist."""
    return [path for path in (getattr(settings, "PDF_FONT", ""), *FONT_FILES) if path and Path(path).is_file()]


@cache
def font_name() -> str:
    """Register the platform's CJK font once and return its name (``SunshineCJK``, or the fallback)."""
    for path in font_files():
        try:
            pdfmetrics.registerFont(TTFont(EMBEDDED_FONT, path, subfontIndex=0))
        except Exception as error:  # a font reportlab cannot embed (e.g. CFF outlines): try the next one
            logger.warning("PDF font %s not usable: %s", path, error)
            continue
        pdfmetrics.registerFontFamily(EMBEDDED_FONT, normal=EMBEDDED_FONT, bold=EMBEDDED_FONT,
                                      italic=EMBEDDED_FONT, boldItalic=EMBEDDED_FONT)
        return EMBEDDED_FONT
    pdfmetrics.registerFont(UnicodeCIDFont(FALLBACK_FONT))
    return FALLBACK_FONT


def font_embedded() -> bool:
    """Whether documents embed their font (a TrueType CJK font was found) or fall back to STSong-Light."""
    return font_name() == EMBEDDED_FONT


def glyphs_missing(value: str) -> set[str]:
    """The characters of ``value`` the embedded font has no glyph for (they would print as empty boxes)."""
    if not font_embedded():
        return set()
    face = pdfmetrics.getFont(EMBEDDED_FONT).face
    return {ch for ch in set(value) if not ch.isspace() and ord(ch) not in face.charToGlyph}


def _glyphs(value: str) -> str:
    return value if font_embedded() else value.translate(FALLBACK_GLYPHS)


# ---------------------------------------------------------------------------------------------------- figures

def _decimal(value) -> Decimal | None:
    if value is None or value == "":
        return None
    return value if isinstance(value, Decimal) else Decimal(str(value))


def money(value, *, places: int = 2, empty: str = "—") -> str:
    """Yuan with thousands separators: ``1,330,602,881.77``; ``empty`` for no value."""
    amount = _decimal(value)
    if amount is None:
        return empty
    return f"{amount.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP):,.{places}f}"


def wan(value, *, places: int = 2, empty: str = "—") -> str:
    """An amount in 万元 (ten thousand yuan), with separators: ``133,060.29``."""
    amount = _decimal(value)
    return empty if amount is None else money(amount / Decimal(10000), places=places)


def percent(value, *, places: int = 2, empty: str = "—") -> str:
    """A rate (0.1234) as a percentage: ``12.34%``."""
    rate = _decimal(value)
    return empty if rate is None else f"{(rate * 100).quantize(Decimal(1).scaleb(-places), ROUND_HALF_UP)}%"


def beijing(value: datetime | date | None, *, seconds: bool = False, empty: str = "") -> str:
    """An aware datetime in Beijing time, ``2026-03-01 09:30`` (with ``:05`` seconds if asked); a date as is."""
    if value is None:
        return empty
    if not isinstance(value, datetime):
        return value.isoformat()
    return value.astimezone(BEIJING).strftime("%Y-%m-%d %H:%M:%S" if seconds else "%Y-%m-%d %H:%M")


# ---------------------------------------------------------------------------------------------------- breaking

CLOSING = "，。、；：！？）》」』”’〕】〉…·%‰,.;:!?)]}"
OPENING = "（《「『“‘〔【〈([{"
BRACKETS = {"（": "）", "(": ")", "《": "》", "【": "】", "〔": "〕"}
SHORT_GROUP = 8  # a bracketed group up to this many characters stays whole: （元）, （万元）, （含税）
# A run of anything but spaces, CJK characters and CJK or typographic punctuation: Latin words, numbers with
# their separators, codes, dates.
_LATIN = re.compile("[^\\s\u2e80-\u9fff\uf900-\ufaff\uff00-\uffef\u3000-\u303f\u00b7\u2010-\u206f]+")


def tokens(value: str) -> list[str]:
    """Split text into the pieces a line may break between (a space is its own piece and vanishes at a break)."""
    out: list[str] = []
    i, n = 0, len(value)
    glue_next = False
    while i < n:
        ch = value[i]
        if ch.isspace():
            out.append(" ")
            glue_next = False
            i += 1
            continue
        if ch in BRACKETS:
            end = value.find(BRACKETS[ch], i + 1)
            if end != -1 and end - i < SHORT_GROUP and not any(c.isspace() for c in value[i:end]):
                piece = value[i:end + 1]
                i = end + 1
                out.append(out.pop() + piece if glue_next and out else piece)
                glue_next = False
                continue
        match = _LATIN.match(value, i)
        piece = match.group() if match else ch
        i += len(piece)
        if glue_next and out or piece[0] in CLOSING and out and out[-1] != " ":
            out[-1] += piece
        else:
            out.append(piece)
        glue_next = piece[-1] in OPENING
    return out


def _width(value: str, font: str, size: float) -> float:
    return pdfmetrics.stringWidth(value, font, size)


def lines(value: str, *, width: float, font: str, size: float, breakable: bool = False) -> list[str]:
    """Break ``value`` into lines no wider than ``width`` (explicit newlines kept); only between tokens unless
    ``breakable`` (hashes, long codes), where any character may start a line."""
    result: list[str] = []
    for paragraph in str(value).split("\n"):
        pieces = list(paragraph) if breakable else tokens(paragraph)
        # a piece wider than the whole line (a hash in running text) is the one thing broken inside
        pieces = [part for piece in pieces
                  for part in (list(piece) if _width(piece, font, size) > width else [piece])]
        line = ""
        for piece in pieces:
            if piece == " " and not line:
                continue
            if line and _width(line + piece, font, size) > width:
                result.append(line.rstrip())
                line = "" if piece == " " else piece
            else:
                line += piece
        result.append(line.rstrip())
    return result


# ---------------------------------------------------------------------------------------------------- text

@dataclass(frozen=True)
class Style:
    size: float
    leading: float
    space_before: float = 0
    space_after: float = 0
    align: str = "left"  # left, center, right
    color: colors.Color = INK


TITLE = Style(size=16, leading=22, space_after=3 * mm, align="center")
HEADING = Style(size=12, leading=17, space_before=4 * mm, space_after=1.5 * mm)
BODY = Style(size=9.5, leading=14)
SMALL = Style(size=8, leading=11, color=colors.HexColor("#4b5563"))


class Text(Flowable):
    """A block of text broken by the platform's rules (never inside a figure), split across pages by line."""

    def __init__(self, value, style: Style = BODY):
        super().__init__()
        self.value = _glyphs(str(value))
        self.style = style
        self.spaceBefore = style.space_before
        self.spaceAfter = style.space_after
        self._lines: list[str] = []

    def wrap(self, availWidth, availHeight):
        self.width = availWidth
        self._lines = lines(self.value, width=availWidth, font=font_name(), size=self.style.size)
        self.height = len(self._lines) * self.style.leading
        return availWidth, self.height

    def split(self, availWidth, availHeight):
        self.wrap(availWidth, availHeight)
        fit = int(availHeight // self.style.leading)
        if fit < 1 or fit >= len(self._lines):
            return []
        return [Text("\n".join(self._lines[:fit]), self.style), Text("\n".join(self._lines[fit:]), self.style)]

    def draw(self):
        canvas = self.canv
        canvas.setFont(font_name(), self.style.size)
        canvas.setFillColor(self.style.color)
        y = self.height - self.style.size
        for line in self._lines:
            if self.style.align == "center":
                canvas.drawCentredString(self.width / 2, y, line)
            elif self.style.align == "right":
                canvas.drawRightString(self.width, y, line)
            else:
                canvas.drawString(0, y, line)
            y -= self.style.leading


def title(value) -> Text:
    return Text(value, TITLE)


def heading(value) -> Text:
    return Text(value, HEADING)


def text(value, style: Style = BODY) -> Text:
    return Text(value, style)


def small(value) -> Text:
    return Text(value, SMALL)


def space(height_mm: float = 3) -> Spacer:
    return Spacer(1, height_mm * mm)


def together(*flowables: Flowable) -> KeepTogether:
    """Keep a heading with what it heads (a chart, a short table) on one page."""
    return KeepTogether(list(flowables))


def fields(pairs: Iterable[tuple[str, object]]) -> Text:
    """Labelled facts, one a line: ``label：value``."""
    return Text("\n".join(f"{label}：{value}" for label, value in pairs))


# ---------------------------------------------------------------------------------------------------- tables

TEXT, FIGURE, CODE = "text", "figure", "code"


@dataclass(frozen=True)
class Column:
    """A table column: ``TEXT`` wraps between tokens; ``FIGURE`` (money, counts, rates, times) never wraps and
    is right-aligned; ``CODE`` (hashes, long identifiers) may break anywhere. ``weight`` shares spare width."""

    header: str
    kind: str = TEXT
    align: str = ""
    weight: float = 1.0

    @property
    def alignment(self) -> str:
        return (self.align or ("RIGHT" if self.kind == FIGURE else "LEFT")).upper()


PADDING = 3.0  # points left and right of a cell's text
SIZES = (8.5, 8, 7.5, 7, 6.5, 6)


def _share(minimum: list[float], natural: list[float], weights: list[float], width: float, *,
           comfortable: float) -> list[float]:
    """Column widths: each column its natural width if all fit (and the rest in proportion); else first what it
    needs to show a short text whole (up to ``comfortable``), then the rest by how much more each column wants."""
    if sum(natural) <= width:  # all fits: the rest shared by width, so a narrow 序号 stays narrow
        spare = width - sum(natural)
        return [n + spare * n / sum(natural) for n in natural]
    if not any(weights):
        weights = [1.0] * len(weights)
    target = [max(m, min(n, comfortable)) for m, n in zip(minimum, natural, strict=True)]
    floor = target if sum(target) <= width else minimum
    ceiling = natural if floor is target else target
    spare = max(width - sum(floor), 0)
    wants = [(c - f) * w for f, c, w in zip(floor, ceiling, weights, strict=True)]
    total = sum(wants) or 1
    return [f + min(spare * want / total, c - f) for f, c, want in zip(floor, ceiling, wants, strict=True)]


@dataclass
class _Plan:
    size: float
    widths: list[float] = field(default_factory=list)


def _plan(columns: Sequence[Column], cells: list[list[str]], width: float, sizes: Sequence[float]) -> _Plan:
    font = font_name()
    plan = _Plan(size=sizes[-1])
    for size in sizes:
        minimum, natural = [], []
        for index, column in enumerate(columns):
            texts = [row[index] for row in cells]
            full = max((_width(line, font, size) for t in texts for line in t.split("\n")), default=0)
            if column.kind == FIGURE:
                least = full
            elif column.kind == CODE:
                least = min(full, 12 * size)
            else:
                least = max((_width(piece, font, size) for t in texts for line in t.split("\n")
                             for piece in tokens(line)), default=0)
            minimum.append(least + 2 * PADDING + 0.5)
            natural.append(full + 2 * PADDING + 0.5)
        if sum(minimum) <= width or size == sizes[-1]:
            plan.size = size
            # when text must wrap, the width it lacks is taken from text, not from figures that show whole
            weights = [0.0 if c.kind == FIGURE else c.weight for c in columns]
            plan.widths = _share(minimum, natural, weights, width, comfortable=8 * size)
            if sum(minimum) > width:
                logger.warning("PDF table wider than the page: %.0f > %.0f points", sum(minimum), width)
            return plan
    return plan


class FittedTable(Flowable):
    """A ruled table whose column widths are chosen for the width it is laid out in (see ``table``)."""

    def __init__(self, columns: Sequence[Column], rows: Sequence[Sequence], *, width: float | None, total: bool,
                 sizes: Sequence[float]):
        super().__init__()
        self.columns = list(columns)
        self.cells = [[_glyphs(c.header) for c in columns]] + [["" if v is None else _glyphs(str(v)) for v in row]
                                                              for row in rows]
        self.fixed_width, self.total, self.sizes = width, total, sizes
        self._built: tuple[float, Table] | None = None

    def table_for(self, width: float) -> Table:
        width = self.fixed_width or width
        if self._built and self._built[0] == width:
            return self._built[1]
        font = font_name()
        plan = _plan(self.columns, self.cells, width, self.sizes)
        wrapped = [["\n".join(lines(cell, width=w - 2 * PADDING, font=font, size=plan.size,
                                     breakable=c.kind == CODE))
                    for cell, w, c in zip(row, plan.widths, self.columns, strict=True)] for row in self.cells]
        grid = Table(wrapped, colWidths=plan.widths, repeatRows=1, hAlign="LEFT")
        commands = [("FONT", (0, 0), (-1, -1), font, plan.size, plan.size * 1.35),
                    ("TEXTCOLOR", (0, 0), (-1, -1), INK),
                    ("GRID", (0, 0), (-1, -1), 0.4, RULE),
                    ("BACKGROUND", (0, 0), (-1, 0), HEADER_FILL),
                    ("VALIGN", (0, 0), (-1, -1), "TOP"),
                    ("LEFTPADDING", (0, 0), (-1, -1), PADDING), ("RIGHTPADDING", (0, 0), (-1, -1), PADDING),
                    ("TOPPADDING", (0, 0), (-1, -1), 2), ("BOTTOMPADDING", (0, 0), (-1, -1), 3)]
        for index, column in enumerate(self.columns):
            commands.append(("ALIGN", (index, 1), (index, -1), column.alignment))
            commands.append(("ALIGN", (index, 0), (index, 0), "CENTER" if column.kind == FIGURE else "LEFT"))
        if self.total and len(self.cells) > 1:
            commands.append(("BACKGROUND", (0, -1), (-1, -1), TOTAL_FILL))
        grid.setStyle(TableStyle(commands))
        self._built = (width, grid)
        return grid

    def wrap(self, availWidth, availHeight):
        self.width, self.height = self.table_for(availWidth).wrap(availWidth, availHeight)
        return self.width, self.height

    def split(self, availWidth, availHeight):
        return self.table_for(availWidth).split(availWidth, availHeight)

    def draw(self):
        self._built[1].drawOn(self.canv, 0, 0)


def table(columns: Sequence[Column], rows: Sequence[Sequence], *, width: float | None = None, total: bool = False,
          sizes: Sequence[float] = SIZES) -> FittedTable:
    """A ruled table with a repeated header row, its columns sized to the width it is laid out in (or ``width``
    points); ``total`` shades the last row. Cells are strings: format money with ``money`` first."""
    return FittedTable(columns, rows, width=width, total=total, sizes=sizes)


# ---------------------------------------------------------------------------------------------------- documents

PORTRAIT, LANDSCAPE = A4, landscape(A4)
MARGIN = 12 * mm
AUTHOR = "阳光公共资源交易平台"


def document_build(story: Sequence[Flowable], *, title: str, pagesize=PORTRAIT, subject: str = "",
                   footer: str = "") -> bytes:
    """Lay out ``story`` on A4 (``LANDSCAPE`` for wide tables) with the title and page numbers in the footer, and
    sign it with the platform's certificate (``core.pdf_signing.document_sign``: PAdES, inside the PDF).

    The layout (``document_layout``) is byte-for-byte reproducible for the same story; the signed file adds the
    signing time, so callers hash and store the bytes returned here, the ones a reader receives.
    """
    return document_sign(document_layout(story, title=title, pagesize=pagesize, subject=subject, footer=footer))


def document_layout(story: Sequence[Flowable], *, title: str, pagesize=PORTRAIT, subject: str = "",
                    footer: str = "") -> bytes:
    """The unsigned PDF of ``story``: reproducible byte for byte (no creation date inside)."""
    buffer = io.BytesIO()
    doc = SimpleDocTemplate(buffer, pagesize=pagesize, title=title, author=AUTHOR, subject=subject or title,
                            creator=AUTHOR, leftMargin=MARGIN, rightMargin=MARGIN, topMargin=MARGIN,
                            bottomMargin=MARGIN + 4 * mm, invariant=1,
                            initialFontName=font_name())
    line = _glyphs(f"{footer or title} · 第 %d 页")

    def page(canvas, document):
        canvas.saveState()
        canvas.setFont(font_name(), 7.5)
        canvas.setFillColor(SMALL.color)
        canvas.drawCentredString(pagesize[0] / 2, MARGIN - 2 * mm, line % document.page)
        canvas.restoreState()

    doc.build(list(story), onFirstPage=page, onLaterPages=page)
    return buffer.getvalue()
