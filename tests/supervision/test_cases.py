"""Enforcement: cases, measures with their signed decisions, credit, the draw and the lifecycle, the yearly report."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from accounts.models import Organisation, Role
from core.workdays import today
from credit.models import BlacklistEntry, CreditEvent
from expert_pool.models import Expert
from supervision.documents import decision_path, decision_verify
from supervision.models import Case, Lead
from supervision.selectors.report import enforcement_report
from supervision.services import cases
from supervision.services.leads import leads_refresh
from tests import factories
from tests.expert_pool.factories import expert as make_expert
from tests.pdfcheck import assert_signed, assert_whole, pdf_read
from trading.models import Status

from .indicator_helpers import award, bid, bidder, project

pytestmark = pytest.mark.django_db


@pytest.fixture
def regulator(settings, tmp_path):
    settings.PROTECTED_ROOT = tmp_path / "protected"
    return factories.user(role=Role.REGULATOR, organisation_obj=factories.organisation(
        org_type=Organisation.Type.REGULATOR, name="阳光市公共资源交易监督管理局", region="310000"))


@pytest.fixture
def tenderer():
    return factories.user(role=Role.TENDERER)


def test_a_case_from_a_signal_a_fine_credit_and_the_signed_decision(regulator, tenderer):
    made = project(tenderer_user=tenderer)
    section = made.sections.get()
    one, two = bidder(), bidder()
    for person in (one, two):
        bid(section, person, price="900000.00", address="203.0.113.7")
    leads_refresh()
    lead = Lead.objects.get(code="same_address", section=section)

    case = cases.case_open_from_lead(lead=lead, user=regulator)
    lead.refresh_from_db()
    assert lead.state == Lead.State.CASE_OPENED and case.project == made
    assert {p.organisation for p in case.parties.all()} == {one.organisation, two.organisation}
    assert case.due > today()

    fine = cases.measure_issue(case=case, user=regulator, kind="fine", organisation=one.organisation,
                               amount="45000", legal_basis="《招标投标法》第五十三条", behaviour_code="bid-rigging",
                               findings="与另一投标人从同一网络地址上传投标文件，报价一致。", publish=True)
    assert fine.amount == Decimal("45000.00") and fine.payment_due > today()
    event = CreditEvent.objects.get(pk=fine.credit_event_id)
    assert event.organisation == one.organisation and event.decision_number == fine.number
    assert BlacklistEntry.objects.filter(event=event).exists()  # bid-rigging black-lists (联合惩戒)
    pdf = decision_path(fine).read_bytes()
    assert decision_verify(pdf=pdf, signature_b64=fine.signature)
    assert not decision_verify(pdf=pdf + b" ", signature_b64=fine.signature)
    assert_signed(pdf, name="decision")  # and inside the PDF, by the platform's certificate (PAdES)
    read = pdf_read(pdf, name="decision-read")  # rendered to PNG, its font embedded, no figure split
    assert_whole(read, ["45,000.00", fine.number, "《招标投标法》第五十三条"])
    assert one.organisation.name in read.text

    cases.fine_payment_record(measure=fine, user=regulator, amount="45000", paid_on=today(), reference="BANK-1")
    with pytest.raises(ValidationError):
        cases.case_close(case=case, user=regulator, note="")
    closed = cases.case_close(case=case, user=regulator, note="已作出处理决定。")
    assert closed.state == Case.State.CLOSED


def test_expert_measures_are_enforced_by_the_draw(regulator, tenderer):
    from expert_pool.selectors.credit_tables import blacklisted_people

    suspended, disqualified = make_expert(), make_expert()
    case = cases.case_open(user=regulator, title="评标专家违规", facts="评标中私下接触投标人。", origin="report")
    cases.measure_issue(case=case, user=regulator, kind="expert_suspension", expert=suspended, months=6,
                        legal_basis="《招标投标法实施条例》第七十一条", findings="无正当理由不按评标标准评审。")
    cases.measure_issue(case=case, user=regulator, kind="expert_disqualification", expert=disqualified,
                        legal_basis="《招标投标法实施条例》第七十一条", findings="收受投标人财物。")
    suspended.refresh_from_db()
    assert suspended.status == Expert.Status.SUSPENDED
    assert blacklisted_people(on=today()).filter(person=disqualified.user).exists()


def test_an_award_declared_void_sends_the_section_back_to_award(regulator, tenderer):
    from trading.models import Candidate
    from trading.services.refusals import next_candidate

    made = project(tenderer_user=tenderer, status=Status.AWARDED)
    section = made.sections.get()
    winner, runner_up = bid(section, bidder(), price="900000.00"), bid(section, bidder(), price="910000.00")
    Candidate.objects.create(section=section, rank=1, organisation=winner.organisation, price=Decimal("900000"))
    Candidate.objects.create(section=section, rank=2, organisation=runner_up.organisation, price=Decimal("910000"))
    live = award(section, winner)
    case = cases.case_open(user=regulator, title="串通投标", facts="…", origin="ex_officio", project=made)
    cases.measure_issue(case=case, user=regulator, kind="award_voided", award=live, behaviour_code="bid-rigging",
                        legal_basis="《招标投标法》第五十三条", findings="中标人与他人串通投标。")
    live.refresh_from_db()
    section.refresh_from_db()
    assert live.section is None and live.refusal == "voided"
    assert not hasattr(section, "award")
    assert next_candidate(section=section).organisation == runner_up.organisation


def test_a_regulator_of_another_region_is_refused(tenderer):
    elsewhere = factories.user(role=Role.REGULATOR, organisation_obj=factories.organisation(
        org_type=Organisation.Type.REGULATOR, region="440300"))
    made = project(tenderer_user=tenderer, region="310000")
    with pytest.raises(Exception, match="outside your region"):
        cases.case_open(user=elsewhere, title="x", facts="y", origin="report", project=made)


def rebuild_jingmen_year(regulator, tenderer) -> list[Case]:
    """荆门 2020 through the services: 48 cases on 48 projects, 57 people warned in 19 talks, 50 experts handled,
    12 fines of 4,705,600 yuan in all."""
    made = [cases.case_open(user=regulator, title=f"案件{n}", facts="经查……", origin="ex_officio",
                            project=project(tenderer_user=tenderer)) for n in range(48)]
    parties = [bidder().organisation for _ in range(12)]
    for n in range(19):
        cases.measure_issue(case=made[n], user=regulator, kind="warning_talk", organisation=parties[n % 12],
                            talked_to=[{"name": f"人员{n}-{i}", "position": "项目负责人"} for i in range(3)],
                            talk_on=today(), legal_basis="《招标投标法实施条例》第四条", findings="约谈提醒。")
    experts = [make_expert() for _ in range(50)]
    for n, person in enumerate(experts):
        cases.measure_issue(case=made[19 + n % 29], user=regulator,
                            kind="expert_suspension" if n < 40 else "expert_disqualification", expert=person,
                            months=6, legal_basis="《招标投标法实施条例》第七十一条", findings="违反评标纪律。")
    for n, amount in enumerate(["450000"] * 8 + ["300000"] * 3 + ["205600"]):
        cases.measure_issue(case=made[n * 4], user=regulator, kind="fine", organisation=parties[n], amount=amount,
                            behaviour_code="bid-rigging", legal_basis="《招标投标法》第五十三条", findings="串通投标。",
                            publish=True)
    return made


def test_a_year_of_enforcement_reads_back_in_the_jingmen_shape(regulator, tenderer):
    rebuild_jingmen_year(regulator, tenderer)
    report = enforcement_report(year=today().year, user=regulator)
    total = report.total
    assert (total.cases, total.projects, total.people_warned, total.experts_handled) == (48, 48, 57, 50)
    assert (total.fines, total.fines_amount) == (12, Decimal("4705600.00"))
    assert dt.date.today().year == report.year
