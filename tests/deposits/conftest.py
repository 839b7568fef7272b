import datetime as dt

import pytest
from django.utils import timezone

from accounts.models import Organisation
from deposits.models import DepositRequirement
from deposits.services import account_open, requirement_set
from tests import factories


def make_requirement(*, kind: str = "sale", amount: str = "200000.00", deadline=None, refund_rule: str = "sale",
                     purpose_id: int | None = None, organiser=None, **extra) -> DepositRequirement:
    organiser = organiser or factories.organisation(org_type=Organisation.Type.AGENCY)
    purpose_type = "auctions.lot" if kind == "sale" else "trading.section"
    return requirement_set(
        purpose_type=purpose_type, purpose_id=purpose_id or next(factories._serial), kind=kind,
        label="阳光市2026-07号地块" if kind == "sale" else "市政道路工程第1标段", organiser=organiser,
        beneficiary="阳光市自然资源和规划局", amount=amount,
        deadline=deadline or timezone.now() + dt.timedelta(days=3), refund_rule=refund_rule,
        deal_code="B3100002026000101",
        **extra,
    )


def deadline_passes(requirement: DepositRequirement, *, ago: dt.timedelta = dt.timedelta(minutes=1)) -> None:
    """Move the requirement's deadline into the past in the database (no waiting on a slow machine)."""
    DepositRequirement.objects.filter(pk=requirement.pk).update(deadline=timezone.now() - ago)
    requirement.refresh_from_db()


@pytest.fixture
def requirement(db):
    return make_requirement()


@pytest.fixture
def bidder_org(db):
    return factories.organisation()


@pytest.fixture
def account(requirement, bidder_org):
    return account_open(requirement=requirement, organisation=bidder_org)
