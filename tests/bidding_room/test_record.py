"""The opening record: a signed PDF with the table, timeline, objections and answers; published on the portal."""

import hashlib
from pathlib import Path

import pytest
from django.utils import timezone

from audit.models import AuditEvent
from bidding_room import services
from bidding_room.models import Objection, OpeningSession, RoomBidder, RoomEvent, State
from bidding_room.record import record_generate
from bidding_room.signing import record_verify
from tests.bidding_room.factories import opening
from tests.pdfcheck import assert_whole, money_figures, pdf_read
from trading.models import Bid

pytestmark = pytest.mark.django_db


def closed_world():
    """A room opened through the services, then written as a finished opening would leave it."""
    world = opening(bidders=4)
    services.session_open_due(session_id=world.session.pk)
    entries = list(RoomBidder.objects.filter(session=world.session).order_by("pk"))
    now = timezone.now()
    for entry in entries[:3]:
        RoomBidder.objects.filter(pk=entry.pk).update(signed_in_at=now, key_released_at=now, decrypted_at=now,
                                                      decryption=RoomBidder.Decryption.DECRYPTED, progress=100)
    RoomBidder.objects.filter(pk=entries[3].pk).update(decryption=RoomBidder.Decryption.NOT_DECRYPTED,
                                                       bidder_fault=True, error="未在解密时限内解密")
    Objection.objects.create(session=world.session, bidder=entries[0], text="报价读错", raised_by=world.bidders[0],
                             raised_at=now, answer="已核对，无误", answered_by=world.agency, answered_at=now)
    OpeningSession.objects.filter(pk=world.session.pk).update(state=State.CLOSED, closed_at=now)
    return world


def test_the_record_is_a_signed_pdf_with_the_table_the_bids_not_opened_and_the_objections(client):
    world = closed_world()
    record = record_generate(session_id=world.session.pk)
    pdf = Path(record.storage_path).read_bytes()
    assert pdf.startswith(b"%PDF")
    assert record.sha256 == hashlib.sha256(pdf).hexdigest()
    assert record_verify(sha256_hex=record.sha256, signature_b64=record.signature)
    assert not record_verify(sha256_hex=hashlib.sha256(pdf + b"x").hexdigest(), signature_b64=record.signature)
    content = record.content
    assert [row["bidder"] for row in content["table"]] == [b.organisation.name for b in world.bidders[:3]]
    assert content["not_opened"][0]["bidder"] == world.bidders[3].organisation.name
    assert content["objections"] == [{"bidder": world.bidders[0].organisation.name, "text": "报价读错",
                                      "raised_at": content["objections"][0]["raised_at"], "answer": "已核对，无误",
                                      "answered_at": content["objections"][0]["answered_at"]}]
    assert [e["kind"] for e in content["timeline"]] == ["opened"]
    # announced in the room's log and the audit chain, downloadable on the portal with its hash
    assert RoomEvent.objects.filter(session=world.session).last().payload["sha256"] == record.sha256
    assert AuditEvent.objects.filter(action="bidding_room.record.publish").exists()
    response = client.get(f"/opening/{world.session.pk}/record.pdf")
    assert response.status_code == 200 and response["X-Content-SHA256"] == record.sha256
    assert b"".join(response.streaming_content) == pdf
    page = client.get(f"/opening/{world.session.pk}/")
    assert page.status_code == 200 and record.sha256 in page.content.decode()


def test_the_record_pdf_embeds_its_font_labels_the_summary_and_never_splits_a_figure():
    names = ["上海阳光建设（集团）股份有限公司第一工程分公司", "浙江某某市政园林工程有限公司",
             "江苏·苏州建工集团有限公司", "北京城建"]
    world = opening(bidders=4, names=names)
    services.session_open_due(session_id=world.session.pk)
    prices = ["1330602881.77", "998000.00", "1234567.80"]
    summaries = [{"price": prices[0], "duration": "365日历天", "quality": "合格", "project_manager": "张伟",
                  "fields": {"安全文明施工费（元）": "1,200,000.00"}},
                 {"price": prices[1], "duration": "400日历天", "quality": "优良", "project_manager": "李娜",
                  "fields": {}},
                 {"price": prices[2], "duration": "380日历天", "quality": "合格", "project_manager": "王强",
                  "fields": {}}]
    entries = list(RoomBidder.objects.filter(session=world.session).order_by("pk"))
    now = timezone.now()
    for entry, summary in zip(entries, summaries, strict=False):
        Bid.objects.filter(pk=entry.bid_id).update(opened_summary=summary)
        RoomBidder.objects.filter(pk=entry.pk).update(signed_in_at=now, key_released_at=now, decrypted_at=now,
                                                      decryption=RoomBidder.Decryption.DECRYPTED, progress=100)
    RoomBidder.objects.filter(pk=entries[3].pk).update(decryption=RoomBidder.Decryption.NOT_DECRYPTED,
                                                       bidder_fault=True, error="未在解密时限内解密")
    OpeningSession.objects.filter(pk=world.session.pk).update(state=State.CLOSED, closed_at=now)

    record = record_generate(session_id=world.session.pk)
    read = pdf_read(Path(record.storage_path).read_bytes(), name="opening-record")

    assert_whole(read, ["1,330,602,881.77", "998,000.00", "1,234,567.80", "1,000,000.00 元", "1,200,000.00",
                        "投标报价（元）", world.project.deal_code])
    assert set(money_figures(read)) >= {"1,330,602,881.77", "998,000.00", "1,234,567.80"}
    for label in ("工期", "质量", "项目经理", "安全文明施工费", "1,200,000.00", "江苏·苏州建工集团有限公司"):
        assert label in read.text
    for raw in ("duration", "project_manager", "fields", "{}", world.agency.username):
        assert raw not in read.text
    assert world.agency.organisation.name in read.text  # 操作人 by name, not log-in


def test_the_record_is_made_once():
    world = closed_world()
    first = record_generate(session_id=world.session.pk)
    assert record_generate(session_id=world.session.pk).pk == first.pk
    assert RoomEvent.objects.filter(session=world.session, kind="record_published").count() == 1


def test_pages_for_each_role(client):
    world = closed_world()
    client.force_login(world.regulator)
    assert client.get("/opening/board/").status_code == 200
    assert client.get(f"/opening/{world.session.pk}/").status_code == 200
    assert client.get("/opening/").status_code == 200
    client.force_login(world.bidders[0])
    assert client.get("/opening/board/").status_code == 403


def test_the_room_script_gets_its_words_in_the_persons_language(client_en, settings):
    import json
    import re

    from django.test import Client

    world = closed_world()
    settings.LANGUAGE_CODE = "zh-hans"

    def words(c):
        c.force_login(world.regulator)
        page = c.get(f"/opening/{world.session.pk}/").content.decode()
        return json.loads(re.search(r'<script id="room-words" type="application/json">(.*?)</script>', page,
                                    re.S).group(1))

    english, chinese = words(client_en), words(Client())
    assert english["kind"]["closed"] == "The opening is closed" and english["until_opening"] == "Opening in"
    assert chinese["kind"]["closed"] == "开标结束" and chinese["until_opening"] == "距开标"
    assert set(english) == set(chinese)
    # room.js holds no words of its own: every one it writes comes from the page
    script = (Path(__file__).resolve().parents[2] / "static" / "js" / "room.js").read_text()
    assert not re.search(r"[\u4e00-\u9fff]", script)
