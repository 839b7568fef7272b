"""Bonds paid from the same account (TL 40 (6)): the deposits ledger's payer accounts become a collusion signal."""

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from accounts.models import Role
from deposits import services as deposits
from deposits.models import DepositRequirement
from supervision.models import Lead
from supervision.services.leads import leads_refresh
from tests import factories
from trading.bonds import PURPOSE
from trading.models import Section, Status

from .indicator_helpers import bid, bidder, project

pytestmark = pytest.mark.django_db


def bonds_paid(section: Section, payments: list[tuple]) -> None:
    """Each (person, payer account): the person's bond for ``section`` arrived from that account before the
    deadline (the requirement's deadline is set ahead to issue the sub-accounts, then back to the bid deadline)."""
    Section.objects.filter(pk=section.pk).update(bond_amount=Decimal("20000.00"))
    requirement = deposits.requirement_set(
        purpose_type=PURPOSE, purpose_id=section.pk, kind="bond", label=str(section),
        organiser=section.project.tenderer, beneficiary=section.project.tenderer.name, amount="20000.00",
        deadline=timezone.now() + dt.timedelta(days=1),
        refund_rule="tl57", deal_code=section.project.deal_code)
    for n, (person, payer) in enumerate(payments):
        account = deposits.account_open(requirement=requirement, organisation=person.organisation)
        deposits.arrival_record(sub_account=account.sub_account, amount="20000.00", bank_reference=f"{section.pk}-{n}",
                                arrived_at=section.project.bid_deadline - dt.timedelta(days=1),
                                payer_name="某某", payer_account=payer)
    DepositRequirement.objects.filter(pk=requirement.pk).update(deadline=section.project.bid_deadline)


def test_bonds_of_two_bidders_from_one_account_are_a_signal_naming_only_them():
    tenderer = factories.user(role=Role.TENDERER)
    colluder_a, colluder_b, honest = bidder(), bidder(), bidder()
    made = project(tenderer_user=tenderer, status=Status.EVALUATION)
    section = made.sections.get()
    a = bid(section, colluder_a, price="990000.00", address="203.0.113.1")
    b = bid(section, colluder_b, price="950000.00", address="203.0.113.2")
    bid(section, honest, price="930000.00", address="198.51.100.9")
    bonds_paid(section, [(colluder_a, "6222 0210 0100 1234"), (colluder_b, "6222021001001234"),
                         (honest, "31050161373600000009")])

    leads_refresh()

    [lead] = Lead.objects.filter(section=section, code="same_bond_account")
    assert {o.pk for o in lead.organisations.all()} == {colluder_a.organisation_id, colluder_b.organisation_id}
    assert lead.evidence == {"value": "6222021001001234", "bids": sorted([a.pk, b.pk])}
    assert lead.severity == "high" and lead.family == "signal"


def test_bonds_from_own_accounts_raise_nothing():
    tenderer = factories.user(role=Role.TENDERER)
    people = [bidder(), bidder()]
    made = project(tenderer_user=tenderer, status=Status.EVALUATION)
    section = made.sections.get()
    for person in people:
        bid(section, person, price=None)
    bonds_paid(section, [(people[0], "111"), (people[1], "222")])
    leads_refresh()
    assert not Lead.objects.filter(code="same_bond_account").exists()


def test_a_sale_deposit_is_not_read_as_a_tender_bond():
    organiser = factories.organisation(org_type="tenderer")
    requirement = deposits.requirement_set(
        purpose_type="auctions.lot", purpose_id="lot-7", kind="sale", label="地块", organiser=organiser,
        beneficiary=organiser.name, amount="100.00", deadline=timezone.now() + dt.timedelta(days=1), refund_rule="sale")
    for n in range(2):
        account = deposits.account_open(requirement=requirement, organisation=factories.organisation())
        deposits.arrival_record(sub_account=account.sub_account, amount="100.00", bank_reference=f"S{n}",
                                arrived_at=timezone.now(), payer_account="999")
    tenderer = factories.user(role=Role.TENDERER)
    project(tenderer_user=tenderer, status=Status.EVALUATION)
    leads_refresh()
    assert not Lead.objects.filter(code="same_bond_account").exists()
