"""What a zh-Hans page meant for people must not show (STYLE.md "The interface, as people meet it").

``page_problems(html)`` reads the text a person sees — text nodes, option labels, button values, placeholders,
titles — and names what it finds: an English word outside the short allow-list, a region code without its name,
a specialty code without its name, a JSON object, a command line. The crawler and the journeys both use it.
"""

import re
from html.parser import HTMLParser

from core.regions import region_get
from expert_pool.taxonomy import TAXONOMY

# Words that are the real names of things on Chinese pages too (formats, standards, algorithms, units).
ALLOWED_WORDS = {
    "PDF", "CSV", "API", "JSON", "PNG", "ZIP", "PEM", "URL", "ID", "CA", "UTC", "OCDS", "HTTPS", "UTF-8",
    "KiB", "MiB", "GiB", "SHA", "SHA-256",
    "Excel",  # the spreadsheet format people name it by (the statistics import takes .xlsx)
    "SM2", "SM3", "SM4", "AES", "GCM", "RSA", "OAEP", "ECDSA", "ECC", "P-256", "Ed25519", "BLAKE3",
    "intl", "gm",  # the two sealing suites, named as on the keys page
}
SKIP_TAGS = {"script", "style", "template", "noscript"}
# Fingerprints, hashes and file names sit in <code>: not prose, but a command line there is still one.
CODE_TAGS = {"code", "pre", "kbd", "samp"}
VOID_TAGS = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}
VISIBLE_ATTRS = ("placeholder", "title", "aria-label", "alt")

_HEX = re.compile(r"\b[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}\b"
                  r"|\b(?=[0-9a-f]*\d)[0-9a-f]{8,}\b")
# Identifiers people use as they are: certificate and reference numbers (SH-PBZJ-0001, SH-2026-0042), unified
# social credit codes.
_IDENTIFIER = re.compile(r"\b[A-Z]{2,}(?:-[A-Z]+)*-\d[\w-]*"
                         r"|\b[0-9A-HJ-NP-RT-UW-Y]{2}\d{6}[0-9A-HJ-NP-RT-UW-Y]{10}\b")
_EMAIL_OR_URL = re.compile(r"\S+@\S+\.\w+|https?://\S+|/[\w./-]*\w")
# A file name's extension, as people see it in a file name or a list of accepted files (招标文件.pdf, .cer、.pem).
_EXTENSION = re.compile(r"(?<![A-Za-z0-9])\.[A-Za-z][A-Za-z0-9]{1,4}\b")
_WORD = re.compile(r"[A-Za-z][A-Za-z0-9'-]*[A-Za-z0-9]|[A-Za-z]{2,}")
_SIX_DIGITS = re.compile(r"(?<![\d.,])\d{6}(?![\d.,])")
_BIDDER_NUMBER_LABEL = re.compile(r"竞买号[：:\s]*$")
_SPECIALTY = re.compile(r"\b[A-Z]\d{2}(?:\d{2}){0,2}\b")
_JSON_OBJECT = re.compile(r"""[{\[]\s*["'][^"']{1,40}["']\s*:|\{\s*\}""")
_COMMAND = re.compile(r"python3? -m |manage\.py|\bpip install\b|\bcurl\s+-|\$ \w+|openssl \w+")
SPECIALTY_NAMES = dict(TAXONOMY)


class _Text(HTMLParser):
    """Visible text of a page: skips hidden elements and the tags that hold no prose."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.code: list[str] = []
        self.stack: list[tuple[str, bool]] = []

    @property
    def hidden(self) -> bool:
        return any(hide for _tag, hide in self.stack)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        # Text marked as another language (the language switch offering "English") is not a Chinese page's English.
        other_language = attrs.get("lang", "zh").lower()[:2] not in ("zh", "")
        hide = tag in SKIP_TAGS or "hidden" in attrs or attrs.get("type") == "hidden" or attrs.get(
            "aria-hidden") == "true" or other_language
        if not self.hidden and not hide:
            self.parts.extend(attrs[a] for a in VISIBLE_ATTRS if attrs.get(a))
            if tag == "input" and attrs.get("type") in {"submit", "button"} and attrs.get("value"):
                self.parts.append(attrs["value"])
        if tag not in VOID_TAGS:
            self.stack.append((tag, hide))

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)
        if tag not in VOID_TAGS:
            self.stack.pop()

    def handle_endtag(self, tag):
        for i in range(len(self.stack) - 1, -1, -1):
            if self.stack[i][0] == tag:
                del self.stack[i:]
                break

    def handle_data(self, data):
        if not self.hidden and data.strip():
            in_code = any(tag in CODE_TAGS for tag, _hide in self.stack)
            (self.code if in_code else self.parts).append(data.strip())


def visible_text(html: str) -> tuple[str, str]:
    """(prose, code): what a person reads, and what is shown as code (hashes, file names, commands)."""
    parser = _Text()
    parser.feed(html)
    return "\n".join(parser.parts), "\n".join(parser.code)


def _near(text: str, start: int, name: str, span: int = 40) -> bool:
    return name in text[max(0, start - span):start + span]


def text_problems(text: str, code: str = "") -> list[str]:
    problems = []
    words = _HEX.sub(" ", _EXTENSION.sub(" ", _EMAIL_OR_URL.sub(" ", _IDENTIFIER.sub(" ", text))))
    english = sorted({w for w in _WORD.findall(words)
                      if w not in ALLOWED_WORDS and sum(c.isalpha() for c in w) >= 2})
    if english:
        problems.append(f"English: {', '.join(english[:12])}")
    for match in _SIX_DIGITS.finditer(text):
        if _BIDDER_NUMBER_LABEL.search(text[max(0, match.start() - 12):match.start()]):
            continue  # an anonymous 竞买号 is six random digits, which may happen to spell a region's code
        region = region_get(match.group())
        if region is not None and not _near(text, match.start(), region.name):
            problems.append(f"bare region code {match.group()} ({region.full_name})")
    for match in _SPECIALTY.finditer(text):
        name = SPECIALTY_NAMES.get(match.group())
        if name is not None and not _near(text, match.start(), name):
            problems.append(f"bare specialty code {match.group()} ({name})")
    if _JSON_OBJECT.search(text):
        problems.append(f"JSON object: {_JSON_OBJECT.search(text).group()!r}")
    command = _COMMAND.search(text) or _COMMAND.search(code)
    if command:
        problems.append(f"command line: {command.group()!r}")
    return problems


def page_problems(html: str) -> list[str]:
    return text_problems(*visible_text(html))
