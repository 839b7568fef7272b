"""The winner refuses the award or the contract: credit event, refused award kept, next candidate or re-tender."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from audit.models import AuditEvent
from core.workdays import today
from credit.models import CreditEvent
from tests.supervision.complaint_helpers import project_in
from trading.lifecycle import project_transition
from trading.models import Announcement, Award, Project, Status
from trading.services.awards import award_create, contract_record
from trading.services.projects import project_retender
from trading.services.refusals import award_next_candidate, award_refusal_retender, award_refuse


def _counts():
    return (Award.objects.count(), Award.objects.filter(refused_at__isnull=False).count(), CreditEvent.objects.count(),
            AuditEvent.objects.filter(action__startswith="trading.award").count())


def _awarded(world, status=Status.READY_TO_AWARD):
    project = project_in(world, status=Status.READY_TO_AWARD)
    section = project.sections.get()
    award = award_create(section=section, user=world.agency, organisation=world.bidders[0].organisation,
                         amount="910000.00")
    if status == Status.AWARDED:
        project_transition(project=project, to=Status.AWARDED, user=world.agency)
    return project, section, award


def _refused(call, field: str) -> str:
    with pytest.raises(ValidationError) as exc:
        call()
    return " ".join(exc.value.message_dict[field])


def test_a_refused_award_records_the_credit_event_and_the_next_candidate_is_awarded(world):
    project, section, award = _awarded(world)
    # When the winner refuses the award before the contract
    award_refuse(award=award, user=world.agency, refusal="award", reason="中标人2026年11月20日书面放弃中标。")
    # Then the award is kept, marked refused, and no longer the section's award
    award.refresh_from_db()
    assert award.refused_at and award.refusal == "award" and award.section is None and award.refused_section == section
    section.refresh_from_db()
    assert not hasattr(section, "award")
    assert list(Award.objects.filter(section__project=project)) == []  # what statistics read
    # And the winner has the credit event of the refusal, in the audit chain
    event = CreditEvent.objects.get()
    assert event.behaviour_version.behaviour.code == "award-refused"
    assert event.organisation == world.bidders[0].organisation and event.deal_code == project.deal_code
    assert AuditEvent.objects.get(action="trading.award.refuse").payload["credit_event"] == event.pk
    # When the tenderer awards the next-ranked candidate (TL 55), at its bid price
    second = award_next_candidate(section=section, user=world.agency)
    assert second.organisation == world.bidders[1].organisation and second.amount == section.candidates.get(
        rank=2).price
    section.refresh_from_db()
    assert section.award == second
    # Then the project can be awarded and contracted as usual
    project_transition(project=project, to=Status.AWARDED, user=world.agency)
    contract_record(award=second, user=world.agency, signed_on=today(), amount="920000.00")
    project_transition(project=project, to=Status.CONTRACT_SIGNED, user=world.agency)


def test_a_refused_contract_records_contract_refused_and_publishes_the_changed_award(world):
    project, section, award = _awarded(world, status=Status.AWARDED)
    award_refuse(award=award, user=world.agency, refusal="contract", reason="中标人拒绝按招标文件签订合同。")
    assert CreditEvent.objects.get().behaviour_version.behaviour.code == "contract-refused"
    # The contract step is blocked while the section has no live award
    message = _refused(lambda: project_transition(project=project, to=Status.CONTRACT_SIGNED, user=world.agency),
                       "status")
    assert message == "Record the contract of section(s) 001 first."
    award_next_candidate(section=section, user=world.agency, amount="925000.00")
    assert Announcement.objects.filter(project=project, kind="award", title__contains="changed award").exists()


def test_refusals_in_the_wrong_state_are_refused_and_nothing_changes(world):
    project, section, award = _awarded(world)
    before = _counts()
    # A contract cannot be refused before the award notice
    assert "after the award notice" in _refused(lambda: award_refuse(
        award=award, user=world.agency, refusal="contract", reason="x"), "status")
    assert _refused(lambda: award_refuse(award=award, user=world.agency, refusal="award", reason=" "), "reason") == \
        "Describe the refusal and its evidence (the winner's letter, the date); the winner will read it."
    assert "refused the award or refused to sign" in _refused(lambda: award_refuse(
        award=award, user=world.agency, refusal="maybe", reason="x"), "refusal")
    with pytest.raises(PermissionDenied):
        award_refuse(award=award, user=world.bidders[0], refusal="award", reason="x")
    # Nothing to do after a refusal that never happened
    assert "record the winner's refusal first" in _refused(lambda: award_next_candidate(
        section=section, user=world.agency), "section")
    assert _counts() == before
    # After the contract is signed the award can no longer be refused
    project_transition(project=project, to=Status.AWARDED, user=world.agency)
    contract_record(award=award, user=world.agency, signed_on=today(), amount="910000.00")
    before = _counts()
    assert "can no longer be refused" in _refused(lambda: award_refuse(
        award=award, user=world.agency, refusal="contract", reason="x"), "award")
    assert _counts() == before


def test_when_every_candidate_refused_the_section_is_tendered_again(world):
    project, section, award = _awarded(world)
    for _ in range(2):
        award_refuse(award=award, user=world.agency, refusal="award", reason="书面放弃。")
        award = award_next_candidate(section=section, user=world.agency)
    award_refuse(award=award, user=world.agency, refusal="award", reason="书面放弃。")
    before = _counts()
    assert _refused(lambda: award_next_candidate(section=section, user=world.agency), "section") == \
        "No candidate is left to award; tender the section again."
    assert _counts() == before
    assert CreditEvent.objects.filter(behaviour_version__behaviour__code="award-refused").count() == 3
    assert _refused(lambda: award_refusal_retender(section=section, user=world.agency, note=""), "note")
    project = award_refusal_retender(section=section, user=world.agency, note="候选人均放弃中标，重新招标。")
    assert project.status == Status.FAILED
    new = project_retender(project=Project.objects.get(pk=project.pk), user=world.agency)
    assert new.retender_of_id == project.pk and new.sections.get().code == "001"


def test_the_api_refuses_and_awards_the_next_candidate(world):
    project, section, award = _awarded(world)
    api = world.api(world.agency)
    wrong = api.post(f"/api/trading/awards/{award.pk}/refuse/", {"refusal": "contract", "reason": "x"}, format="json")
    assert wrong.status_code == 400 and "after the award notice" in wrong.json()["errors"]["status"][0]
    done = api.post(f"/api/trading/awards/{award.pk}/refuse/", {"refusal": "award", "reason": "书面放弃。"},
                    format="json")
    assert done.status_code == 200 and done.json()["refusal"] == "award"
    nxt = api.post(f"/api/trading/sections/{section.pk}/next-candidate/", {}, format="json")
    assert nxt.status_code == 201 and nxt.json()["organisation"] == world.bidders[1].organisation.credit_code
    assert world.api(world.bidders[0]).post(f"/api/trading/sections/{section.pk}/next-candidate/", {},
                                            format="json").status_code == 403
