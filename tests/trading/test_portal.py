"""The portal by category × notice type (docs/portal.md): trading's notices and another app's, with attachments."""

import hashlib

from django.test import Client
from django.utils import timezone

from tests.e2e.page_checks import page_problems
from tests.pdfcheck import pdf_read
from trading.models import Announcement, Project
from trading.services.notices import notice_publish

from .conftest import create_project, transition


def _titles(client: Client, **query) -> list[str]:
    page = client.get("/portal/", query)
    assert page.status_code == 200
    return [a.title for a in page.context["page"]]


def test_a_tender_notice_is_filed_under_its_category_and_type(world):
    created = create_project(world, seconds=86400)
    assert transition(world, world.agency, created["id"], "published").status_code == 200
    project = Project.objects.get(pk=created["id"])
    client = Client()
    assert project.title in _titles(client, category="construction", type="trading")
    assert project.title in _titles(client)  # all categories, all types
    assert project.title not in _titles(client, category="government")
    assert project.title not in _titles(client, category="construction", type="result")
    # a parameter the portal does not know is ignored, not an error
    assert project.title in _titles(client, category="nonsense", type="<script>")
    notice = Announcement.objects.get(project=project)
    assert (notice.category, notice.region, notice.deal_code) == ("construction", "310000", project.deal_code)


def test_another_app_publishes_a_notice_with_attachments(db, settings, tmp_path):
    # given an auction's result notice, published through the one function, with its file
    settings.PROTECTED_ROOT = tmp_path / "protected"
    settings.LANGUAGE_CODE = "zh-hans"
    data = "成交确认书（演示）".encode()
    notice = notice_publish(kind="award", category="land", region="310104", deal_code="SH-LAND-2026-0001",
                            link="/", title="徐汇区某地块国有建设用地使用权挂牌出让成交公告",
                            body="竞得人：阳光置业有限公司\n成交价（元）：1,230,000,000.00",
                            attachments=[("成交确认书.pdf", data)])
    client = Client()
    # then it is listed under 土地矿业 × 中标结果公告, with the region's name
    assert notice.title in _titles(client, category="land", type="result")
    listing = client.get("/portal/", {"category": "land"}).content.decode()
    assert "徐汇区" in listing and page_problems(listing) == []
    # and its page links the notice's PDF and the attachment, which downloads whole with its hash
    page = client.get(notice.get_absolute_url()).content.decode()
    attachment = notice.attachments.get()
    assert attachment.get_absolute_url() in page and "成交确认书.pdf" in page and page_problems(page) == []
    response = client.get(attachment.get_absolute_url())
    assert b"".join(response.streaming_content) == data
    assert response["X-Content-SHA256"] == hashlib.sha256(data).hexdigest()
    read = pdf_read(client.get(f"/announcements/{notice.pk}/notice.pdf").content, name="notice")
    assert "徐汇区某地块" in read.text and "1,230,000,000.00" in read.text and "中标结果公告" in read.text


def test_an_unknown_kind_or_category_is_refused_before_anything_is_stored(db):
    import pytest

    for kind, category in (("press_release", "land"), ("award", "fishing")):
        with pytest.raises(ValueError):
            notice_publish(kind=kind, category=category, title="x", body="x")
    assert not Announcement.objects.exists()


def test_the_portal_pages_twenty_five_a_page(db):
    for n in range(27):
        notice_publish(kind="tender", category="property", title=f"国有产权转让公告 {n:02d}", body="…")
    client = Client()
    first, second = _titles(client, category="property"), _titles(client, category="property", page=2)
    assert len(first) == 25 and len(second) == 2 and not set(first) & set(second)
    assert Announcement.objects.filter(published_at__lte=timezone.now()).count() == 27
