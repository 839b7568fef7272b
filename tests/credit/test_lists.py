"""Black- and red-list entries: periods, publication, archiving, refusals and credit repair."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from accounts.models import Role
from audit.models import AuditEvent
from credit import selectors
from credit.models import BlacklistEntry, Decision, RepairApplication
from credit.scoring import add_months
from credit.services import behaviour_create, blacklist_entry_create, repair_apply, repair_decide
from tests import factories
from tests.credit.factories import days_ago, event, pdf

pytestmark = pytest.mark.django_db


def test_a_black_list_behaviour_creates_an_entry_for_its_period_public_for_that_period():
    bidder = factories.organisation()
    day = days_ago(10)
    recorded = event(code="bid-rigging", organisation=bidder, occurred_on=day, source="regulator",
                     decision_number="阳监罚〔2026〕12号")
    entry = recorded.blacklist_entry
    assert (entry.starts_on, entry.ends_on) == (day, add_months(day, 24) - dt.timedelta(days=1))
    assert entry.public_until == entry.ends_on  # restriction longer than 6 months
    assert entry.reason == "串通投标" and "《招标投标法》第五十三条" in entry.legal_basis


def test_a_short_restriction_is_public_for_six_months_then_archived_but_kept():
    # Given a 3-month restriction that started 200 days ago
    behaviour_create(code="late-deposit", title="短期限制", points=5, effect="black", months=3,
                     legal_basis="地方规定第5条")
    bidder = factories.organisation()
    start = days_ago(200)
    entry = event(code="late-deposit", organisation=bidder, occurred_on=start).blacklist_entry
    # Then it restricted for 3 months and was public for 6
    assert entry.ends_on == add_months(start, 3) - dt.timedelta(days=1)
    assert entry.public_until == add_months(start, 6) - dt.timedelta(days=1)
    assert selectors.organisation_refusal(organisation=bidder, on=entry.ends_on) is not None
    assert selectors.organisation_refusal(organisation=bidder, on=entry.ends_on + dt.timedelta(days=1)) is None
    assert entry in selectors.blacklist_public(on=entry.public_until)
    assert entry not in selectors.blacklist_public(on=entry.public_until + dt.timedelta(days=1))
    # And today (after 6 months) it is archived: not public, still kept
    assert entry not in selectors.blacklist_public()
    assert BlacklistEntry.objects.filter(pk=entry.pk).exists()


def test_refusals_carry_reason_basis_and_end_and_stop_the_day_after():
    bidder = factories.organisation()
    entry = blacklist_entry_create(organisation=bidder, reason="串通投标",
                                   legal_basis="《招标投标法实施条例》第六十七条",
                                   starts_on=days_ago(5), ends_on=days_ago(-3))
    refusal = selectors.organisation_refusal(organisation=bidder)
    assert (refusal.reason, refusal.until) == ("串通投标", entry.ends_on)
    assert "第六十七条" in refusal.message and entry.ends_on.isoformat() in refusal.message
    assert selectors.organisation_refusal(organisation=bidder, on=days_ago(6)) is None
    assert selectors.organisation_refusal(organisation=bidder, on=entry.ends_on) is not None
    assert selectors.organisation_refusal(organisation=bidder, on=entry.ends_on + dt.timedelta(days=1)) is None


def test_a_sanctioned_expert_is_refused_and_other_experts_are_not():
    expert = factories.user(role=Role.EXPERT)
    other = factories.user(role=Role.EXPERT)
    event(code="expert-misconduct", person=expert, occurred_on=days_ago(1))
    assert "私下接触" in selectors.person_refusal(person=expert).reason
    assert selectors.person_refusal(person=other) is None
    assert selectors.person_refusal(person=expert, on=days_ago(2)) is None


def test_red_list_commendation_is_current_for_its_period_and_deducts_nothing():
    bidder = factories.organisation(name="华夏园林绿化有限公司")
    recorded = event(code="commendation", organisation=bidder, occurred_on=days_ago(30), evidence="市级守信表彰")
    assert recorded.points == 0
    assert [e.organisation for e in selectors.redlist_current(q="华夏园林")] == [bidder]
    assert list(selectors.redlist_current(on=recorded.redlist_entry.ends_on + dt.timedelta(days=1))) == []
    assert selectors.subject_standing(organisation=bidder).score == 100


def test_lists_search_by_name_or_credit_code():
    bidder = factories.organisation(name="东方路桥建设有限公司")
    other = factories.organisation(name="江南建筑工程有限公司")
    for organisation in (bidder, other):
        event(code="bid-rigging", organisation=organisation, occurred_on=days_ago(1))
    assert [e.organisation for e in selectors.blacklist_public(q="东方路桥")] == [bidder]
    assert [e.organisation for e in selectors.blacklist_public(q=bidder.credit_code.lower())] == [bidder]
    assert selectors.blacklist_public().count() == 2


def _rigged(users):
    bidder_user = users["bidder"]
    entry = event(code="bid-rigging", organisation=bidder_user.organisation, occurred_on=days_ago(40)).blacklist_entry
    return bidder_user, entry


def test_repair_approved_lifts_the_entry_from_today_and_keeps_it(users):
    bidder_user, entry = _rigged(users)
    application = repair_apply(entry=entry, statement="已完成整改并缴纳罚款", by=bidder_user, documents=[pdf()])
    assert application.documents.get().sha256
    repair_decide(application=application, approve=True, reason="整改到位", by=users["regulator"])
    entry.refresh_from_db()
    assert entry.lifted_on == days_ago(0) and "repair" in entry.lift_reason
    assert selectors.organisation_refusal(organisation=bidder_user.organisation) is None
    assert selectors.organisation_refusal(organisation=bidder_user.organisation, on=days_ago(1)) is not None
    assert entry not in selectors.blacklist_public()
    assert AuditEvent.objects.filter(action="credit.repair.decide", object_id=str(application.pk)).exists()


def test_repair_refused_with_reasons_changes_nothing_on_the_entry(users):
    bidder_user, entry = _rigged(users)
    application = repair_apply(entry=entry, statement="已整改", by=bidder_user, documents=[pdf()])
    repair_decide(application=application, approve=False, reason="整改报告未盖章", by=users["regulator"])
    application.refresh_from_db()
    entry.refresh_from_db()
    assert (application.status, application.decision_reason) == (Decision.REFUSED, "整改报告未盖章")
    assert entry.lifted_on is None
    assert selectors.organisation_refusal(organisation=bidder_user.organisation) is not None


def test_refusing_a_repair_without_reasons_is_refused_and_nothing_changes(users):
    bidder_user, entry = _rigged(users)
    application = repair_apply(entry=entry, statement="已整改", by=bidder_user, documents=[pdf()])
    audit_count = AuditEvent.objects.count()
    with pytest.raises(ValidationError) as error:
        repair_decide(application=application, approve=False, reason=" ", by=users["regulator"])
    assert "Give the reasons for refusing" in str(error.value.message_dict["reason"])
    application.refresh_from_db()
    assert application.status == Decision.PENDING and AuditEvent.objects.count() == audit_count


def test_repair_application_errors_say_what_to_do_and_change_nothing(users):
    bidder_user, entry = _rigged(users)
    outsider = factories.user(role=Role.BIDDER)
    with pytest.raises(PermissionDenied):
        repair_apply(entry=entry, statement="x", by=outsider, documents=[pdf()])
    with pytest.raises(ValidationError) as error:
        repair_apply(entry=entry, statement="已整改", by=bidder_user)
    assert "Attach the evidence" in str(error.value.message_dict["documents"])
    with pytest.raises(ValidationError) as error:
        repair_apply(entry=entry, statement="已整改", by=bidder_user, documents=[pdf(content=b"")])
    assert "is empty" in str(error.value.message_dict["documents"])
    with pytest.raises(ValidationError) as error:
        repair_apply(entry=entry, statement="", by=bidder_user, documents=[pdf()])
    assert "Say what you have put right" in str(error.value.message_dict["statement"])
    assert not RepairApplication.objects.exists()
    repair_apply(entry=entry, statement="已整改", by=bidder_user, documents=[pdf()])
    with pytest.raises(ValidationError, match="already waiting"):
        repair_apply(entry=entry, statement="再次申请", by=bidder_user, documents=[pdf()])
    assert RepairApplication.objects.count() == 1


def test_deciding_a_repair_twice_is_refused(users):
    bidder_user, entry = _rigged(users)
    application = repair_apply(entry=entry, statement="已整改", by=bidder_user, documents=[pdf()])
    repair_decide(application=application, approve=True, reason="", by=users["regulator"])
    with pytest.raises(ValidationError, match="already decided"):
        repair_decide(application=application, approve=False, reason="改判", by=users["regulator"])
    application.refresh_from_db()
    assert application.status == Decision.APPROVED


def test_an_archived_entry_cannot_be_repaired(users):
    bidder_user = users["bidder"]
    entry = blacklist_entry_create(organisation=bidder_user.organisation, reason="旧处罚", legal_basis="TL 67",
                                   starts_on=days_ago(400), ends_on=days_ago(300))
    with pytest.raises(ValidationError, match="no longer in force or public"):
        repair_apply(entry=entry, statement="已整改", by=bidder_user, documents=[pdf()])
    assert not RepairApplication.objects.exists()


def test_blacklist_entry_create_errors():
    bidder = factories.organisation()
    with pytest.raises(ValidationError, match="exactly one subject"):
        blacklist_entry_create(reason="r", legal_basis="b", starts_on=days_ago(0), ends_on=days_ago(0))
    with pytest.raises(ValidationError) as error:
        blacklist_entry_create(organisation=bidder, reason="r", legal_basis="b", starts_on=days_ago(0),
                               ends_on=days_ago(1))
    assert "cannot end before it starts" in str(error.value.message_dict["ends_on"])
    assert not BlacklistEntry.objects.exists()
