"""A bounded crawl of what a person can click: every visible link, from the home page and the desk.

Bounds keep it quick on the demo's 300+ projects: at most ``per_shape`` addresses of one shape (digits replaced:
/projects/N/) and ``limit`` pages in all. Pages meant for people (HTML) are read with tests.e2e.page_checks;
files and machine-readable answers (PDF, CSV, JSON) only have to answer.
"""

import re
from collections import Counter, deque
from dataclasses import dataclass, field
from html.parser import HTMLParser

from .page_checks import page_problems

SKIP_PREFIXES = ("/accounts/logout/", "/i18n/", "/static/", "/media/")
# The back office is Django's admin, for the operator: every page must answer, its wording is Django's own.
BACK_OFFICE = "/admin/"
SKIP_BACK_OFFICE = re.compile(r"/(delete|history)/$|_popup=")


class _Links(HTMLParser):
    def __init__(self):
        super().__init__()
        self.links: list[str] = []
        self.hidden_depth = 0
        self.stack: list[bool] = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag in {"br", "img", "input", "meta", "link", "hr"}:
            return
        hidden = "hidden" in attrs
        self.stack.append(hidden)
        if tag == "a" and attrs.get("href") and not any(self.stack):
            self.links.append(attrs["href"])

    def handle_endtag(self, tag):
        if self.stack and tag not in {"br", "img", "input", "meta", "link", "hr"}:
            self.stack.pop()


def visible_links(html: str) -> list[str]:
    parser = _Links()
    parser.feed(html)
    return parser.links


def shape(path: str) -> str:
    return re.sub(r"[0-9a-f]{8}-[0-9a-f-]{27}|\d+", "N", path)


@dataclass
class Finding:
    path: str
    problem: str
    came_from: str | None


@dataclass
class Crawl:
    client: object  # django.test.Client (logged in or not)
    limit: int = 150
    per_shape: int = 2
    known: list[tuple[str, str]] = field(default_factory=list)  # (path regex, problem prefix) tolerated
    findings: list[Finding] = field(default_factory=list)
    visited: list[str] = field(default_factory=list)

    def _tolerated(self, path: str, problem: str) -> bool:
        return any(re.fullmatch(pattern, path.split("?")[0]) and problem.startswith(prefix)
                   for pattern, prefix in self.known)

    def run(self, *starts: str) -> "Crawl":
        queue, seen, shapes = deque((s, None) for s in starts), set(), Counter()
        while queue and len(self.visited) < self.limit:
            path, came_from = queue.popleft()
            if path in seen or path.startswith(SKIP_PREFIXES) or SKIP_BACK_OFFICE.search(path):
                continue
            seen.add(path)
            if shapes[shape(path)] >= self.per_shape:
                continue
            shapes[shape(path)] += 1
            self.visited.append(path)
            response = self.client.get(path, follow=True)
            status = response.status_code
            if status >= 500 or (status in (403, 404) and came_from is not None):
                self.findings.append(Finding(path, f"HTTP {status}", came_from))
                continue
            if status >= 400 or "text/html" not in response.get("Content-Type", ""):
                continue
            html = response.content.decode()
            if not path.startswith(BACK_OFFICE):
                for problem in page_problems(html):
                    if not self._tolerated(path, problem):
                        self.findings.append(Finding(path, problem, came_from))
            for link in visible_links(html):
                link = re.sub(r"^https?://(testserver|127\.0\.0\.1(:\d+)?)", "", link).split("#")[0]
                if link.startswith("/") and not link.startswith("//"):
                    queue.append((link, path))
        return self

    def report(self) -> str:
        return "\n".join(f"{f.path} ← {f.came_from}: {f.problem}" for f in self.findings)
