"""Complaints (投诉) on a marketplace purchase's selection result (财政部令第94号): only an intermediary that took part,
after its challenge (质疑) to the owner, within 15 working days after the answer; once per result; the contract
waits while the regulator handles it; an upheld decision voids the selection and the purchase goes back to
selection. Every refusal is clear and changes nothing."""

import datetime as dt
import importlib

import pytest
from django.apps import apps
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts.models import Organisation, Role
from audit.models import AuditEvent
from core.workdays import add_working_days, today
from marketplace.models import Objection as PurchaseObjection
from marketplace.models import Purchase
from marketplace.services import delivery, purchases, selection
from supervision.models import Complaint
from supervision.services import complaints
from supervision.services.purchase_complaints import purchase_complaint_file
from tests import factories
from tests.marketplace import factories as mf

pytestmark = pytest.mark.django_db


def person_of(intermediary):
    return intermediary.organisation.people.get()


@pytest.fixture
def market():
    """A 竞价 purchase with three quotes, the lowest selected and publicised; the second objected and was answered."""
    importlib.import_module("supervision.migrations.0003_credit_behaviours").seed(apps, None)
    first, second, third = (mf.intermediary() for _ in range(3))
    outsider = mf.intermediary()
    purchase = mf.purchase(method="bidding", quote_mode="sealed")
    for who, quote in ((first, "60000"), (second, "62000"), (third, "65000")):
        purchases.application_submit(purchase=purchase, intermediary=who, quote=quote)
    purchase = selection.bidding_select(purchase=mf.deadline_passes(purchase))
    objection = selection.objection_file(purchase=purchase, organisation=second.organisation,
                                         text="中选单位的造价咨询资质证书已被注销，不符合资格条件。")
    selection.objection_answer(objection=objection, answer="经核查，资质证书有效。")
    regulator = factories.user(role=Role.REGULATOR, organisation_obj=factories.organisation(
        org_type=Organisation.Type.REGULATOR, name="阳光市财政局"))
    regulator.display_name = "赵监管"
    regulator.save(update_fields=["display_name"])
    return {"purchase": purchase, "first": first, "second": second, "third": third, "outsider": outsider,
            "objection": objection, "regulator": regulator}


def refused_code(call) -> str:
    with pytest.raises(ValidationError) as exc:
        call()
    return exc.value.error_dict["grounds"][0].code


def counts() -> tuple:
    return (Complaint.objects.count(), AuditEvent.objects.filter(action="supervision.complaint.file").count())


def test_a_complaint_upheld_voids_the_selection_and_the_next_in_the_ranking_is_selected(market):
    purchase, second, regulator = market["purchase"], market["second"], market["regulator"]
    # the second in the ranking complains after the owner's answer
    complaint = purchase_complaint_file(purchase=purchase, user=person_of(second),
                                        grounds="资质证书已于上月注销，附注销公告。")
    assert complaint.track == "government" and complaint.subject == "selection"
    assert complaint.purchase_objection == market["objection"] and complaint.project is None
    assert complaint.acceptance_due == add_working_days(today(), 5)
    assert complaint.decision_due == add_working_days(today(), 30)
    assert complaint.filing_deadline == add_working_days(timezone.localdate(market["objection"].answered_at), 15)
    assert complaint.deal_code == purchase.number and complaint.title == purchase.title

    # while it is open the contract waits, with the reason
    purchase = mf.publicity_ends(purchase)
    with pytest.raises(ValidationError) as held:
        delivery.contract_record(purchase=purchase, signed_on=today(), amount="60000",
                                 due_on=today() + dt.timedelta(days=30), deliverables="成果报告")
    assert f"#{complaint.pk}" in " ".join(held.value.messages)

    # the regulator accepts and upholds: the selection is void, the next in the ranking is selected and publicised
    complaints.complaint_accept(complaint=complaint, user=regulator)
    complaints.complaint_decide(complaint=complaint, user=regulator, outcome="upheld",
                                decision="中选单位资质已注销，选取结果无效。")
    purchase.refresh_from_db()
    assert purchase.state == Purchase.State.PUBLICISED and purchase.winner == second
    assert purchase.voided == [market["first"].pk] and purchase.amount == 62000
    assert purchase.publicity_until > today()
    void = AuditEvent.objects.get(action="marketplace.select.void", object_id=str(purchase.pk))
    assert void.payload["intermediary"] == market["first"].pk and f"#{complaint.pk}" in void.payload["by"]
    # the new result takes objections and complaints of its own; the voided one is not selected again
    assert AuditEvent.objects.filter(action="marketplace.select.next", object_id=str(purchase.pk)).exists()


def test_a_dismissed_complaint_lets_the_contract_be_signed(market):
    complaint = purchase_complaint_file(purchase=market["purchase"], user=person_of(market["second"]),
                                        grounds="资质有问题。")
    complaints.complaint_accept(complaint=complaint, user=market["regulator"])
    complaints.complaint_decide(complaint=complaint, user=market["regulator"], outcome="dismissed",
                                decision="资质证书经核实有效，投诉不成立。")
    purchase = mf.publicity_ends(market["purchase"])
    contract = delivery.contract_record(purchase=purchase, signed_on=today(), amount="60000",
                                        due_on=today() + dt.timedelta(days=30), deliverables="成果报告")
    assert contract.purchase.winner == market["first"]


def test_signing_fast_cannot_cut_a_complaint_off_the_contract_waits_for_the_complaint_period(market, settings):
    purchase = mf.publicity_ends(market["purchase"])

    def sign():
        return delivery.contract_record(purchase=purchase, signed_on=today(), amount="60000",
                                        due_on=today() + dt.timedelta(days=30), deliverables="成果报告")

    # the second's challenge was answered today: it may complain for 15 working days, the contract waits
    with pytest.raises(ValidationError) as held:
        sign()
    last = add_working_days(today(), 15).isoformat()
    assert market["second"].organisation.name in held.value.messages[0] and last in held.value.messages[0]
    # once that period is over the owner signs (a local rule may switch the wait off)
    PurchaseObjection.objects.filter(pk=market["objection"].pk).update(
        answered_at=timezone.now() - dt.timedelta(days=40), reply_due=today() - dt.timedelta(days=40))
    assert sign().purchase.winner == market["first"]


def test_an_upheld_complaint_on_a_direct_selection_opens_it_again_for_the_owner(market):
    chosen, other = mf.intermediary(), mf.intermediary()
    purchase = mf.purchase(method="direct")
    purchase = selection.select_direct(purchase=purchase, intermediary=chosen, amount="28000")
    # someone who took no part may not complain; the selected one is a participant only of its own result
    assert refused_code(lambda: purchase_complaint_file(purchase=purchase, user=person_of(other),
                                                        grounds="不公平")) == "not_participant"
    assert refused_code(lambda: purchase_complaint_file(purchase=purchase, user=person_of(chosen),
                                                        grounds="不公平")) == "selected"
    complaint = Complaint.objects.create(
        purchase=purchase, track="government", subject="selection", organisation=other.organisation,
        filed_by=person_of(other), grounds="直接选取理由不成立。", known_on=today(), filed_at=timezone.now(),
        filing_deadline=today(), acceptance_due=today(), decision_due=today())
    complaints.complaint_accept(complaint=complaint, user=market["regulator"])
    complaints.complaint_decide(complaint=complaint, user=market["regulator"], outcome="upheld",
                                decision="不符合直接选取条件。")
    purchase.refresh_from_db()
    assert purchase.state == Purchase.State.OPEN and purchase.winner is None and purchase.voided == [chosen.pk]
    again = selection.select_direct(purchase=purchase, intermediary=other, amount="27000")
    assert again.winner == other


def test_every_wrong_complaint_is_refused_with_its_reason_and_nothing_is_filed(market):
    purchase, second, third, outsider = market["purchase"], market["second"], market["third"], market["outsider"]
    before = counts()
    # not a participant; the selected one itself
    assert refused_code(lambda: purchase_complaint_file(purchase=purchase, user=person_of(outsider),
                                                        grounds="有问题")) == "not_participant"
    assert refused_code(lambda: purchase_complaint_file(purchase=purchase, user=person_of(market["first"]),
                                                        grounds="有问题")) == "selected"
    # a participant that did not challenge the owner first
    assert refused_code(lambda: purchase_complaint_file(purchase=purchase, user=person_of(third),
                                                        grounds="有问题")) == "objection_first"
    # a challenge still within its answer period
    waiting = selection.objection_file(purchase=purchase, organisation=third.organisation, text="报价有误。")
    assert refused_code(lambda: purchase_complaint_file(purchase=purchase, user=person_of(third),
                                                        grounds="有问题")) == "awaiting_answer"
    # late: more than 15 working days after the answer
    PurchaseObjection.objects.filter(pk=waiting.pk).update(answer="无误。", answered_at=timezone.now(),
                                                           reply_due=today())
    PurchaseObjection.objects.filter(pk=market["objection"].pk).update(
        answered_at=timezone.now() - dt.timedelta(days=40), reply_due=today() - dt.timedelta(days=40))
    assert refused_code(lambda: purchase_complaint_file(purchase=purchase, user=person_of(second),
                                                        grounds="有问题")) == "too_late"
    # empty grounds; a person who is no intermediary
    with pytest.raises(ValidationError):
        purchase_complaint_file(purchase=purchase, user=person_of(third), grounds="  ")
    with pytest.raises(PermissionDenied):
        purchase_complaint_file(purchase=purchase, user=purchase.created_by, grounds="有问题")
    assert counts() == before

    # duplicate: once per result
    purchase_complaint_file(purchase=purchase, user=person_of(third), grounds="报价计算有误。")
    assert refused_code(lambda: purchase_complaint_file(purchase=purchase, user=person_of(third),
                                                        grounds="再次投诉")) == "duplicate"
    assert counts() == (before[0] + 1, before[1] + 1)


def test_no_complaint_once_the_contract_is_signed_and_no_suspension_is_needed(market):
    purchase = mf.publicity_ends(market["purchase"])
    complaint = purchase_complaint_file(purchase=purchase, user=person_of(market["second"]), grounds="资质有问题。")
    with pytest.raises(ValidationError, match="no suspension"):
        complaints.complaint_suspend_procedure(complaint=complaint, user=market["regulator"], note="暂停")
    complaints.complaint_reject(complaint=complaint, user=market["regulator"], reasons="已超出受理范围。")
    delivery.contract_record(purchase=purchase, signed_on=today(), amount="60000",
                             due_on=today() + dt.timedelta(days=30), deliverables="成果报告")
    # the contracted purchase takes no more complaints
    assert refused_code(lambda: purchase_complaint_file(purchase=purchase, user=person_of(market["second"]),
                                                        grounds="资质有问题。")) == "contracted"


def test_the_pages_and_the_api_file_and_show_the_complaint_in_chinese(market, settings):
    settings.LANGUAGE_CODE = "zh-hans"
    purchase, second, regulator = market["purchase"], market["second"], market["regulator"]
    page = reverse("supervision:purchase_complaints", args=[purchase.pk])
    outsider = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
    outsider.force_login(person_of(market["outsider"]))
    response = outsider.post(reverse("supervision:purchase_complaint_new", args=[purchase.pk]),
                             {"grounds": "不公平"}, follow=True)
    assert "只有参与本次选取的中介机构" in response.content.decode()
    assert not Complaint.objects.exists()

    client = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
    client.force_login(person_of(second))
    assert 'id="file-complaint"' in client.get(page).content.decode()
    assert "投诉" in client.get(reverse("marketplace:purchase", args=[purchase.pk])).content.decode()
    response = client.post(reverse("supervision:purchase_complaint_new", args=[purchase.pk]),
                           {"grounds": "中选单位资质已注销。"}, follow=True)
    complaint = Complaint.objects.get()
    assert f"投诉 #{complaint.pk}" in response.content.decode()
    again = client.post(reverse("supervision:purchase_complaint_new", args=[purchase.pk]),
                        {"grounds": "再次投诉"}, follow=True)
    assert "不能重复投诉" in again.content.decode() and Complaint.objects.count() == 1

    api = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
    api.force_login(person_of(market["third"]))
    refused = api.post(f"/api/supervision/purchases/{purchase.pk}/complaints/", {"grounds": "x"},
                       content_type="application/json")
    assert refused.status_code == 400 and "grounds" in refused.json()["errors"]
    listed = api.get(f"/api/supervision/purchases/{purchase.pk}/complaints/")
    assert listed.status_code == 200 and listed.json() == []  # another intermediary's complaint is not its to read

    desk = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
    desk.force_login(regulator)
    assert purchase.number in desk.get(reverse("accounts:dashboard_role", args=["regulator"])).content.decode()
    detail = desk.get(reverse("supervision:complaint", args=[complaint.pk])).content.decode()
    assert purchase.title in detail and "经核查，资质证书有效。" in detail
    assert desk.post(reverse("supervision:complaint_action", args=[complaint.pk, "accept"])).status_code == 302
    decided = desk.post(f"/api/supervision/complaints/{complaint.pk}/decide/",
                        {"outcome": "upheld", "decision": "资质已注销，选取结果无效。"},
                        content_type="application/json")
    assert decided.status_code == 200 and decided.json()["outcome"] == "upheld"
    purchase.refresh_from_db()
    assert purchase.winner == second and purchase.voided == [market["first"].pk]
    html = Client(HTTP_ACCEPT_LANGUAGE="zh-hans").get(reverse("marketplace:purchase", args=[purchase.pk]))
    assert market["first"].organisation.name in html.content.decode()

    # every page of the journey reads in Chinese, without codes or English
    from tests.e2e.page_checks import page_problems

    for reader, url in ((client, page), (client, reverse("supervision:complaint", args=[complaint.pk])),
                        (desk, reverse("supervision:complaint", args=[complaint.pk])), (desk, page),
                        (desk, reverse("accounts:dashboard_role", args=["regulator"])),
                        (desk, reverse("supervision:complaints_desk")),
                        (Client(HTTP_ACCEPT_LANGUAGE="zh-hans"), reverse("marketplace:purchase", args=[purchase.pk]))):
        response = reader.get(url)
        assert response.status_code == 200 and not page_problems(response.content.decode()), (
            url, page_problems(response.content.decode()))


def test_the_demo_leaves_a_marketplace_complaint_on_the_regulators_desk():
    from io import StringIO

    from accounts import demo as accounts_demo
    from accounts.desk import desk_for
    from accounts.models import User
    from core import demo as core_demo
    from marketplace import demo as marketplace_demo
    from supervision import demo

    importlib.import_module("marketplace.migrations.0002_credit_behaviours").seed(apps, None)
    out = StringIO()
    for seed in (core_demo.seed, accounts_demo.seed, marketplace_demo.seed):
        seed(stdout=out)
    demo._marketplace_complaint(out)
    demo._marketplace_complaint(out)
    complaint = Complaint.objects.get()
    assert complaint.state == "received" and complaint.purchase.title == "市档案馆改造工程造价咨询"
    items = [i for s in desk_for(User.objects.get(username="regulator")) if s.key == "complaints"
             for i in s.page.object_list]
    assert [i.url for i in items] == [reverse("supervision:complaint", args=[complaint.pk])]


def test_the_pages_read_in_english_for_who_chose_it(market, client_en):
    purchase = market["purchase"]
    client_en.force_login(person_of(market["outsider"]))
    page = client_en.get(reverse("supervision:purchase_complaints", args=[purchase.pk])).content.decode()
    assert "Complaints on the selection result" in page and "投诉" not in page.replace("(投诉)", "")
    refused = client_en.post(reverse("supervision:purchase_complaint_new", args=[purchase.pk]),
                             {"grounds": "unfair"}, follow=True).content.decode()
    assert "Only an intermediary that took part in this selection" in refused
