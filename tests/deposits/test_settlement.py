"""Guarantees, refunds due and their deadlines on the working-day calendar, conversion, forfeit."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from audit.models import AuditEvent
from core.workdays import calendar_load_shipped
from credit.models import CreditEvent
from deposits import selectors, services
from deposits.models import Guarantee, Movement
from tests import factories

from .conftest import deadline_passes, make_requirement
from .test_ledger import arrive

pytestmark = pytest.mark.django_db


def guarantee(account, **overrides):
    deadline_day = timezone.localdate(account.requirement.deadline)
    values = {"issuer": "icbc", "number": "BH-2026-0001", "amount": account.requirement.amount,
              "valid_from": timezone.localdate(), "valid_until": deadline_day + dt.timedelta(days=90),
              "beneficiary": account.requirement.beneficiary}
    return services.guarantee_record(account=account, **{**values, **overrides})


def test_a_valid_guarantee_grants_the_right(account):
    recorded = guarantee(account)
    status = selectors.deposit_status(account)
    assert status.guarantee == recorded and status.has_right and status.state == "guaranteed"
    assert AuditEvent.objects.filter(action="deposits.guarantee").exists()


@pytest.mark.parametrize(("overrides", "field"), [
    ({"issuer": "unknown-bank"}, "issuer"),
    ({"valid_until": dt.date(2020, 1, 1)}, "valid_until"),
    ({"amount": "100.00"}, "amount"),
    ({"beneficiary": "别的单位"}, "beneficiary"),
    ({"valid_from": "not a date"}, "valid_from"),
    ({"number": ""}, "number"),
])
def test_an_invalid_guarantee_is_refused_with_its_reason(account, overrides, field):
    with pytest.raises(ValidationError) as exc:
        guarantee(account, **overrides)
    assert field in exc.value.message_dict
    assert not Guarantee.objects.exists()


def test_an_expired_guarantee_says_it_expired(account):
    with pytest.raises(ValidationError) as exc:
        guarantee(account, valid_until=timezone.localdate() - dt.timedelta(days=1))
    assert "expired" in exc.value.message_dict["valid_until"][0] or "过期" in exc.value.message_dict["valid_until"][0]


def test_a_guarantee_shorter_than_the_validity_required_is_refused(db):
    deadline = timezone.now() + dt.timedelta(days=3)
    needed = timezone.localdate(deadline) + dt.timedelta(days=90)
    requirement = make_requirement(kind="bond", refund_rule="tl57", deadline=deadline, guarantee_valid_until=needed)
    account = services.account_open(requirement=requirement, organisation=factories.organisation())
    with pytest.raises(ValidationError) as exc:
        guarantee(account, valid_until=needed - dt.timedelta(days=1))
    assert list(exc.value.message_dict) == ["valid_until"]
    assert guarantee(account, valid_until=needed).valid_until == needed


def test_a_guarantee_number_is_used_once_per_issuer(requirement):
    first = services.account_open(requirement=requirement, organisation=factories.organisation())
    second = services.account_open(requirement=requirement, organisation=factories.organisation())
    guarantee(first)
    with pytest.raises(ValidationError) as exc:
        guarantee(second)
    assert list(exc.value.message_dict) == ["number"]
    assert guarantee(second, issuer="ccb").issuer == "ccb"


def test_a_guarantee_after_the_deadline_is_refused(account):
    deadline_passes(account.requirement)
    account.refresh_from_db()
    with pytest.raises(ValidationError):
        guarantee(account)


def test_guarantees_are_append_only(account):
    from deposits.models import AppendOnlyError

    recorded = guarantee(account)
    with pytest.raises(AppendOnlyError):
        recorded.delete()


@pytest.fixture
def calendar_2026(db):
    calendar_load_shipped(year=2026)


@pytest.mark.parametrize(("rule", "expected"), [
    # 5 working days after Wednesday 30 September 2026: the National Day holiday (1–7 October) does not count,
    # Saturday 10 October is a make-up working day: 8, 9, 10, 12, 13 October.
    ("sale", dt.date(2026, 10, 13)),
    ("cgt33", dt.date(2026, 10, 13)),
    # TL 57: 5 days = 5 October, a holiday: rolls to the next working day, 8 October.
    ("tl57", dt.date(2026, 10, 8)),
])
def test_refund_deadlines_cross_holidays(calendar_2026, rule, expected):
    assert services.refund_due_on(rule=rule, event_on=dt.date(2026, 9, 30)) == expected


def test_refunds_due_to_the_losers_and_conversion_for_the_winner(calendar_2026, requirement):
    winner, loser, late = (services.account_open(requirement=requirement, organisation=factories.organisation())
                           for _ in range(3))
    arrive(winner, reference="W")
    arrive(loser, reference="L")
    deadline_passes(requirement)
    late.refresh_from_db()
    arrive(late, reference="LATE", at=timezone.now())
    marked = services.refunds_due_mark(requirement=requirement, event_on=dt.date(2026, 9, 30),
                                       except_accounts=[winner])
    assert {m.account_id for m in marked} == {loser.pk, late.pk}
    assert all(m.due_on == dt.date(2026, 10, 13) for m in marked)
    assert selectors.deposit_status(loser).state == "refund_due"
    # Marking again adds nothing.
    assert services.refunds_due_mark(requirement=requirement, event_on=dt.date(2026, 9, 30),
                                     except_accounts=[winner]) == []
    assert [a.pk for a, _s in selectors.refunds_outstanding(requirement)] == sorted([loser.pk, late.pk])

    refund = services.refund_record(account=loser, bank_reference="R-1")
    assert refund.amount == Decimal("200000.00") and selectors.deposit_status(loser).state == "refunded"
    with pytest.raises(ValidationError):
        services.refund_record(account=loser, bank_reference="R-2")
    with pytest.raises(ValidationError) as exc:
        services.refund_record(account=late, bank_reference="R-3", interest="12.30")
    assert list(exc.value.message_dict) == ["interest"]

    converted = services.deposit_convert(account=winner)
    assert converted.amount == Decimal("200000.00")
    assert selectors.deposit_status(winner).state == "converted"
    with pytest.raises(ValidationError):
        services.deposit_convert(account=winner)
    assert AuditEvent.objects.filter(action__in=["deposits.refund_due", "deposits.refunded",
                                                 "deposits.converted"]).count() == 4


def test_a_bond_refund_carries_interest(calendar_2026):
    requirement = make_requirement(kind="bond", refund_rule="tl57", amount="50000.00")
    account = services.account_open(requirement=requirement, organisation=factories.organisation())
    arrive(account)
    services.refund_due_mark(account=account, event_on=dt.date(2026, 9, 30))
    refund = services.refund_record(account=account, bank_reference="R-9", interest="12.30")
    assert refund.interest == Decimal("12.30")


def test_a_late_arrival_cannot_be_converted(requirement):
    account = services.account_open(requirement=requirement, organisation=factories.organisation())
    deadline_passes(requirement)
    account.refresh_from_db()
    arrive(account, at=timezone.now())
    with pytest.raises(ValidationError):
        services.deposit_convert(account=account)


def test_forfeit_records_the_reason_and_a_credit_event(account):
    arrive(account)
    with pytest.raises(ValidationError) as exc:
        services.deposit_forfeit(account=account, reason="  ")
    assert list(exc.value.message_dict) == ["reason"]
    movement = services.deposit_forfeit(account=account, reason="竞得人拒绝签订成交确认书")
    assert movement.kind == Movement.Kind.FORFEITED and movement.amount == Decimal("200000.00")
    event = CreditEvent.objects.get(organisation=account.organisation)
    assert event.behaviour_version.behaviour.code == "deal-refused"
    assert event.deal_code == account.requirement.deal_code and "拒绝签订" in event.evidence
    assert selectors.deposit_status(account).state == "forfeited"
    with pytest.raises(ValidationError):
        services.deposit_forfeit(account=account, reason="again")
    assert CreditEvent.objects.count() == 1


def test_a_bond_forfeit_records_the_contract_refusal(db):
    requirement = make_requirement(kind="bond", refund_rule="tl57", amount="50000.00")
    account = services.account_open(requirement=requirement, organisation=factories.organisation())
    guarantee(account)
    movement = services.deposit_forfeit(account=account, reason="中标人无正当理由不与招标人订立合同")
    assert movement.amount == Decimal("50000.00")
    assert CreditEvent.objects.get().behaviour_version.behaviour.code == "contract-refused"


def test_forfeit_without_credit_event(account):
    arrive(account)
    services.deposit_forfeit(account=account, reason="投标截止后撤销投标文件", behaviour_code="")
    assert not CreditEvent.objects.exists()


def test_nothing_to_forfeit_is_refused(account):
    with pytest.raises(ValidationError):
        services.deposit_forfeit(account=account, reason="拒签")
    assert not CreditEvent.objects.exists()
