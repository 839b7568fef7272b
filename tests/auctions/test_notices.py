"""A sale's notices reach the portal through trading's notice_publish: the sale notice with the sale, the
lot's result notice (成交公告 with the signed 网上竞得证明, or 流拍公告) after the close — once; never the reserve
early."""

import hashlib
from pathlib import Path

import pytest
from django.test import Client

from auctions import services
from auctions.models import Lot, LotDocument, Subject
from auctions.tasks import lot_result_notice
from trading.models import Announcement
from trading.storage import protected_path

from . import factories as f
from .test_results import sold

pytestmark = pytest.mark.django_db


@pytest.fixture
def w():
    return f.world()


def test_the_sale_notice_is_on_the_portal_with_the_public_terms_and_without_the_reserve(w):
    sale = f.sale(w, publish=False)
    assert not Announcement.objects.filter(deal_code=sale.deal_code).exists()  # a draft publishes nothing
    services.notice_publish(sale=sale, user=w.agency)
    lot = Lot.objects.get(sale=sale)
    services.reserve_enter(lot=lot, user=w.official, amount="12345678.00")
    notice = Announcement.objects.get(deal_code=sale.deal_code)
    assert notice.kind == Announcement.Kind.TENDER and notice.category == "land" and notice.project_id is None
    assert notice.region == sale.region and notice.link == f"/auctions/sales/{sale.pk}/"
    assert "10,000,000.00" in notice.body and "100,000.00" in notice.body and "12,345,678" not in notice.body
    page = Client().get("/portal/", {"category": "land", "type": "trading"})
    assert page.status_code == 200 and notice.title in page.content.decode()
    api = Client().get("/api/trading/announcements/", {"q": sale.deal_code}).json()
    assert [r["title"] for r in api["results"]] == [notice.title]


def test_a_sold_lot_gets_one_deal_notice_naming_the_winner_with_the_signed_certificate(
        w, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        sale, lot, apps = sold(w)
    notices = Announcement.objects.filter(deal_code=sale.deal_code, kind=Announcement.Kind.AWARD)
    assert notices.count() == 1
    notice = notices.get()
    assert notice.portal_type == "result" and notice.link == f"/auctions/sales/{sale.pk}/#lot-{lot.pk}"
    assert apps[1].organisation.name in notice.body and apps[1].bidder_number in notice.body
    assert "10,100,000.00" in notice.body
    attachment = notice.attachments.get()
    certificate = LotDocument.objects.get(lot=lot, kind=LotDocument.Kind.CERTIFICATE)
    data = protected_path(attachment.storage_path).read_bytes()
    assert data == Path(certificate.storage_path).read_bytes()
    assert attachment.sha256 == hashlib.sha256(data).hexdigest() == certificate.sha256
    lot_result_notice(lot.pk)  # again (a retried task, the sweep): nothing more
    assert notices.count() == 1
    page = Client().get("/portal/", {"category": "land", "type": "result"})
    assert notice.title in page.content.decode()


def test_no_deal_gets_a_no_deal_notice_with_the_reason(w, django_capture_on_commit_callbacks):
    sale = f.sale(w)
    lot = Lot.objects.get(sale=sale)
    f.bidder_ready(w, lot, w.bidders[0])
    f.starts_now(sale)
    f.listing_ends(sale)
    with django_capture_on_commit_callbacks(execute=True):
        lot = services.lot_advance(lot_id=lot.pk)
    assert lot.state == Lot.State.NO_DEAL
    notice = Announcement.objects.get(deal_code=sale.deal_code, kind=Announcement.Kind.FAILURE)
    assert lot.outcome_reason in notice.body and notice.portal_type == "result"
    assert not notice.attachments.exists()


def test_a_deal_waiting_for_approval_is_announced_only_once_decided(w, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        sale, lot, apps = sold(w, subject=Subject.PROPERTY, valuation="12000000.00")
    assert lot.state == Lot.State.PENDING_APPROVAL
    results = Announcement.objects.filter(deal_code=sale.deal_code).exclude(kind=Announcement.Kind.TENDER)
    assert not results.exists()
    with django_capture_on_commit_callbacks(execute=True):
        services.approval_decide(lot=lot, user=w.official, approved=True)
    assert [n.kind for n in results] == [Announcement.Kind.AWARD]
    assert results.get().category == "property"


def test_a_winner_who_refuses_to_sign_voids_the_published_result_with_a_notice(w, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        sale, lot, apps = sold(w)
    with django_capture_on_commit_callbacks(execute=True):
        services.deal_refuse(lot=lot, user=w.agency, reason="竞得人在规定期限内未签订成交确认书")
    notices = Announcement.objects.filter(deal_code=sale.deal_code).exclude(kind=Announcement.Kind.TENDER)
    assert [n.kind for n in notices.order_by("pk")] == [Announcement.Kind.AWARD, Announcement.Kind.FAILURE]
    void = notices.get(kind=Announcement.Kind.FAILURE)
    assert apps[1].organisation.name in void.body and "竞得人在规定期限内未签订成交确认书" in void.body
    assert void.portal_type == "result"
