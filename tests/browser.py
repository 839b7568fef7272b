"""Chromium for the browser tests: the machine's Debian build, launched the one way this project allows."""
from __future__ import annotations

import time

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run"]


def launch(playwright):
    """A headless Chromium from the Debian package (never a downloaded one)."""
    return playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)


def wait_for_js(page, expression: str, *, timeout: float = 30.0) -> None:
    """Wait until ``expression`` is true on the page.

    Playwright's ``wait_for_function`` evaluates its predicate with ``eval`` inside the page, which the
    platform's Content-Security-Policy (no 'unsafe-eval') rightly refuses; ``page.evaluate`` goes through
    the debugging protocol instead, so the pages are tested under the policy they are served with.
    """
    end = time.monotonic() + timeout
    while not page.evaluate(expression):
        if time.monotonic() > end:
            raise TimeoutError(f"{expression!r} still false after {timeout:.0f} s on {page.url}")
        page.wait_for_timeout(50)
