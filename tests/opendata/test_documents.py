"""The signed documents in open data, suspensions, and land and property projects as sales.

Each public signed PDF — the opening record (开标记录) once the opening has ended, a sale's 网上竞得证明 and
成交确认书 — is an OCDS document of the release of its publication (``documentType`` from the codelist, an absolute URL
under ``SITE_URL`` that an anonymous reader opens, PDF, ``datePublished``). A regulator's suspension and its lifting
are tender amendments (projects and sales). A land or property project's amounts are negative, as a sale's."""

import datetime as dt
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


def sold_and_published():
    """A sale whose lot has just been sold, its releases published: the world, the sale, the lot, the ocid."""
    w = af.world()
    sale, lot, _apps = sold(w)
    sale.refresh_from_db()
    releases_publish(sales=[sale])
    return w, sale, lot, ocid_for(sale.deal_code)


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
    # The evaluation report is never linked: the law publishes the candidates (their publicity's notice is the
    # only evaluationReports document), not the report.
    assert "report.pdf" not in json.dumps(published)
    assert all(d["url"].endswith("/notice.pdf") and d["id"].startswith("notice-") for r in published.values()
               for d in r["tender"].get("documents", []) if d["documentType"] == "evaluationReports")


def test_a_sales_certificate_and_confirmation_are_documents_of_their_own_releases_and_any_reader_opens_them():
    w, sale, lot, ocid = sold_and_published()
    sale_notice = Announcement.objects.get(deal_code=sale.deal_code, kind=Announcement.Kind.TENDER)
    # the PDF is made after the close, off the hall's path
    assert set(releases(ocid)) == {"notice", f"notice-{sale_notice.pk}", "close-1"}

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
    assert releases_publish_recent() == 4  # the notice, its PDF linked, the suspension, the resumption
    published = [r for key, r in releases(ocid).items() if not key.startswith("notice-")]
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
    pdf = {"id": f"notice-{notice.pk}", "documentType": "awardNotice", "title": "中标结果公告",
           "url": f"{SITE}/announcements/{notice.pk}/notice.pdf", "format": "application/pdf",
           "datePublished": when(notice.published_at), "language": "zh"}
    assert [award["documents"] for award in release["awards"]] == [[pdf, expected], [pdf, expected]]
    assert fetched(expected["url"], attachment.sha256) == data
    assert all("documents" not in award for award in releases(ocid)[next(
        k for k in releases(ocid) if k.startswith("award-"))]["awards"])  # not before the notice


def opened(url: str) -> bytes:
    """A notice's PDF as an anonymous reader gets it (made on request: no stored hash)."""
    assert url.startswith(f"{SITE}/")
    response = Client().get(url.removeprefix(SITE))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    return response.content


def test_each_notice_is_a_document_of_the_release_of_its_publication_and_any_reader_opens_it():
    """The tender notice, a clarification, the candidates' publicity, the award notice and the contract publicity:
    each linked (its PDF, 公告全文) in the release of its publication and every later one, in its place."""
    project, _ = procedure(upto=Status.CONTRACT_SIGNED)
    ocid = ocid_for(project.deal_code)
    second = dt.timedelta(seconds=1)
    published = {t.to_status: t.at for t in ProjectTransition.objects.filter(project=project)}

    def notice(kind, title, at):
        return Announcement.objects.create(project=project, kind=kind, title=title, body="正文", published_at=at,
                                           category=project.category, deal_code=project.deal_code)

    tender = notice(Announcement.Kind.TENDER, project.title, published[Status.PUBLISHED] + second)
    clarification = notice(Announcement.Kind.CLARIFICATION, "澄清：踏勘时间", published[Status.PUBLISHED]
                           + dt.timedelta(days=6))
    candidates = notice(Announcement.Kind.CANDIDATES, "中标候选人公示", published[Status.PUBLICITY] + second)
    award = notice(Announcement.Kind.AWARD, "中标结果公告", published[Status.AWARDED] + second)
    contract = project.sections.order_by("code").last().award.contract
    contract_notice = notice(Announcement.Kind.CONTRACT, "合同公示", contract.recorded_at + second)
    releases_publish(projects=[project])
    stored = releases(ocid)

    def linked(item, pk):
        return [d for d in item.get("documents", []) if d["id"] == f"notice-{pk}"]

    for item, tag, document_type in ((tender, "tenderUpdate", "tenderNotice"),
                                     (candidates, "tenderUpdate", "evaluationReports")):
        release = stored[f"notice-{item.pk}"]
        assert release["tag"] == [tag] and release["date"] == when(item.published_at)
        [document] = linked(release["tender"], item.pk)
        assert document == {"id": f"notice-{item.pk}", "documentType": document_type, "title": item.title,
                            "url": f"{SITE}/announcements/{item.pk}/notice.pdf", "format": "application/pdf",
                            "datePublished": when(item.published_at), "language": "zh"}
        opened(document["url"])
    # A clarification's notice is in the release of the amendment it publishes, not in a second one.
    assert f"notice-{clarification.pk}" not in stored
    [document] = linked(stored[f"amendment-{clarification.pk}"]["tender"], clarification.pk)
    assert document["documentType"] == "clarifications"
    assert not linked(stored[next(k for k in stored if k.startswith("tender-"))]["tender"], tender.pk)  # not before
    release = stored[f"notice-{award.pk}"]
    assert release["tag"] == ["awardUpdate"]
    assert [[d["documentType"] for d in linked(a, award.pk)] for a in release["awards"]] == [["awardNotice"]] * 2
    assert not linked(release["tender"], award.pk)
    release = stored[f"notice-{contract_notice.pk}"]
    assert release["tag"] == ["contractUpdate"]
    assert [[d["documentType"] for d in linked(c, contract_notice.pk)] for c in release["contracts"]] == [
        [], ["contractNotice"]]  # under the contract recorded in the transaction that published it
    opened(linked(release["contracts"][1], contract_notice.pk)[0]["url"])
    last = list(stored.values())[-1]  # every later release carries them
    assert {d["id"] for d in last["tender"]["documents"]} >= {f"notice-{n.pk}" for n in (tender, candidates,
                                                                                         clarification)}


def test_a_sales_result_notice_is_an_award_notice_of_the_lots_award():
    from auctions.services.notices import lot_result_notice_publish

    w, sale, lot, ocid = sold_and_published()
    result = lot_result_notice_publish(lot_id=lot.pk)
    assert releases_publish_recent() >= 1  # the sweep finds the sale by the notice's deal code
    release = releases(ocid)[f"notice-{result.pk}"]
    assert release["tag"] == ["awardUpdate"] and release["date"] == when(result.published_at)
    [award] = release["awards"]
    document = next(d for d in award["documents"] if d["id"] == f"notice-{result.pk}")
    assert document["documentType"] == "awardNotice" and document["relatedLots"] == [lot.deal_key]
    opened(document["url"])
    assert [d["documentType"] for d in release["tender"]["documents"]] == ["tenderNotice"]  # the sale notice
