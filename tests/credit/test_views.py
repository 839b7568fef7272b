"""Pages and API: who sees what, forms that change things, and errors that change nothing."""

import csv
import io

import pytest
from django.urls import reverse

from accounts.models import Role
from credit.models import Appeal, BehaviourVersion, CreditEvent, RepairApplication
from tests import factories
from tests.credit.factories import days_ago, event, pdf

pytestmark = pytest.mark.django_db


def login(client, user):
    client.force_login(user)
    return client


def test_public_lists_need_no_login_and_search_by_credit_code(client):
    rigged = factories.organisation(name="东方路桥建设有限公司")
    event(code="bid-rigging", organisation=rigged, occurred_on=days_ago(2))
    honest = factories.organisation(name="华夏园林绿化有限公司")
    event(code="commendation", organisation=honest, evidence="守信表彰")
    page = client.get(reverse("credit:lists"), {"q": rigged.credit_code})
    assert page.status_code == 200 and "东方路桥建设有限公司" in page.content.decode()
    assert "东方路桥" not in client.get(reverse("credit:lists"), {"q": "不存在的公司"}).content.decode()
    assert "华夏园林" in client.get(reverse("credit:lists"), {"list": "red"}).content.decode()


def test_joint_punishment_feed_csv_and_json_list_restrictions_in_force(client):
    rigged = factories.organisation(name="东方路桥建设有限公司")
    event(code="bid-rigging", organisation=rigged, occurred_on=days_ago(2))
    event(code="expert-misconduct", person=factories.user(role=Role.EXPERT))
    data = client.get(reverse("api-credit-feed-json")).json()
    assert {row["subject_type"] for row in data["entries"]} == {"organisation", "person"}
    assert data["entries"][0]["credit_code"] == rigged.credit_code
    response = client.get(reverse("api-credit-feed-csv"))
    rows = list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert response["Content-Type"].startswith("text/csv")
    assert rows[0]["name"] == "东方路桥建设有限公司" and rows[0]["legal_basis"].startswith("《招标投标法》")


def test_public_api_lists_and_subject_lookup(client):
    bidder = factories.organisation()
    event(code="award-refused", organisation=bidder, occurred_on=days_ago(3))
    event(code="bid-rigging", organisation=bidder, occurred_on=days_ago(3))
    assert client.get(reverse("api-credit-blacklist"), {"q": bidder.name}).json()["count"] == 1
    answer = client.get(reverse("api-credit-subject", args=[bidder.credit_code])).json()
    assert (answer["score"], answer["grade"], answer["restricted"]) == (40, "E", True)
    past = client.get(reverse("api-credit-subject", args=[bidder.credit_code]), {"on": days_ago(4).isoformat()})
    assert (past.json()["score"], past.json()["restricted"]) == (100, False)
    assert client.get(reverse("api-credit-subject", args=[bidder.credit_code]), {"on": "yesterday"}).status_code == 400
    assert client.get(reverse("api-credit-subject", args=["91310000MA1FL0000X"])).status_code == 404
    codes = {row["code"] for row in client.get(reverse("api-credit-behaviours")).json()}
    assert {"bid-rigging", "fraud", "expert-no-show", "commendation"} <= codes


def test_events_api_is_for_regulators_only(client, users):
    bidder = users["bidder"].organisation
    event(code="award-refused", organisation=bidder, deal_code="A3100002026000077")
    assert client.get(reverse("api-credit-events")).status_code in (401, 403)
    assert login(client, users["bidder"]).get(reverse("api-credit-events")).status_code == 403
    rows = login(client, users["regulator"]).get(reverse("api-credit-events"),
                                                 {"deal_code": "A3100002026000077"}).json()["results"]
    assert [row["behaviour"] for row in rows] == ["award-refused"]


def test_regulator_records_a_decision_through_the_api_and_errors_change_nothing(client, users):
    bidder = users["bidder"].organisation
    login(client, users["regulator"])
    bad = client.post(reverse("api-credit-events"), {"credit_code": bidder.credit_code, "behaviour": "fraud",
                                                      "evidence": "伪造业绩", "decision_number": "",
                                                      "occurred_on": days_ago(-2).isoformat()}, format="json")
    assert bad.status_code == 400 and not CreditEvent.objects.exists()
    unknown = client.post(reverse("api-credit-events"), {"credit_code": "NOPE", "behaviour": "fraud",
                                                          "evidence": "x", "decision_number": "1"})
    assert "existing unified social credit code" in unknown.json()["errors"]["credit_code"][0]
    ok = client.post(reverse("api-credit-events"), {"credit_code": bidder.credit_code, "behaviour": "fraud",
                                                     "evidence": "伪造业绩", "decision_number": "阳监罚〔2026〕9号"})
    assert ok.status_code == 201 and ok.json()["points"] == 50


def test_a_bidder_sees_only_its_own_credit_page(client, users):
    mine = users["bidder"]
    other = factories.organisation(name="别家公司")
    event(code="award-refused", organisation=mine.organisation, evidence="本公司放弃中标")
    event(code="fraud", organisation=other, evidence="别家公司弄虚作假")
    response = login(client, mine).get(reverse("credit:mine"))
    page = response.content.decode()
    assert "本公司放弃中标" in page and "别家公司弄虚作假" not in page
    assert [section["standing"].score for section in response.context["sections"]] == [80]
    assert client.get(reverse("credit:manage")).status_code == 403
    assert client.get(reverse("credit:manage_subject", args=["organisation", other.pk])).status_code == 403
    assert client.get(reverse("credit:manage_record")).status_code == 403


def test_managing_needs_a_regulator(client, users):
    for role in ("bidder", "agency", "tenderer", "expert", "official", "admin"):
        client.force_login(users[role])
        assert client.get(reverse("credit:manage_catalogue")).status_code == 403
    assert client.logout() is None
    assert client.get(reverse("credit:manage")).status_code == 302


def test_a_bidder_cannot_appeal_against_another_subjects_event(client, users):
    theirs = event(code="award-refused", organisation=factories.organisation())
    response = login(client, users["bidder"]).post(reverse("credit:appeal", args=[theirs.pk]), {"statement": "x"})
    assert response.status_code == 403 and not Appeal.objects.exists()


def test_the_subject_appeals_and_applies_for_repair_from_its_page(client, users):
    bidder_user = users["bidder"]
    recorded = event(code="bid-rigging", organisation=bidder_user.organisation, occurred_on=days_ago(5))
    login(client, bidder_user)
    response = client.post(reverse("credit:appeal", args=[recorded.pk]),
                           {"statement": "未参与串通", "documents": [pdf("说明.pdf")]})
    assert response.status_code == 302 and Appeal.objects.get().documents.count() == 1
    empty = client.post(reverse("credit:repair", args=[recorded.blacklist_entry.pk]), {"statement": "已整改"})
    assert empty.status_code == 400 and "Attach the evidence" in empty.content.decode()
    assert not RepairApplication.objects.exists()
    done = client.post(reverse("credit:repair", args=[recorded.blacklist_entry.pk]),
                       {"statement": "已整改", "documents": [pdf("整改报告.pdf")]})
    assert done.status_code == 302 and RepairApplication.objects.get().status == "pending"
    doc = RepairApplication.objects.get().documents.get()
    assert client.get(reverse("credit:document", args=[doc.pk])).status_code == 200
    assert login(client, factories.user(role=Role.BIDDER)).get(
        reverse("credit:document", args=[doc.pk])).status_code == 404


def test_regulator_records_corrects_decides_and_edits_the_catalogue_through_pages(client, users):
    bidder_user = users["bidder"]
    login(client, users["regulator"])
    # Record a decision with evidence
    response = client.post(reverse("credit:manage_record"), {
        "subject": bidder_user.organisation.credit_code, "behaviour": "bid-rigging",
        "occurred_on": days_ago(1).isoformat(), "decision_number": "阳监罚〔2026〕1号", "deal_code": "",
        "evidence": "投标文件雷同", "documents": [pdf("处罚决定书.pdf"), pdf("鉴定意见.pdf")],
    })
    recorded = CreditEvent.objects.get()
    assert response.status_code == 302 and recorded.documents.count() == 2
    # An unknown subject is refused with a message, nothing recorded
    bad = client.post(reverse("credit:manage_record"), {
        "subject": "nobody", "behaviour": "fraud", "occurred_on": days_ago(1).isoformat(),
        "decision_number": "1", "evidence": "x"})
    assert bad.status_code == 400 and "No organisation with this unified social credit code" in bad.content.decode()
    assert CreditEvent.objects.count() == 1
    # Decide the subject's appeal: upheld, amended to fraud-free "award-refused"
    appeal = Appeal.objects.create(event=recorded, statement="不服", filed_by=bidder_user)
    response = client.post(reverse("credit:manage_appeal", args=[appeal.pk]),
                           {"decision": "approve", "reason": "认定有误", "behaviour": "award-refused"})
    assert response.status_code == 302
    recorded.refresh_from_db()
    assert recorded.status == "amended" and recorded.replaced_by.behaviour_version.behaviour.code == "award-refused"
    # Correcting the amended event again is refused with a message
    again = client.post(reverse("credit:manage_event", args=[recorded.pk]), {"reason": "再改", "behaviour": ""})
    assert again.status_code == 400 and "already corrected" in again.content.decode()
    # Edit the catalogue: a new version
    response = client.post(reverse("credit:manage_behaviour", args=["expert-no-show"]), {
        "title": "评标专家无正当理由缺席", "points": 15, "effect": "none", "months": 0, "applies_to": "person",
        "legal_basis": "《评标专家和评标专家库管理办法》第十五条", "active": "on", "change_note": "加重处理",
    })
    assert response.status_code == 302
    assert BehaviourVersion.objects.filter(behaviour__code="expert-no-show").count() == 2
    missing = client.post(reverse("credit:manage_behaviour", args=["expert-no-show"]), {
        "title": "x", "points": 15, "effect": "black", "months": 0, "applies_to": "person", "legal_basis": "y",
        "change_note": "z"})
    assert missing.status_code == 400 and "1 to 120 months" in missing.content.decode()
    assert BehaviourVersion.objects.filter(behaviour__code="expert-no-show").count() == 2
    for name in ("manage", "manage_catalogue", "manage_record"):
        assert client.get(reverse(f"credit:{name}")).status_code == 200
    assert client.get(reverse("credit:manage"), {"q": bidder_user.organisation.credit_code}).status_code == 200
    assert client.get(reverse("credit:manage_subject", args=["organisation", bidder_user.organisation_id])
                      ).status_code == 200


def test_navigation_entries_per_role(client, users):
    assert reverse("credit:mine") in login(client, users["bidder"]).get(reverse("credit:lists")).content.decode()
    page = login(client, users["regulator"]).get(reverse("credit:lists")).content.decode()
    assert reverse("credit:manage") in page and reverse("credit:mine") not in page


def test_pages_and_messages_are_chinese_by_default(client, settings, users):
    settings.LANGUAGE_CODE = "zh-hans"
    assert "红黑名单" in client.get(reverse("credit:lists")).content.decode()
    login(client, users["regulator"])
    response = client.post(reverse("credit:manage_record"), {
        "subject": users["bidder"].organisation.credit_code, "behaviour": "fraud",
        "occurred_on": days_ago(1).isoformat(), "decision_number": "", "evidence": "x"})
    assert response.status_code == 400 and "决定文书编号" in response.content.decode()
    response = client.post(reverse("credit:manage_record"), {
        "subject": users["bidder"].organisation.credit_code, "behaviour": "expert-no-show",
        "occurred_on": days_ago(1).isoformat(), "decision_number": "1号", "evidence": "x"})
    assert "适用于个人，不适用于单位" in response.content.decode() and not CreditEvent.objects.exists()
