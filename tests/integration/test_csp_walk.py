"""Every role's pages keep the Content-Security-Policy, in real Chromium against `make run` (issue #13 item 5).

Each demo person logs in through the log-in form and walks their pages: the portal, their desk (我的工作台) and every
page their navigation and desk link to, one step further from each of those. A ``securitypolicyviolation`` listener
(installed before any page script runs) and the console catch what the policy blocked — an inline script or
handler, a style attribute, a script from elsewhere — and any script error. The test fails on any of them, on a
page answering 5xx, and on a page a role is shown a link to but may not open.
"""

import os
import re
from urllib.parse import urljoin, urlsplit

import pytest

from accounts.demo import DEMO_PASSWORD, PEOPLE
from tests.browser import CHROMIUM, CHROMIUM_ARGS

pytestmark = [pytest.mark.slow, pytest.mark.browser]
LISTENER = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", (e) => {
  const where = `${e.sourceFile}:${e.lineNumber}`;
  window.__cspViolations.push(`${e.violatedDirective} blocked ${e.blockedURI || "inline"} at ${where}`);
});
"""
START = ["/", "/announcements/", "/credit/", "/accounts/dashboard/"]
# Not pages: downloads, the log-out and language forms' targets, files.
SKIP = re.compile(r"(\.(pdf|csv|pem|json|zip|env|ico|svg)$)|/logout/|/i18n/|/download|/documents/\d|/files/\d|/record|"
                  r"/my-envelope|/receipt|/admin/logout")
MAX_PAGES = 24


@pytest.fixture(scope="module")
def chromium():
    if not os.path.exists(CHROMIUM):
        pytest.fail(f"Chromium is missing at {CHROMIUM}: run `make chromium`")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


def links(page, base: str) -> list[str]:
    hrefs = page.eval_on_selector_all("header a[href], main a[href]", "els => els.map(e => e.getAttribute('href'))")
    found = []
    for href in hrefs:
        url = urljoin(page.url, href)
        parts = urlsplit(url)
        if url.startswith(base) and not SKIP.search(parts.path) and "#" not in href:
            found.append(parts.path + (f"?{parts.query}" if parts.query else ""))
    return found


def walk(browser, base: str, username: str | None) -> dict:
    context = browser.new_context(locale="zh-CN")
    context.add_init_script(LISTENER)
    page = context.new_page()
    problems: list[str] = []
    page.on("console", lambda m: problems.append(f"console {m.type}: {m.text} ({page.url})")
            if m.type == "error" else None)
    page.on("pageerror", lambda e: problems.append(f"script error: {e} ({page.url})"))
    if username:
        page.goto(f"{base}/accounts/login/")
        page.fill("input[name=username]", username)
        page.fill("input[name=password]", DEMO_PASSWORD)
        page.click("main button[type=submit]")
        page.wait_for_url(re.compile(r".*/accounts/dashboard/.*"))
    queue, seen, statuses = list(START), set(), {}
    first_round = set(START)
    while queue and len(seen) < MAX_PAGES:
        path = queue.pop(0)
        if path in seen:
            continue
        seen.add(path)
        response = page.goto(base + path, wait_until="load")
        statuses[path] = response.status if response else 0
        problems.extend(f"{v} ({path})" for v in page.evaluate("window.__cspViolations || []"))
        if path in first_round or path.startswith("/accounts/dashboard/"):
            for found in links(page, base):
                if found not in seen:
                    queue.append(found)
                    if path in START:
                        first_round.add(found)
    context.close()
    return {"problems": problems, "statuses": statuses}


@pytest.mark.parametrize("username", [None, *(p[0] for p in PEOPLE), "expert01"])
def test_every_roles_pages_keep_the_content_security_policy(make_run, chromium, username):
    host, _ = make_run
    result = walk(chromium, f"http://{host}", username)
    assert result["problems"] == []
    assert {p: s for p, s in result["statuses"].items() if s >= 500} == {}
    # A page a role is shown a link to, the role can open (STYLE.md); the start pages themselves may refuse.
    refused = {p: s for p, s in result["statuses"].items() if s in (403, 404) and p not in START}
    assert refused == {}
    assert len(result["statuses"]) >= len(START)


def test_the_api_docs_and_the_language_switch_work_under_the_policy(make_run, chromium):
    host, _ = make_run
    context = chromium.new_context()
    context.add_init_script(LISTENER)
    page = context.new_page()
    problems: list[str] = []
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: problems.append(str(e)))
    page.goto(f"http://{host}/api/docs/")
    page.wait_for_selector(".swagger-ui .opblock", timeout=60_000)  # the operations, read from /api/schema/
    assert page.locator(".swagger-ui .opblock").count() > 10
    problems.extend(page.evaluate("window.__cspViolations"))
    # The language switch (static/js/site.js, no inline handler) turns the page English and back.
    page.goto(f"http://{host}/")
    with page.expect_navigation():
        page.select_option("select[name=language]", "en")
    assert "Sunshine Public Resource Trading Platform" in page.content()
    with page.expect_navigation():
        page.select_option("select[name=language]", "zh-hans")
    assert "阳光公共资源交易平台" in page.content()
    problems.extend(page.evaluate("window.__cspViolations"))
    context.close()
    assert problems == []
