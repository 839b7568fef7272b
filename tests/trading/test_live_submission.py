"""Sealed bids against a real Daphne server: the bidder tool, real Chromium, and a SIGKILL during 200 uploads."""

import contextlib
import hashlib
import json
import os
import subprocess
import sys
import threading
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal
from pathlib import Path

import httpx
import pytest
from django.conf import settings
from django.db import connection
from rest_framework.authtoken.models import Token

import sealing
from tests import factories, sealed
from tests.browser import CHROMIUM, CHROMIUM_ARGS, wait_for_js
from tests.servers import ROOT, Daphne
from trading import storage
from trading.models import Bid, Section, UploadSession
from trading.services import opening

from .conftest import create_project, deadline_passes, transition

pytestmark = pytest.mark.slow
PRICE = "86420753.19"
PRICE_CAP = "90000000.00"


@pytest.fixture
def server(transactional_db, tmp_path, trading_settings):
    """A Daphne process on the test database, sharing PROTECTED_ROOT and the platform key with this process."""
    db = connection.settings_dict
    env = {
        "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}",
        "SUNSHINE_PROTECTED_ROOT": str(settings.PROTECTED_ROOT), "TRADING_MIN_BID_PERIOD_DAYS": "0",
        "TRADING_BID_MAX_BYTES": str(8 << 20), "CELERY_EAGER": "1", "EMBEDDED_SCHEDULER": "0",
        "DJANGO_DEBUG": "0",
    }
    trading_settings.TRADING_BID_MAX_BYTES = 8 << 20
    daphne = Daphne(env=env, log_path=tmp_path / "daphne.log")
    daphne.start()
    yield daphne
    daphne.kill()


def _published(world, seconds: float):
    project = create_project(world, seconds=seconds)
    assert transition(world, world.agency, project["id"], "published").status_code == 200
    return project


def _server_password(user) -> None:
    """Hash the password with the server's default hasher (this process uses a fast one the server does not know)."""
    from django.contrib.auth.hashers import PBKDF2PasswordHasher

    user.password = PBKDF2PasswordHasher().encode(factories.PASSWORD, "serversalt1234", iterations=1000)
    user.save(update_fields=["password"])


def _joined(world, bidder, section_id):
    client = world.api(bidder)
    registration = client.post(f"/api/trading/sections/{section_id}/registrations/").json()
    client.post(f"/api/trading/registrations/{registration['id']}/commitment/", {"accepted": True}, format="json")


def _tool(*args, cwd: Path, **env) -> subprocess.CompletedProcess:
    full = {**os.environ, "PYTHONPATH": str(ROOT), "SEALING_PASSPHRASE": sealed.PASSPHRASE, **env}
    result = subprocess.run([sys.executable, "-m", "sealing", *args], cwd=cwd, env=full, capture_output=True,
                            text=True, timeout=120)
    return result


def test_the_bidder_tool_keygen_seal_submit_verify_and_release_against_a_real_server(world, server, tmp_path):
    project = _published(world, seconds=600)
    section = project["sections"][0]["id"]
    bidder = world.bidders[0]
    _joined(world, bidder, section)
    _server_password(bidder)
    tool = {"SEALING_SERVER": server.url, "SEALING_PASSWORD": factories.PASSWORD}

    assert _tool("keygen", "--private", "me.pem", "--public", "me.pub.pem", cwd=tmp_path).returncode == 0
    token = _tool("token", "--username", bidder.username, cwd=tmp_path, **tool)
    assert token.returncode == 0, token.stderr
    tool["SEALING_TOKEN"] = token.stdout.strip()
    registered = httpx.post(f"{server.url}/api/trading/keys/",
                            json={"public_key": (tmp_path / "me.pub.pem").read_text()},
                            headers={"Authorization": f"Token {tool['SEALING_TOKEN']}"})
    assert registered.status_code == 201, registered.text
    (tmp_path / "opening.pem").write_bytes(httpx.get(f"{server.url}/api/trading/projects/{project['id']}/"
                                                     "opening-key.pem").content)
    (tmp_path / "标书.pdf").write_bytes(b"%PDF-1.7 " + os.urandom(300_000))
    sealed_run = _tool("seal", "--price", PRICE, "--document", "标书.pdf", "--label",
                       f"deal_code={project['deal_code']}", "--label", "section_code=001", "--opening-key",
                       "opening.pem", "--key", "me.pem", "--out", "bid.sealed", "--chunk-size", "65536", cwd=tmp_path)
    assert sealed_run.returncode == 0, sealed_run.stderr

    submitted = _tool("submit", "bid.sealed", "--section", str(section), cwd=tmp_path, **tool)
    again = _tool("submit", "bid.sealed", "--section", str(section), "--receipt", "again.json", cwd=tmp_path, **tool)
    assert again.returncode == 0, again.stderr
    key = _tool("platform-key", "--out", "platform.pem", cwd=tmp_path, **tool)
    verified = _tool("verify-receipt", "bid.sealed.receipt.json", "--platform-key", "platform.pem", "--envelope",
                     "bid.sealed", cwd=tmp_path)
    plain = tmp_path / "plain.pdf"
    plain.write_bytes(b"%PDF-1.7 price " + PRICE.encode())
    refused = _tool("submit", "plain.pdf", "--section", str(section), cwd=tmp_path, **tool)

    assert submitted.returncode == 0, submitted.stderr
    assert json.loads((tmp_path / "again.json").read_text()) == json.loads(
        (tmp_path / "bid.sealed.receipt.json").read_text())
    assert key.returncode == 0 and verified.returncode == 0, verified.stderr
    assert "receipt: valid" in verified.stdout and "matches envelope bid.sealed" in verified.stdout
    assert refused.returncode == 1 and "NOT encrypted" in refused.stderr
    bid = Bid.objects.get()
    assert bid.sha256 == hashlib.sha256((tmp_path / "bid.sealed").read_bytes()).hexdigest()

    early = _tool("release", "bid.sealed", "--bid", str(bid.pk), "--key", "me.pem", cwd=tmp_path, **tool)
    assert early.returncode == 1 and "之前不能解密" in early.stderr  # the server speaks zh-Hans by default
    deadline_passes(project["id"])
    released = _tool("release", "bid.sealed", "--bid", str(bid.pk), "--key", "me.pem", cwd=tmp_path, **tool)
    assert released.returncode == 0, released.stderr
    opened = opening.bid_decrypt(bid=bid)
    assert opened.opened_summary["price"] == PRICE
    document = opening.opened_path(bid=bid) / "documents" / "标书.pdf"
    assert document.read_bytes() == (tmp_path / "标书.pdf").read_bytes()


@pytest.mark.browser
def _bid_page_ready(world, tmp_path):
    """A published project, a registered bidder with a key, its key file and a 2.5 MB document in tmp_path."""
    if not os.path.exists(CHROMIUM):
        pytest.fail(f"Chromium is missing at {CHROMIUM}: run `make chromium`")
    project = _published(world, seconds=600)
    section = project["sections"][0]["id"]
    Section.objects.filter(pk=section).update(base_amount=Decimal(PRICE_CAP))  # the price cap (招标控制价) above PRICE
    bidder = world.bidders[0]
    _joined(world, bidder, section)
    _server_password(bidder)
    key = sealed.key_register(bidder)
    (tmp_path / "me.pem").write_bytes(key.pem(sealed.PASSPHRASE))
    (tmp_path / "技术标.pdf").write_bytes(b"%PDF-1.7 " + os.urandom(2_500_000))
    return project, bidder, key


def _open_bid_page(browser, server, bidder, project):
    page = browser.new_page()
    page.goto(f"{server.url}/accounts/login/")
    page.fill("input[name=username]", bidder.username)
    page.fill("input[name=password]", factories.PASSWORD)
    page.click("form button, form input[type=submit]")
    page.wait_for_load_state()
    page.goto(f"{server.url}/projects/{project['id']}/")
    wait_for_js(page, "window.bidPageReady === true")
    return page


def _seal_on_the_page(page, tmp_path) -> str:
    """Fill the bid form, seal and upload; the status line once it succeeded or failed."""
    form = "form.seal-form"
    page.set_input_files(f"{form} input[name=key]", str(tmp_path / "me.pem"))
    page.fill(f"{form} input[name=passphrase]", sealed.PASSPHRASE)
    page.fill(f"{form} input[name=price]", PRICE)
    page.fill(f"{form} input[name=duration]", "365日历天")
    page.fill(f"{form} input[name=quality]", "合格")
    page.fill(f"{form} input[name=project_manager]", "项目经理赵六")
    page.set_input_files(f"{form} input[name=documents]", str(tmp_path / "技术标.pdf"))
    page.click(f"{form} > button")
    page.wait_for_selector("form.seal-form.sealed, form.seal-form.failed", timeout=60_000)
    return page.text_content(f"{form} .seal-status")


def _assert_the_bid_opens(key, tmp_path):
    bid = Bid.objects.get(state="submitted")
    opened = sealing.envelope_open(storage.protected_path(bid.storage_path), key=key, dest=tmp_path / "opened")
    assert str(opened.summary.price) == PRICE and opened.summary.project_manager == "项目经理赵六"
    assert (tmp_path / "opened" / "documents" / "技术标.pdf").read_bytes() == (tmp_path / "技术标.pdf").read_bytes()


def test_the_bid_page_seals_in_chromium_and_never_sends_the_price(world, server, tmp_path):
    from playwright.sync_api import sync_playwright

    project, bidder, key = _bid_page_ready(world, tmp_path)
    bodies: list[bytes] = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = _open_bid_page(browser, server, bidder, project)
        page.on("request", lambda request: bodies.append(request.post_data_buffer or b""))
        status = _seal_on_the_page(page, tmp_path)
        browser.close()

    assert "回执编号" in status, status
    assert len(bodies) > 3 and all(PRICE.encode() not in body and "项目经理赵六".encode() not in body
                                   for body in bodies)
    _assert_the_bid_opens(key, tmp_path)


def test_the_bid_page_refuses_a_price_above_the_cap_before_sealing(world, server, tmp_path):
    from playwright.sync_api import sync_playwright

    project, bidder, key = _bid_page_ready(world, tmp_path)
    sent: list[str] = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = _open_bid_page(browser, server, bidder, project)
        page.fill("form.seal-form input[name=price]", "90000000.01")
        warning = page.text_content("form.seal-form .price-warning")
        page.on("request", lambda request: sent.append(request.url) if request.method != "GET" else None)
        page.set_input_files("form.seal-form input[name=key]", str(tmp_path / "me.pem"))
        page.fill("form.seal-form input[name=passphrase]", sealed.PASSPHRASE)
        page.fill("form.seal-form input[name=duration]", "365日历天")
        page.fill("form.seal-form input[name=quality]", "合格")
        page.click("form.seal-form > button")
        page.wait_for_selector("form.seal-form.failed", timeout=60_000)
        status = page.text_content("form.seal-form .seal-status")
        browser.close()

    assert "招标控制价 90,000,000.00 元" in warning and "招标控制价" in status
    assert sent == [] and not Bid.objects.exists()


def _in_a_thread(query):
    """Run ORM ``query`` on another thread: Playwright's sync API keeps an event loop running on this one."""

    def run():
        try:
            return query()
        finally:
            connection.close()

    with ThreadPoolExecutor(1) as pool:
        return pool.submit(run).result()


KEPT_ENVELOPE_JS = """async () => {
  const db = await new Promise((resolve) => {
    const r = indexedDB.open("sunshine-bid-page");
    r.onsuccess = () => resolve(r.result);
  });
  const records = await new Promise((resolve) => {
    const r = db.transaction("unfinished-uploads").objectStore("unfinished-uploads").getAll();
    r.onsuccess = () => resolve(r.result);
  });
  db.close();
  return Promise.all(records.map(async (record) => ({
    size: record.envelope.size, uploadId: record.uploadId,
    text: new TextDecoder("utf-8", { fatal: false }).decode(await record.envelope.arrayBuffer()),
  })));
}"""


KEEP_STAND_IN_JS = """async () => {
  const form = document.querySelector("form.seal-form");
  const db = await new Promise((resolve) => {
    const r = indexedDB.open("sunshine-bid-page");
    r.onsuccess = () => resolve(r.result);
  });
  await new Promise((resolve) => {
    const r = db.transaction("unfinished-uploads", "readwrite").objectStore("unfinished-uploads")
      .put({ envelope: new Blob([new Uint8Array(100)]), uploadId: null },
           `${form.dataset.user}/${form.dataset.section}`);
    r.onsuccess = resolve;
  });
  db.close();
}"""


def test_the_bid_page_resumes_an_upload_cut_off_by_a_reload(world, server, tmp_path):
    """The connection fails after the first chunk; after a reload the page offers the kept envelope (sealed, never
    in clear) and resumes from the server's offset: the first chunk is not sent again and the bid opens."""
    from playwright.sync_api import sync_playwright

    project, bidder, key = _bid_page_ready(world, tmp_path)
    puts: list[str] = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = _open_bid_page(browser, server, bidder, project)
        page.route(lambda url: "/api/trading/uploads/" in url and "offset=" in url and "offset=0" not in url,
                   lambda route: route.abort())
        status = _seal_on_the_page(page, tmp_path)
        assert status.startswith("未能递交"), status
        session, bids = _in_a_thread(lambda: (UploadSession.objects.get(), Bid.objects.count()))
        assert session.state == "open" and storage.protected_path(session.temp_path).stat().st_size == 1 << 20
        assert bids == 0
        kept = page.evaluate(KEPT_ENVELOPE_JS)
        assert [(record["size"], record["uploadId"]) for record in kept] == [(session.size, str(session.pk))]
        assert PRICE not in kept[0]["text"] and "项目经理赵六" not in kept[0]["text"]

        page.unroute_all()
        page.on("request", lambda request: puts.append(request.url) if request.method == "PUT" else None)
        page.reload()
        wait_for_js(page, "window.bidPageReady === true")
        assert page.is_visible("form.seal-form .seal-resume")
        page.click("form.seal-form .seal-resume button.resume")
        page.wait_for_selector("form.seal-form.sealed, form.seal-form.failed", timeout=60_000)
        status = page.text_content("form.seal-form .seal-status")
        page.reload()
        wait_for_js(page, "window.bidPageReady === true")
        offered_again = page.is_visible("form.seal-form .seal-resume")
        left = page.evaluate(KEPT_ENVELOPE_JS)

        # A kept envelope the bidder no longer wants is discarded from the page, and not offered again.
        page.evaluate(KEEP_STAND_IN_JS)
        page.reload()
        wait_for_js(page, "window.bidPageReady === true")
        offered_stand_in = page.is_visible("form.seal-form .seal-resume")
        page.click("form.seal-form .seal-resume button.discard")
        page.wait_for_selector("form.seal-form .seal-resume", state="hidden")
        page.reload()
        wait_for_js(page, "window.bidPageReady === true")
        offered_after_discard = page.is_visible("form.seal-form .seal-resume")
        left_after_discard = page.evaluate(KEPT_ENVELOPE_JS)
        browser.close()

    assert "回执编号" in status, status
    assert puts and all("offset=0" not in url for url in puts), puts
    assert UploadSession.objects.get().state == "complete"
    assert not offered_again and left == []
    assert offered_stand_in and not offered_after_discard and left_after_discard == []
    _assert_the_bid_opens(key, tmp_path)


def test_sigkill_during_200_uploads_leaves_only_whole_verified_bids_and_resumable_uploads(world, server, tmp_path):
    project = _published(world, seconds=3600)
    section = Section.objects.get(pk=project["sections"][0]["id"])
    bidders = world.bidders[:5]
    tokens = {}
    for bidder in bidders:
        _joined(world, bidder, section.pk)
        sealed.key_register(bidder)
        tokens[bidder.pk] = Token.objects.create(user=bidder).key
    jobs = [(bidders[n % 5], sealed.envelope_for(section, bidders[n % 5], summary={"price": f"{1000 + n}.00"},
                                                 documents=[("d.bin", os.urandom(24_000))], chunk_size=4096))
            for n in range(200)]
    receipts: dict[int, dict] = {}
    sessions: dict[int, str] = {}
    server_errors: list[str] = []
    enough = threading.Event()

    def no_server_error(response: httpx.Response) -> None:
        if response.status_code >= 500:
            response.read()
            server_errors.append(f"{response.request.method} {response.request.url}: {response.text[:200]}")

    def upload(n: int) -> None:
        bidder, envelope = jobs[n]
        headers = {"Authorization": f"Token {tokens[bidder.pk]}"}
        with httpx.Client(base_url=server.url, headers=headers, timeout=30,
                          event_hooks={"response": [no_server_error]}) as client:
            created = client.post(f"/api/trading/sections/{section.pk}/uploads/", json={"size": len(envelope)})
            sessions[n] = created.json()["id"]
            half = len(envelope) // 2
            for start, end in ((0, half), (half, len(envelope))):
                client.put(f"/api/trading/uploads/{sessions[n]}/?offset={start}", content=envelope[start:end],
                           headers={"Content-Type": "application/octet-stream"})
            done = client.post(f"/api/trading/uploads/{sessions[n]}/complete/")
            if done.status_code == 201:
                receipts[n] = done.json()
                if len(receipts) >= 30:
                    enough.set()

    def guarded(n: int) -> None:
        with contextlib.suppress(httpx.HTTPError, KeyError, ValueError):  # the server died under it
            upload(n)

    with ThreadPoolExecutor(max_workers=40) as pool:
        futures = [pool.submit(guarded, n) for n in range(200)]
        assert enough.wait(timeout=120), "no receipts came back"
        server.kill()
        for future in futures:
            future.result()
    assert 30 <= len(receipts) < 200
    # Concurrency alone never makes the server fail (row locks are FOR NO KEY UPDATE: docs/architecture.md)
    assert server_errors == []
    server.start()

    # Every upload that got a receipt is intact and opens with its bidder's key
    for n, receipt in receipts.items():
        bid = Bid.objects.get(receipt_no=receipt["receipt_no"])
        data = storage.protected_path(bid.storage_path).read_bytes()
        assert data == jobs[n][1] and hashlib.sha256(data).hexdigest() == receipt["signed"]["envelope_sha256"]
        opened = sealing.envelope_open(storage.protected_path(bid.storage_path), key=sealed.private_keys[jobs[n][0].pk],
                                       dest=tmp_path / f"opened-{n}")
        assert str(opened.summary.price) == f"{1000 + n}.00"
    # No bid row without its whole, verified file
    for bid in Bid.objects.all():
        assert hashlib.sha256(storage.protected_path(bid.storage_path).read_bytes()).hexdigest() == bid.sha256
        assert UploadSession.objects.filter(bid=bid, state="complete").exists()
    # The others are absent (never created) or resume from where the server's bytes stop, and then complete
    resumed = 0
    for n in range(200):
        if n in receipts:
            continue
        bidder, envelope = jobs[n]
        if n not in sessions:
            assert not Bid.objects.filter(sha256=hashlib.sha256(envelope).hexdigest()).exists()
            continue
        headers = {"Authorization": f"Token {tokens[bidder.pk]}"}
        with httpx.Client(base_url=server.url, headers=headers, timeout=30) as client:
            status = client.get(f"/api/trading/uploads/{sessions[n]}/").json()
            assert envelope[:status["offset"]] == storage.protected_path(
                f"uploads/{sessions[n]}.part").read_bytes()[:status["offset"]] if status["state"] == "open" else True
            if status["state"] == "open":
                client.put(f"/api/trading/uploads/{sessions[n]}/?offset={status['offset']}",
                           content=envelope[status["offset"]:], headers={"Content-Type": "application/octet-stream"})
            done = client.post(f"/api/trading/uploads/{sessions[n]}/complete/")
            assert done.status_code == 201, done.text
            assert done.json()["sha256"] == hashlib.sha256(envelope).hexdigest()
            resumed += 1
    assert resumed > 0
