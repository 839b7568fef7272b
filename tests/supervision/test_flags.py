"""Red flags: each on data made to trigger it and on data made not to (definitions: docs/supervision.md)."""

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from accounts.models import Organisation, Role
from supervision.models import Lead
from supervision.services.leads import leads_refresh
from tests import factories
from trading.models import Announcement, Section, Status

from .indicator_helpers import award, bid, bidder, disqualify, project

pytestmark = pytest.mark.django_db


@pytest.fixture
def tenderer():
    return factories.user(role=Role.TENDERER)


def _flags(code, **where):
    leads_refresh()
    return list(Lead.objects.filter(code=code, **where))


def _three(section, prices=("900000.00", "950000.00", "980000.00")):
    return [bid(section, bidder(), price=price) for price in prices]


def test_r003_short_submission_period(tenderer):
    short = project(tenderer_user=tenderer, days=12)
    usual = project(tenderer_user=tenderer, days=20)
    invited = project(tenderer_user=tenderer, days=5, method="invited")
    found = {lead.project_id: lead for lead in _flags("R003")}
    assert short.pk in found and found[short.pk].evidence["days"] == 12
    assert usual.pk not in found and invited.pk not in found  # 20 days is the rule; R003 watches open procedures


def test_r018_single_bid(tenderer):
    single = project(tenderer_user=tenderer, status=Status.FAILED).sections.get()
    bid(single, bidder(), price="500000.00", state="submitted")
    three = project(tenderer_user=tenderer).sections.get()
    _three(three)
    found = {lead.section_id for lead in _flags("R018")}
    assert single.pk in found and three.pk not in found


def test_r024_winning_bid_close_to_the_next(tenderer):
    close = project(tenderer_user=tenderer).sections.get()
    won, *_ = _three(close, ("900000.00", "905000.00", "990000.00"))  # 0.56% apart
    award(close, won)
    apart = project(tenderer_user=tenderer).sections.get()
    won_apart, *_ = _three(apart, ("900000.00", "950000.00", "990000.00"))
    award(apart, won_apart)
    not_lowest = project(tenderer_user=tenderer).sections.get()  # the winner is not the lowest: not price-only
    bids = _three(not_lowest, ("900000.00", "901000.00", "990000.00"))
    award(not_lowest, bids[1])
    found = {lead.section_id: lead for lead in _flags("R024")}
    assert close.pk in found and apart.pk not in found and not_lowest.pk not in found
    assert float(found[close.pk].value) == pytest.approx(5000 / 900000, abs=1e-6)


def test_r035_all_except_the_winner_disqualified(tenderer, users):
    flagged = project(tenderer_user=tenderer).sections.get()
    won, *others = _three(flagged)
    disqualify(flagged, others, by=users["agency"])
    award(flagged, won)
    one_out = project(tenderer_user=tenderer).sections.get()
    won_b, out, kept = _three(one_out)
    disqualify(one_out, [out], by=users["agency"])
    award(one_out, won_b)
    found = {lead.section_id: lead for lead in _flags("R035")}
    assert flagged.pk in found and found[flagged.pk].value == 2
    assert one_out.pk not in found


def test_r036_lowest_bid_disqualified(tenderer, users):
    flagged = project(tenderer_user=tenderer).sections.get()
    lowest, second, third = _three(flagged)
    disqualify(flagged, [lowest], by=users["agency"])
    award(flagged, second)
    fine = project(tenderer_user=tenderer).sections.get()
    lowest_b, second_b, third_b = _three(fine)
    disqualify(fine, [third_b], by=users["agency"])
    award(fine, lowest_b)
    found = {lead.section_id for lead in _flags("R036")}
    assert flagged.pk in found and fine.pk not in found


def test_winning_bid_close_to_the_cap(tenderer):
    near = project(tenderer_user=tenderer).sections.get()
    award(near, _three(near, ("995000.00", "996000.00", "998000.00"))[0])
    far = project(tenderer_user=tenderer).sections.get()
    award(far, _three(far)[0])
    found = {lead.section_id for lead in _flags("CAP")}
    assert near.pk in found and far.pk not in found


def test_repeated_winner_with_the_same_tenderer(tenderer, settings):
    settings.SUPERVISION_FLAGS = {"REPEAT_WINNER": {"wins": 3, "months": 24}}
    favourite, other_tenderer = bidder(), factories.user(role=Role.TENDERER)
    for _ in range(3):
        section = project(tenderer_user=tenderer).sections.get()
        award(section, bid(section, favourite, price="900000.00"))
    for owner in (tenderer, other_tenderer):
        section = project(tenderer_user=owner).sections.get()
        award(section, bid(section, bidder(), price="900000.00"))
    found = _flags("REPEAT_WINNER")
    assert [(lead.organisation_id, lead.value) for lead in found] == [(tenderer.organisation_id, 3)]


def test_amendment_close_to_the_deadline_without_moving_it(tenderer):
    late = project(tenderer_user=tenderer)
    moved = project(tenderer_user=tenderer)
    for made, days_before in ((late, 5), (moved, 16)):
        Announcement.objects.create(project=made, kind=Announcement.Kind.AMENDMENT, title="变更公告", body="…",
                                    published_at=made.bid_deadline - dt.timedelta(days=days_before))
    found = {lead.project_id for lead in _flags("AMENDMENT")}
    assert late.pk in found and moved.pk not in found


def test_high_failure_rate_of_an_agency(tenderer):
    failing, steady = (factories.organisation(org_type=Organisation.Type.AGENCY) for _ in range(2))
    now = timezone.now()
    for agency, failures in ((failing, 3), (steady, 1)):
        for index in range(6):
            section = project(tenderer_user=tenderer, agency=agency).sections.get()
            if index < failures:
                Section.objects.filter(pk=section.pk).update(failed_at=now)
            else:
                award(section, bid(section, bidder(), price="900000.00"))
    found = {lead.organisation_id: lead for lead in _flags("FAILURE_RATE")}
    assert failing.pk in found and found[failing.pk].value == Decimal("0.5")
    assert steady.pk not in found
