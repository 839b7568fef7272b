"""The deposits ledger: sub-accounts, arrivals from the bank, the right to bid, append-only movements."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.utils import DatabaseError
from django.utils import timezone

from audit.models import AuditEvent
from deposits import selectors, services, subaccounts
from deposits.models import AppendOnlyError, DepositAccount, Movement
from tests import factories

from .conftest import deadline_passes, make_requirement

pytestmark = pytest.mark.django_db


def arrive(account, *, reference="BANK-0001", amount=None, at=None, **extra):
    return services.arrival_record(
        sub_account=account.sub_account, amount=amount or account.requirement.amount, bank_reference=reference,
        arrived_at=at or timezone.now() - dt.timedelta(minutes=5), payer_name="阳光建工集团有限公司",
        payer_account="31050161373600000001", source="test-bank", **extra,
    )


def test_sub_account_numbers_are_deterministic_unique_and_checked(requirement):
    accounts = [services.account_open(requirement=requirement, organisation=factories.organisation())
                for _ in range(3)]
    numbers = [a.sub_account for a in accounts]
    assert len(set(numbers)) == 3
    for account in accounts:
        assert account.sub_account == subaccounts.make(prefix="6225", kind="sale", serial=account.pk)
        assert subaccounts.is_well_formed(account.sub_account)
        assert account.sub_account.startswith("62251")
    typo = numbers[0][:-2] + str((int(numbers[0][-2]) + 1) % 10) + numbers[0][-1]
    assert not subaccounts.is_well_formed(typo)
    # Opening again gives the same account.
    again = services.account_open(requirement=requirement, organisation=accounts[0].organisation)
    assert again.pk == accounts[0].pk and again.sub_account == numbers[0]


def test_bond_sub_accounts_carry_the_bond_digit():
    requirement = make_requirement(kind="bond", refund_rule="tl57")
    account = services.account_open(requirement=requirement, organisation=factories.organisation())
    assert account.sub_account[4] == "2"


def test_arrival_before_the_deadline_grants_the_right(account):
    assert not selectors.has_bidding_right(account)
    assert selectors.deposit_status(account).state == "awaiting"
    movement, created = arrive(account)
    assert created and movement.kind == Movement.Kind.ARRIVAL
    status = selectors.deposit_status(account)
    assert status.paid_in_time and status.has_right and status.state == "paid"
    assert selectors.bidding_right(requirement=account.requirement, organisation=account.organisation)
    assert AuditEvent.objects.filter(action="deposits.arrival", object_id=str(movement.pk)).exists()


def test_arrival_after_the_deadline_is_recorded_but_grants_no_right(account):
    deadline_passes(account.requirement)
    account.refresh_from_db()
    movement, created = arrive(account, at=timezone.now())
    assert created
    status = selectors.deposit_status(account)
    assert status.arrived_late == account.requirement.amount and not status.has_right
    assert status.state == "late"
    assert not selectors.has_bidding_right(account)


def test_no_arrival_by_the_deadline_is_missing(account):
    deadline_passes(account.requirement)
    account.refresh_from_db()
    assert selectors.deposit_status(account).state == "missing"


def test_the_same_bank_notice_twice_is_one_arrival(account):
    first, created = arrive(account)
    again, created_again = services.arrival_record(
        sub_account=account.sub_account, amount=str(account.requirement.amount), bank_reference="BANK-0001",
        arrived_at=first.arrived_at, payer_name="阳光建工集团有限公司", payer_account="31050161373600000001",
        source="test-bank",
    )
    assert created and not created_again and again.pk == first.pk
    assert Movement.objects.filter(kind="arrival").count() == 1


def test_a_different_notice_with_a_used_reference_is_refused(account, requirement):
    arrive(account)
    other = services.account_open(requirement=requirement, organisation=factories.organisation())
    with pytest.raises(ValidationError) as exc:
        arrive(other, reference="BANK-0001")
    assert "bank_reference" in exc.value.message_dict
    assert "已" in exc.value.message_dict["bank_reference"][0] or exc.value.message_dict["bank_reference"]
    assert Movement.objects.count() == 1


@pytest.mark.parametrize("amount", ["199999.99", "200000.01", "400000.00"])
def test_an_amount_that_does_not_match_is_refused(account, amount):
    with pytest.raises(ValidationError) as exc:
        arrive(account, amount=amount)
    assert list(exc.value.message_dict) == ["amount"]
    assert not Movement.objects.exists()


@pytest.mark.parametrize("amount", ["abc", "-5", "0", "1.234", "NaN", "Infinity"])
def test_an_amount_that_is_not_money_is_refused(account, amount):
    with pytest.raises(ValidationError) as exc:
        arrive(account, amount=amount)
    assert list(exc.value.message_dict) == ["amount"]


def test_a_second_transfer_to_a_paid_account_is_refused(account):
    arrive(account)
    with pytest.raises(ValidationError) as exc:
        arrive(account, reference="BANK-0002")
    assert list(exc.value.message_dict) == ["amount"]


def test_an_unknown_sub_account_is_refused(account):
    with pytest.raises(ValidationError) as exc:
        services.arrival_record(sub_account="6225100000000000", amount="200000.00", bank_reference="X1",
                                arrived_at=timezone.now())
    assert list(exc.value.message_dict) == ["sub_account"]


def test_a_bank_time_in_the_future_is_refused(account):
    with pytest.raises(ValidationError) as exc:
        arrive(account, at=timezone.now() + dt.timedelta(hours=1))
    assert list(exc.value.message_dict) == ["arrived_at"]


def test_movements_are_never_updated_nor_deleted(account):
    movement, _ = arrive(account)
    movement.amount = Decimal("1.00")
    with pytest.raises(AppendOnlyError):
        movement.save()
    with pytest.raises(AppendOnlyError):
        movement.delete()
    for sql in ("UPDATE deposits_movement SET amount = 1", "DELETE FROM deposits_movement"):
        with pytest.raises(DatabaseError, match="append-only"), transaction.atomic(), connection.cursor() as cur:
            cur.execute(sql)
    assert Movement.objects.get().amount == account.requirement.amount


def test_a_new_sub_account_after_the_deadline_is_refused(requirement):
    deadline_passes(requirement)
    with pytest.raises(ValidationError) as exc:
        services.account_open(requirement=requirement, organisation=factories.organisation())
    assert "requirement" in exc.value.message_dict
    assert not DepositAccount.objects.exists()


def test_the_amount_cannot_change_once_money_arrived(account):
    arrive(account)
    requirement = account.requirement
    with pytest.raises(ValidationError):
        services.requirement_set(
            purpose_type=requirement.purpose_type, purpose_id=requirement.purpose_id, kind="sale",
            label=requirement.label, organiser=requirement.organiser, beneficiary=requirement.beneficiary,
            amount="100000.00", deadline=requirement.deadline, refund_rule="sale",
        )


def test_bond_statuses_are_hidden_before_the_deadline():
    requirement = make_requirement(kind="bond", refund_rule="tl57", amount="50000.00")
    account = services.account_open(requirement=requirement, organisation=factories.organisation())
    arrive(account)
    with pytest.raises(selectors.TooEarly):
        selectors.statuses_after_deadline(requirement)
    assert not selectors.arrivals_visible(requirement)
    deadline_passes(requirement)
    statuses = selectors.statuses_after_deadline(requirement)
    assert statuses[account.organisation_id].has_right
    assert selectors.arrivals_visible(requirement)


def test_sale_statuses_are_visible_to_the_organiser_at_once(account):
    arrive(account)
    assert selectors.arrivals_visible(account.requirement)
    assert selectors.statuses_after_deadline(account.requirement)[account.organisation_id].has_right


def test_import_is_all_or_nothing_with_errors_per_row(requirement):
    accounts = [services.account_open(requirement=requirement, organisation=factories.organisation())
                for _ in range(3)]
    at = (timezone.now() - dt.timedelta(hours=1)).isoformat()
    rows = [
        {"sub_account": accounts[0].sub_account, "amount": "200000.00", "bank_reference": "S-1", "arrived_at": at},
        {"sub_account": accounts[1].sub_account, "amount": "20000.00", "bank_reference": "S-2", "arrived_at": at},
        {"sub_account": "0000", "amount": "200000.00", "bank_reference": "S-3", "arrived_at": at},
        {"sub_account": accounts[2].sub_account, "amount": "200000.00", "bank_reference": "", "arrived_at": "x"},
    ]
    with pytest.raises(services.ImportRefused) as exc:
        services.arrivals_import(rows=rows, source="对账单.csv")
    assert set(exc.value.rows) == {2, 3, 4}
    assert "amount" in exc.value.rows[2] and "sub_account" in exc.value.rows[3]
    assert "bank_reference" in exc.value.rows[4]
    assert not Movement.objects.exists()
    good = [rows[0], {**rows[1], "amount": "200000.00"}, rows[0]]
    result = services.arrivals_import(rows=good, source="对账单.csv")
    assert len(result.recorded) == 2 and len(result.repeated) == 1
    assert Movement.objects.count() == 2
