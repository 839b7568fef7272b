"""The bid receipt as people keep it: a page that fits its card, the signed JSON to download, a PDF to print, and
the bidder tool's own help page instead of command lines on the keys and receipt pages."""

import json
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.test import Client

import sealing
from tests.browser import launch
from tests.pdfcheck import assert_whole, pdf_read
from tests.trading.conftest import create_project, join_and_bid, transition
from trading.models import Bid
from trading.services.keys import platform_key

pytestmark = pytest.mark.django_db
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def chinese(settings):
    settings.LANGUAGE_CODE = "zh-hans"


def a_bid(world) -> Bid:
    project = create_project(world, seconds=3600)
    assert transition(world, world.agency, project["id"], "published").status_code == 200
    response = join_and_bid(world, world.bidders[0], project["sections"][0]["id"])
    assert response.status_code == 201, response.content
    return Bid.objects.select_related("section__project", "organisation").get(receipt_no=response.json()["receipt_no"])


def logged_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_the_receipt_page_names_everything_and_offers_downloads_not_command_lines(world, chinese):
    bid = a_bid(world)
    page = logged_in(world.bidders[0]).get(f"/bids/{bid.pk}/receipt/").content.decode()

    for text in ("投标文件接收回执", bid.section.project.title, bid.organisation.name, bid.sha256, "北京时间",
                 "下载签名回执（JSON）", "打印回执（PDF）", f"/bids/{bid.pk}/receipt.json",
                 f"/bids/{bid.pk}/receipt.pdf", "/help/bidder-tool/#verify-receipt"):
        assert text in page
    for text in ("python -m sealing", "Save it as", "保存为 receipt.json", "<pre>", '"signature"'):
        assert text not in page
    assert logged_in(world.bidders[1]).get(f"/bids/{bid.pk}/receipt.json").status_code == 404


def test_the_signed_receipt_downloads_as_a_file_that_verifies_against_the_platform_key(world):
    bid = a_bid(world)
    response = logged_in(world.bidders[0]).get(f"/bids/{bid.pk}/receipt.json")

    assert response.status_code == 200 and response["Content-Type"] == "application/json"
    assert response["Content-Disposition"] == f'attachment; filename="receipt-{bid.receipt_no}.json"'
    fields = sealing.receipt_verify(platform_key().public_key, response.content)
    assert fields["envelope_sha256"] == bid.sha256 and fields["receipt_id"] == str(bid.receipt_no)
    changed = json.loads(response.content)
    changed["envelope_size"] += 1
    with pytest.raises(sealing.SealingError):
        sealing.receipt_verify(platform_key().public_key, json.dumps(changed))


def test_the_printable_receipt_embeds_its_font_and_prints_hash_and_figures_whole(world, chinese):
    bid = a_bid(world)
    response = logged_in(world.bidders[0]).get(f"/bids/{bid.pk}/receipt.pdf")

    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    read = pdf_read(response.content, name="bid-receipt")
    assert_whole(read, [bid.sha256, str(bid.receipt_no), f"{bid.size:,} 字节", bid.organisation.credit_code,
                        bid.section.project.deal_code, bid.receipt["key_id"]])
    for text in ("投标文件接收回执", "平台签名", bid.organisation.name, "北京时间"):
        assert text in read.text


def test_the_keys_page_links_the_bidder_tool_help_which_documents_its_commands_in_both_languages(world, chinese):
    keys = logged_in(world.bidders[0]).get("/trading/keys/").content.decode()
    assert "python -m sealing" not in keys and "/help/bidder-tool/#keygen" in keys

    chinese_page = Client().get("/help/bidder-tool/").content.decode()
    english = Client()
    english.cookies[django_settings.LANGUAGE_COOKIE_NAME] = "en"
    english_page = english.get("/help/bidder-tool/").content.decode()
    for command in ("keygen", "seal", "submit", "verify-receipt", "release", "share-decrypt"):
        assert f'id="{command}"' in chinese_page and f"python -m sealing {command}" in chinese_page
        assert f'id="{command}"' in english_page
    assert "投标工具" in chinese_page and "生成密钥对" in chinese_page
    assert "The bidder tool" in english_page and "make your key pair" in english_page


@pytest.mark.browser
def test_the_receipt_page_fits_its_card_in_chromium(world, chinese, tmp_path):
    """The real page and stylesheet in Chromium at a phone's and a laptop's width: nothing wider than the card,
    no value broken one character a line."""
    from playwright.sync_api import sync_playwright

    bid = a_bid(world)
    html = logged_in(world.bidders[0]).get(f"/bids/{bid.pk}/receipt/").content.decode()
    url = f"http://receipt.test/bids/{bid.pk}/receipt/"
    folder = ROOT / "var" / "test-screens" / "receipt"
    folder.mkdir(parents=True, exist_ok=True)

    def serve(route):
        path = route.request.url.removeprefix("http://receipt.test")
        if path.startswith("/static/") and (ROOT / path.lstrip("/")).is_file():
            route.fulfill(path=str(ROOT / path.lstrip("/")))
        elif path.startswith(f"/bids/{bid.pk}/receipt/"):
            route.fulfill(body=html, content_type="text/html; charset=utf-8")
        else:
            route.fulfill(status=404, body="")

    with sync_playwright() as p:
        browser = launch(p)
        try:
            for width in (390, 1366):
                page = browser.new_page(viewport={"width": width, "height": 900})
                page.route("**/*", serve)
                page.goto(url)
                page.screenshot(path=str(folder / f"receipt-{width}.png"), full_page=True)
                layout = page.evaluate("""() => {
                  const card = document.querySelector('.receipt');
                  const values = [...card.querySelectorAll('dd')].map(dd => {
                    const style = getComputedStyle(dd);
                    const line = parseFloat(style.lineHeight) || parseFloat(style.fontSize) * 1.6;
                    return {text: dd.textContent, lines: Math.round(dd.getBoundingClientRect().height / line),
                            width: dd.getBoundingClientRect().width};
                  });
                  return {scroll: card.scrollWidth, client: card.clientWidth, values};
                }""")
                assert layout["scroll"] <= layout["client"], layout
                for value in layout["values"]:
                    assert value["width"] > 120, value  # a real column, not one character wide
                    assert value["lines"] <= 3, value
                page.close()
        finally:
            browser.close()


def test_every_receipt_checkpoints_the_audit_chain(world):
    from audit.models import AuditCheckpoint, AuditEvent

    bid = a_bid(world)
    event = AuditEvent.objects.get(action="trading.bid.submit", object_id=str(bid.pk))
    checkpoint = AuditCheckpoint.objects.get(seq=event.seq)
    assert checkpoint.hash == event.hash and checkpoint.key_fingerprint == platform_key().public_key.fingerprint
