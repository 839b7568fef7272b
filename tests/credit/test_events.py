"""Recording credit events, the catalogue's versions, appeals and corrections."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from accounts.models import Role
from audit.models import AuditEvent
from credit import selectors
from credit.models import Appeal, Behaviour, BehaviourVersion, CreditEvent, Decision, EvidenceDocument
from credit.services import (
    appeal_decide,
    appeal_file,
    behaviour_create,
    behaviour_revise,
    credit_event_correct,
    credit_event_record,
)
from tests import factories
from tests.credit.factories import days_ago, event, pdf

pytestmark = pytest.mark.django_db


def test_a_platform_event_lands_in_the_audit_chain_with_its_rule_version():
    bidder = factories.organisation()
    recorded = event(code="bid-not-decrypted", organisation=bidder, deal_code="A3100002026000042")
    assert (recorded.points, recorded.behaviour_version.version, recorded.source) == (5, 1, "platform")
    audit = AuditEvent.objects.get(action="credit.event.record", object_id=str(recorded.pk))
    assert audit.payload["behaviour"] == "bid-not-decrypted" and audit.payload["deal_code"] == "A3100002026000042"


def test_a_regulator_decision_keeps_its_evidence_documents(users):
    bidder = factories.organisation()
    recorded = credit_event_record(behaviour_code="fraud", organisation=bidder, evidence="伪造业绩证明",
                                   source="regulator", decision_number="阳监罚〔2026〕3号", occurred_on=days_ago(2),
                                   documents=[pdf("处罚决定书.pdf")], by=users["regulator"])
    document = EvidenceDocument.objects.get(event=recorded)
    assert document.name == "处罚决定书.pdf" and len(document.sha256) == 64
    audit = AuditEvent.objects.get(action="credit.event.record", object_id=str(recorded.pk))
    assert audit.payload["documents"][0]["sha256"] == document.sha256


@pytest.mark.parametrize(("kwargs", "field", "message"), [
    ({"behaviour_code": "no-such-thing"}, "behaviour", "has no behaviour “no-such-thing” in use"),
    ({"behaviour_code": "expert-no-show"}, "behaviour", "applies to people, not organisations"),
    ({"evidence": "  "}, "evidence", "Describe the facts and the evidence"),
    ({"occurred_on": days_ago(-1)}, "occurred_on", "cannot be in the future"),
    ({"source": "regulator"}, "decision_number", "number of the regulator's decision"),
])
def test_recording_errors_say_what_to_do_and_change_nothing(kwargs, field, message):
    bidder = factories.organisation()
    audit_count = AuditEvent.objects.count()
    arguments = {"behaviour_code": "award-refused", "organisation": bidder, "evidence": "事实"} | kwargs
    with pytest.raises(ValidationError) as error:
        credit_event_record(**arguments)
    assert message in " ".join(error.value.message_dict[field])
    assert not CreditEvent.objects.exists() and AuditEvent.objects.count() == audit_count


def test_recording_needs_exactly_one_subject():
    with pytest.raises(ValidationError, match="exactly one subject"):
        credit_event_record(behaviour_code="malicious-complaint", evidence="事实")
    assert not CreditEvent.objects.exists()


def test_a_new_catalogue_version_judges_new_events_and_old_events_keep_theirs(users):
    bidder = factories.organisation()
    old = event(code="award-refused", organisation=bidder, occurred_on=days_ago(10))
    behaviour = Behaviour.objects.get(code="award-refused")
    version = behaviour_revise(behaviour=behaviour, title="中标后无正当理由放弃中标", points=30, effect="black",
                               months=12, applies_to="organisation", legal_basis="《招标投标法实施条例》第七十四条",
                               change_note="2026年地方细则加重", by=users["regulator"])
    new = event(code="award-refused", organisation=factories.organisation())
    old.refresh_from_db()
    assert (old.behaviour_version.version, old.points) == (1, 20) and not hasattr(old, "blacklist_entry")
    assert (version.version, new.behaviour_version, new.points) == (2, version, 30)
    assert new.blacklist_entry.reason == "中标后无正当理由放弃中标"
    assert selectors.behaviour_current(code="award-refused") == version
    assert AuditEvent.objects.filter(action="credit.behaviour.revise", object_id=str(version.pk)).exists()


@pytest.mark.parametrize(("changes", "field", "message"), [
    ({"change_note": ""}, "change_note", "Say why the rule changes"),
    ({"effect": "red", "months": 12}, "points", "deducts no points"),
    ({"effect": "none", "months": 6}, "months", "leave it at 0"),
    ({"effect": "black", "months": 0}, "months", "1 to 120 months"),
    ({"points": 101}, "points", "between 0 and 100"),
    ({"legal_basis": ""}, "legal_basis", "Give the legal basis"),
])
def test_catalogue_edit_errors_change_nothing(users, changes, field, message):
    behaviour = Behaviour.objects.get(code="award-refused")
    arguments = {"behaviour": behaviour, "title": "t", "points": 20, "effect": "none", "months": 0,
                 "applies_to": "organisation", "legal_basis": "TL 74", "change_note": "why",
                 "by": users["regulator"]} | changes
    with pytest.raises(ValidationError) as error:
        behaviour_revise(**arguments)
    assert message in " ".join(error.value.message_dict[field])
    assert behaviour.versions.count() == 1


def test_a_new_behaviour_and_a_duplicate_code(users):
    version = behaviour_create(code="Deposit-Default", title="未按规定退还保证金", points=10,
                               legal_basis="《招标投标法实施条例》第六十六条", by=users["regulator"])
    assert (version.behaviour.code, version.version) == ("deposit-default", 1)
    with pytest.raises(ValidationError) as error:
        behaviour_create(code="deposit-default", title="again", legal_basis="x")
    assert "already has a behaviour" in " ".join(error.value.message_dict["code"])
    assert BehaviourVersion.objects.filter(behaviour__code="deposit-default").count() == 1


def test_a_retired_behaviour_records_nothing(users):
    behaviour = Behaviour.objects.get(code="expert-declines")
    behaviour_revise(behaviour=behaviour, title="评标专家频繁拒绝参加评标", points=5, effect="none", months=0,
                     applies_to="person", legal_basis="x", change_note="停用", active=False)
    with pytest.raises(ValidationError, match="in use"):
        event(code="expert-declines", person=factories.user(role=Role.EXPERT))
    assert not CreditEvent.objects.exists()


def test_the_subject_appeals_and_an_upheld_appeal_annuls_the_event_and_lifts_its_entry(users):
    bidder_user = users["bidder"]
    recorded = event(code="bid-rigging", organisation=bidder_user.organisation, occurred_on=days_ago(3))
    appeal = appeal_file(event=recorded, statement="我公司未参与串通", by=bidder_user, documents=[pdf("说明.pdf")])
    appeal_decide(appeal=appeal, uphold=True, reason="复核证据不足", by=users["regulator"])
    recorded.refresh_from_db()
    appeal.refresh_from_db()
    assert (recorded.status, recorded.counts_until, appeal.status) == ("annulled", days_ago(0), Decision.APPROVED)
    assert selectors.organisation_refusal(organisation=bidder_user.organisation) is None
    assert selectors.organisation_refusal(organisation=bidder_user.organisation, on=days_ago(1)) is not None


def test_a_dismissed_appeal_leaves_the_event_counting(users):
    bidder_user = users["bidder"]
    recorded = event(code="award-refused", organisation=bidder_user.organisation)
    appeal = appeal_file(event=recorded, statement="有正当理由", by=bidder_user)
    with pytest.raises(ValidationError) as error:
        appeal_decide(appeal=appeal, uphold=False, reason="", by=users["regulator"])
    assert "Give the reasons" in " ".join(error.value.message_dict["reason"])
    appeal_decide(appeal=appeal, uphold=False, reason="理由不成立", by=users["regulator"])
    recorded.refresh_from_db()
    assert recorded.status == "effective" and selectors.subject_standing(organisation=recorded.organisation).score == 80


def test_appeal_errors(users):
    bidder_user = users["bidder"]
    recorded = event(code="award-refused", organisation=bidder_user.organisation)
    with pytest.raises(PermissionDenied):
        appeal_file(event=recorded, statement="x", by=factories.user(role=Role.BIDDER))
    with pytest.raises(ValidationError) as error:
        appeal_file(event=recorded, statement="", by=bidder_user)
    assert "Say why the record is wrong" in " ".join(error.value.message_dict["statement"])
    assert not Appeal.objects.exists()
    appeal_file(event=recorded, statement="理由", by=bidder_user)
    with pytest.raises(ValidationError, match="already waiting"):
        appeal_file(event=recorded, statement="再次", by=bidder_user)
    credit_event_correct(event=recorded, reason="更正", by=users["regulator"])
    with pytest.raises(ValidationError, match="already corrected"):
        credit_event_correct(event=recorded, reason="再次更正", by=users["regulator"])
    assert Appeal.objects.count() == 1


def test_an_expert_appeals_for_itself_and_a_colleague_cannot(users):
    expert = users["expert"]
    recorded = event(code="expert-no-show", person=expert)
    assert appeal_file(event=recorded, statement="当日因病", by=expert).filed_by == expert
    with pytest.raises(PermissionDenied):
        appeal_file(event=recorded, statement="x", by=factories.user(role=Role.EXPERT))
