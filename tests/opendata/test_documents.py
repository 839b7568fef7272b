"""The signed documents in open data, suspensions, and land and property projects as sales.

Each public signed PDF — the opening record (开标记录) once the opening has ended, a sale's 网上竞得证明 and
成交确认书 — is an OCDS document of the release of its publication (``documentType`` from the codelist, an absolute URL
under ``SITE_URL`` that an anonymous reader opens, PDF, ``datePublished``). A regulator's suspension and its lifting
are tender amendments (projects and sales). A land or property project's amounts are negative, as a sale's."""

import hashlib
import json
from pathlib import Path

import pytest
from django.test import Client
from django.utils import timezone

from auctions import services as auction_services
from auctions.documents import document_generate
from auctions.models import LotDocument
from bidding_room.record import record_generate
from opendata.models import Release
from opendata.ocds import ocid_for, when
from opendata.services import releases_publish, releases_publish_recent
from tests import factories
from tests.auctions import factories as af
from tests.auctions.test_results import sold
from tests.bidding_room.test_record import closed_world
from trading.lifecycle import project_transition
from trading.models import Announcement, ProjectTransition, Status

from .history import procedure

pytestmark = pytest.mark.django_db
SITE = "https://jy.sunshine.example"


@pytest.fixture(autouse=True)
def site(settings):
    settings.SITE_URL = SITE


def releases(ocid: str) -> dict[str, dict]:
    return {r.release_id.removeprefix(f"{ocid}-"): r.data for r in Release.objects.filter(ocid=ocid).order_by("pk")}


def fetched(url: str, sha256: str) -> bytes:
    """The document as an anonymous reader gets it: no log-in, the bytes whose hash the platform keeps."""
    assert url.startswith(f"{SITE}/")
    response = Client().get(url.removeprefix(SITE))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    body = b"".join(response.streaming_content) if response.streaming else response.content
    assert body.startswith(b"%PDF") and hashlib.sha256(body).hexdigest() == sha256
    return body


def test_the_opening_record_is_a_document_once_the_opening_has_ended_and_any_reader_opens_it():
    world = closed_world()
    project = world.project
    ocid = ocid_for(project.deal_code)
    record = record_generate(session_id=world.session.pk)
    project.refresh_from_db()
    assert project.status == Status.OPENING
    releases_publish(projects=[project])
    assert "record.pdf" not in json.dumps(list(releases(ocid).values()))  # the opening has not ended

    ended = timezone.now()
    ProjectTransition.objects.create(project=project, from_status=Status.OPENING, to_status=Status.EVALUATION,
                                     by_label="平台", at=ended)
    assert releases_publish_recent() == 2  # the sweep: the opening's end and the record
    published = releases(ocid)
    release = published[f"record-{record.pk}"]
    assert release["tag"] == ["tenderUpdate"] and release["date"] == when(ended)  # not before the opening's end
    [document] = release["tender"]["documents"]
    assert document == {"id": "opening-record-001", "documentType": "bidders", "title": "开标记录（土建）",
                        "url": f"{SITE}/opening/{world.session.pk}/record.pdf", "format": "application/pdf",
                        "datePublished": when(record.created_at), "language": "zh", "relatedLots": ["001"]}
    assert Path(record.storage_path).read_bytes() == fetched(document["url"], record.sha256)
    compiled = Client().get(f"/api/opendata/records/{ocid}/").json()["records"][0]["compiledRelease"]
    assert compiled["tender"]["documents"] == [document]
    # The evaluation report is never linked: the law publishes the candidates, not the report.
    assert "evaluationReports" not in json.dumps(published) and "report.pdf" not in json.dumps(published)


def test_a_sales_certificate_and_confirmation_are_documents_of_their_own_releases_and_any_reader_opens_them():
    w = af.world()
    sale, lot, apps = sold(w)
    sale.refresh_from_db()
    ocid = ocid_for(sale.deal_code)
    releases_publish(sales=[sale])
    assert set(releases(ocid)) == {"notice", "close-1"}  # the PDF is made after the close, off the hall's path

    certificate = document_generate(lot_id=lot.pk, kind=LotDocument.Kind.CERTIFICATE)
    assert releases_publish_recent() == 1  # the sweep finds the published document in the audit chain
    release = releases(ocid)["certificate-1"]
    assert release["tag"] == ["awardUpdate"] and release["date"] == when(certificate.created_at)
    [document] = release["awards"][0]["documents"]
    assert document == {"id": f"{lot.deal_key}-certificate-pdf", "documentType": "awardNotice",
                        "title": "网上竞得证明", "url": f"{SITE}/auctions/lots/{lot.pk}/certificate.pdf",
                        "format": "application/pdf", "datePublished": when(certificate.created_at),
                        "language": "zh", "relatedLots": [lot.deal_key]}
    fetched(document["url"], certificate.sha256)

    auction_services.deal_confirm(lot=lot, user=w.bidders[1])
    confirmation = document_generate(lot_id=lot.pk, kind=LotDocument.Kind.CONFIRMATION)
    assert releases_publish_recent() == 2  # the contract (成交确认书 signed), then its signed PDF
    release = releases(ocid)["confirmation-1"]
    assert release["tag"] == ["contractUpdate"]
    [contract] = release["contracts"]
    assert contract["documents"][0]["documentType"] == "contractSigned"
    assert contract["documents"][0]["title"] == "成交确认书"
    fetched(contract["documents"][0]["url"], confirmation.sha256)
    assert release["awards"][0]["documents"] == [document]  # what was published stays
    assert "documents" not in releases(ocid)["contract-1"]["contracts"][0]  # not before it was made


def test_a_suspended_sale_and_its_resumption_are_tender_amendments():
    w = af.world()
    sale = af.sale(w)
    ocid = ocid_for(sale.deal_code)
    auction_services.sale_suspend(sale=sale, user=w.regulator, reason="收到举报，核查出让条件")
    auction_services.sale_resume(sale=sale, user=w.regulator)
    assert releases_publish_recent() == 3  # the notice, the suspension, the resumption
    published = list(releases(ocid).values())
    assert [r["tag"] for r in published] == [["tender"], ["tenderAmendment"], ["tenderAmendment"]]
    suspended, resumed = published[1]["tender"]["amendments"], published[2]["tender"]["amendments"]
    assert suspended[0]["rationale"] == "收到举报，核查出让条件" and suspended[0]["description"].startswith("暂停")
    assert published[1]["tender"]["status"] == "active"  # OCDS 1.1 has no "suspended" status
    assert len(resumed) == 2 and resumed[1]["description"].startswith("恢复") and "rationale" not in resumed[1]


def test_a_suspended_project_is_a_tender_amendment_and_a_suspended_opening_publishes_no_bid():
    project, bidders = procedure(upto=Status.OPENING)  # bids sealed: nothing of them is public yet
    regulator = factories.user(role="regulator")
    ocid = ocid_for(project.deal_code)
    project_transition(project=project, to=Status.SUSPENDED, user=regulator, note="收到投诉，暂停开标")
    releases_publish(projects=[project])
    published = releases(ocid)
    [key] = [k for k in published if k.startswith("suspended-")]
    assert published[key]["tag"] == ["tenderAmendment"] and published[key]["tender"]["status"] == "active"
    assert published[key]["tender"]["amendments"][-1]["rationale"] == "收到投诉，暂停开标"
    text = json.dumps(list(published.values()), ensure_ascii=False)
    assert "bids" not in text and all(b.name not in text for b in bidders)  # a suspension is not the opening's end
    assert Announcement.objects.filter(project=project, kind="suspension").exists()

    project_transition(project=project, to=Status.OPENING, user=regulator, note="投诉不成立")
    releases_publish(projects=[project])
    [key] = [k for k in releases(ocid) if k.startswith("resumed-")]
    lifted = releases(ocid)[key]
    assert lifted["tag"] == ["tenderAmendment"] and lifted["tender"]["amendments"][-1]["description"].startswith("恢复")
    assert "投诉不成立" not in json.dumps(lifted, ensure_ascii=False)  # the lifting's grounds stay on the platform
    assert "bids" not in lifted


def test_a_land_project_is_published_as_a_sale_with_negative_amounts():
    project, _ = procedure(category="land", base_type="starting_price", title="阳光市2025-03号地块挂牌出让")
    releases_publish(projects=[project])
    published = releases(ocid_for(project.deal_code))
    award = published[next(k for k in published if k.startswith("contract-"))]
    assert "mainProcurementCategory" not in award["tender"]
    assert {lot["value"]["amount"] for lot in award["tender"]["lots"]} == {-8000000.0, -3000000.0}
    assert all(d["value"]["amount"] < 0 for d in award["bids"]["details"])
    assert all(a["value"]["amount"] < 0 for a in award["awards"])
    assert all(c["value"]["amount"] < 0 for c in award["contracts"])
    assert award["buyer"]["name"].startswith("某区卫生健康委员会")  # the tenderer: the public body that sells
    construction, _ = procedure()
    releases_publish(projects=[construction])
    assert all(lot["value"]["amount"] > 0 for release in releases(ocid_for(construction.deal_code)).values()
               for lot in release["tender"]["lots"])


def test_an_award_notices_attachments_are_documents_of_the_awards_it_announced():
    from trading.services.notices import announcement_publish

    project, _ = procedure(upto=Status.AWARDED)
    ocid = ocid_for(project.deal_code)
    data = b"%PDF-1.7\n% a signed award notice attachment\n"
    notice = announcement_publish(project=project, kind="award", title="中标结果公告", body="中标人见附件",
                                  attachments=[("中标通知书.pdf", data)])
    releases_publish(projects=[project])
    release = releases(ocid)[f"notice-{notice.pk}"]
    assert release["tag"] == ["awardUpdate"] and release["date"] == when(notice.published_at)
    attachment = notice.attachments.get()
    expected = {"id": f"notice-{notice.pk}-{attachment.pk}", "documentType": "awardNotice", "title": "中标通知书.pdf",
                "url": f"{SITE}/announcements/{notice.pk}/files/{attachment.pk}/", "format": "application/pdf",
                "datePublished": when(notice.published_at), "language": "zh"}
    assert [award["documents"] for award in release["awards"]] == [[expected], [expected]]
    assert fetched(expected["url"], attachment.sha256) == data
    assert all("documents" not in award for award in releases(ocid)[next(
        k for k in releases(ocid) if k.startswith("award-"))]["awards"])  # not before the notice
