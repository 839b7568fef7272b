"""The red flags read a section's order statistics (``SectionFact``) instead of its bids wherever the outcome allows:
on varied data both ways give the same leads, value for value and evidence for evidence."""

import random
from decimal import Decimal

import pytest

from accounts.models import Role
from supervision.models import Lead, SectionFact
from supervision.services.leads import leads_refresh
from tests import factories

from .indicator_helpers import award, bid, bidder, disqualify, project

pytestmark = pytest.mark.django_db


def _leads() -> dict:
    return {lead.key: (lead.value, lead.evidence, sorted(o.pk for o in lead.organisations.all()))
            for lead in Lead.objects.prefetch_related("organisations")}


def _price(rng: random.Random, lowest: Decimal) -> str:
    return str(lowest + rng.choice([0, 0, 1000, 2500, 5000, 30000, 120000]) + rng.choice([0, Decimal("0.50")]))


def _edge_sections(people) -> None:
    """Shapes where the two lowest prices alone would mislead: the winner third of three at the lowest price, second
    of two, a winner that did not bid, a bidder with two opened bids, a revoked lowest bid."""
    tenderer = factories.user(role=Role.TENDERER)
    a, b, c, d = people[:4]
    for prices, winner in ((("900000.00", "900000.00", "900000.00", "950000.00"), 2),
                           (("900000.00", "900000.00", "950000.00"), 1)):
        section = project(tenderer_user=tenderer).sections.get()
        made = [bid(section, person, price=price) for person, price in zip((a, b, c, d), prices, strict=False)]
        award(section, made[winner])
    section = project(tenderer_user=tenderer).sections.get()
    elsewhere = bid(project(tenderer_user=tenderer).sections.get(), d, price="999000.00", state="submitted")
    bid(section, a, price="900000.00")
    award(section, elsewhere)
    section = project(tenderer_user=tenderer).sections.get()
    twice = [bid(section, a, price="900000.00"), bid(section, a, price="905000.00"), bid(section, b, price="906000.00")]
    award(section, twice[0])
    section = project(tenderer_user=tenderer).sections.get()
    bid(section, a, price="880000.00", state="revoked")
    award(section, bid(section, b, price="900000.00"))
    bid(section, c, price="901000.00")


def _varied_sections(rng: random.Random, *, by) -> None:
    """Sections of every shape the outcome flags distinguish: no bids, one bid, bidders with two bids, revoked and
    unopened bids, bids without a price, ties at the lowest price (two and three), winners lowest, second, third or
    none, evaluations rejecting the lowest, the winner's rivals or all but the winner, bases near the award."""
    tenderer = factories.user(role=Role.TENDERER)
    people = [bidder() for _ in range(7)]
    _edge_sections(people)
    for _ in range(80):
        made = project(tenderer_user=tenderer, method=rng.choice(["open", "open", "invited", "negotiation"]),
                       base=rng.choice(["1000000.00", "905000.00", "886000.00"]),
                       base_type=rng.choice(["price_cap", "price_cap", "budget", "valuation"]))
        section = made.sections.get()
        lowest = Decimal(rng.choice([900000, 880000]))
        bids = []
        for person in rng.sample(people, rng.choice([0, 1, 2, 3, 3, 4, 5, 6])):
            for _ in range(rng.choice([1, 1, 1, 1, 2])):
                state = rng.choice(["opened"] * 8 + ["revoked", "submitted", "withdrawn_at_opening"])
                price = None if rng.random() < 0.05 else _price(rng, lowest)
                if rng.random() < 0.15:
                    price = str(lowest)  # ties at the lowest price
                bids.append(bid(section, person, price=price, state=state))
        opened = sorted((b for b in bids if b.state == "opened" and b.opened_summary is not None),
                        key=lambda b: (Decimal(b.opened_summary["price"]), b.pk))
        rejected = [b for b in opened if rng.random() < 0.2]
        if rejected and rng.random() < 0.7:
            disqualify(section, rejected, by=by)
        if opened and rng.random() < 0.85:
            winner = opened[min(rng.choice([0, 0, 0, 1, 2]), len(opened) - 1)]
            award(section, winner)


@pytest.mark.parametrize("r024", [0.01, None], ids=["threshold", "cardinal-fence"])
def test_section_facts_and_bids_give_the_same_leads(users, settings, r024):
    settings.SUPERVISION_FLAGS = {"R024": {"threshold": r024}}
    _varied_sections(random.Random(16), by=users["agency"])

    leads_refresh()  # incremental: the section facts extracted and read
    from_facts = _leads()
    Lead.objects.all().delete()
    leads_refresh(full=True, per_bid=True)  # every outcome from the bids
    from_bids = _leads()
    Lead.objects.all().delete()
    leads_refresh(full=True)

    assert from_facts == from_bids == _leads()
    codes = {key.split(":")[0] for key in from_facts}
    assert {"R018", "R035", "R036", "CAP", "identical_price"} <= codes
    assert "R024" in codes or r024 is None  # the fence of these differences lies below them all
    # both ways were taken: most sections from their facts, some from their bids
    assert SectionFact.objects.filter(per_bid=False).count() > 40
    assert SectionFact.objects.filter(per_bid=True).count() > 5
