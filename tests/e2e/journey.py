"""A role's journey in real Chromium against a real Daphne: each step a screenshot and the page's checks.

``Journey(page, server, name)`` keeps one folder per test, ``var/journeys/<name>/`` (look at the pictures:
``NN-step.png``), and ``step(label)`` photographs the page and fails on what a Chinese page must not show
(tests/e2e/page_checks.py). Waits are on conditions in the page (``wait_for_selector``, ``wait_for_js``), never
on the clock; a deadline a journey needs passed is moved in the database by the test.
"""

import re
import shutil
from pathlib import Path

from django.conf import settings

from .page_checks import page_problems

WAIT = 60_000  # ms: generous, for a loaded two-core machine


class Journey:
    def __init__(self, page, base_url: str, name: str):
        self.page = page
        self.base_url = base_url
        self.folder = Path(settings.BASE_DIR) / "var" / "journeys" / name
        shutil.rmtree(self.folder, ignore_errors=True)
        self.folder.mkdir(parents=True)
        self.count = 0
        page.set_default_timeout(WAIT)
        page.set_viewport_size({"width": 1366, "height": 900})

    def go(self, path: str) -> None:
        self.page.goto(self.base_url + path, wait_until="load")

    def step(self, label: str, *, check: bool = True) -> Path:
        """A screenshot of the whole page as ``NN-label.png``; the page's wording checked (a zh-Hans page)."""
        self.count += 1
        path = self.folder / f"{self.count:02d}-{re.sub(r'[^a-z0-9-]+', '-', label.lower())}.png"
        self.page.screenshot(path=str(path), full_page=True)
        # A full-page screenshot leaves the page scrolled where Chromium's capture left it and restores its own
        # position later: a click computed in between lands elsewhere (a form's button on the form). From the top,
        # the next action scrolls its element into view itself.
        self.page.evaluate("window.scrollTo(0, 0)")
        if check:
            problems = page_problems(self.page.content())
            assert not problems, f"{label} ({self.page.url}): {problems}"
        return path

    def failed(self, server_log=None) -> None:
        """After a failure: the page as it was (``failed.png`` beside the steps) and the server's last lines."""
        self.page.screenshot(path=str(self.folder / "failed.png"), full_page=True)
        if server_log is not None and server_log.exists():
            print(server_log.read_text()[-4000:])
