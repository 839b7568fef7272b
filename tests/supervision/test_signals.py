"""Collusion signals (TL 40): computed after the opening from what uploads and openings recorded."""

import pytest

from accounts.models import Role
from supervision.models import Lead
from supervision.services.leads import leads_refresh
from tests import factories
from trading.models import Status

from .indicator_helpers import bid, bidder, project

pytestmark = pytest.mark.django_db


def _leads(code, section):
    return list(Lead.objects.filter(code=code, section=section).prefetch_related("organisations"))


def test_two_colluding_bidders_are_named_with_their_evidence_and_the_honest_one_is_not():
    """Given two bidders uploading from one address, naming one manager, pricing a 1% ladder, and one honest
    bidder; when the leads are computed after the opening; then the signals name the two, never the third."""
    tenderer = factories.user(role=Role.TENDERER)
    colluder_a, colluder_b, honest = bidder(), bidder(), bidder()
    made = project(tenderer_user=tenderer, status=Status.EVALUATION)
    section = made.sections.get()
    a = bid(section, colluder_a, price="990000.00", manager="王建国", address="203.0.113.7", installation="inst-a1")
    b = bid(section, colluder_b, price="980100.00", manager="王建国 ", address="203.0.113.7", installation="inst-b2")
    c = bid(section, honest, price="957300.00", manager="李明", address="198.51.100.23", installation="inst-c3")

    leads_refresh()

    named = {colluder_a.organisation_id, colluder_b.organisation_id}
    [address] = _leads("same_address", section)
    assert {o.pk for o in address.organisations.all()} == named
    assert address.evidence == {"value": "203.0.113.7", "bids": sorted([a.pk, b.pk])}
    [manager] = _leads("same_manager", section)
    assert {o.pk for o in manager.organisations.all()} == named
    assert manager.evidence == {"value": "王建国", "bids": sorted([a.pk, b.pk])}
    [ladder] = _leads("price_pattern", section)
    assert {o.pk for o in ladder.organisations.all()} == named
    assert ladder.evidence == {"pattern": "ratio", "step": "1.0101", "bids": [b.pk, a.pk],
                               "prices": ["980100.00", "990000.00", "1000000.00"], "price_cap": ["1000000.00"]}
    signals = Lead.objects.filter(section=section, family="signal")
    assert sorted(signals.values_list("code", flat=True)) == ["price_pattern", "same_address", "same_manager"]
    for lead in signals:
        assert honest.organisation_id not in {o.pk for o in lead.organisations.all()}, lead.code
        assert c.pk not in lead.evidence["bids"]


def test_no_signal_before_the_opening_is_over():
    tenderer = factories.user(role=Role.TENDERER)
    made = project(tenderer_user=tenderer, status=Status.OPENING)
    section = made.sections.get()
    for person in (bidder(), bidder()):
        bid(section, person, price="100.00", address="203.0.113.9", state="submitted")
    assert leads_refresh().sections == 0
    assert not Lead.objects.filter(section=section).exists()


def test_same_installation_document_author_price_and_contact():
    tenderer = factories.user(role=Role.TENDERER)
    made = project(tenderer_user=tenderer)
    section = made.sections.get()
    shared = {"sha256": "ab" * 32, "author": "张工", "company": "某造价咨询公司"}
    one = bid(section, bidder(phone="13800000001"), price="500000", installation="same-installation-1",
              documents=[shared], fields={"委托代理人": "陈某"})
    two = bid(section, bidder(phone="13800000001"), price="500000.00", installation="same-installation-1",
              documents=[{**shared, "name": "商务标.pdf"}], fields={"委托代理人": "陈某"})
    bid(section, bidder(), price="480000.00", installation="other-installation-9")

    leads_refresh()

    # read in Python: Django reads a JSON key on SQLite as JSON, "500000.00" as the number 500000.0
    codes = sorted((lead.code, lead.evidence.get("value", "")) for lead in Lead.objects.filter(section=section))
    pair = sorted([one.pk, two.pk])
    assert ("same_installation", "same-installation-1") in codes
    assert ("same_document", "ab" * 32) in codes
    assert ("same_author", "author:张工") in codes and ("same_author", "company:某造价咨询公司") in codes
    assert ("identical_price", "500000.00") in codes
    assert ("same_contact", "phone:13800000001") in codes and ("same_contact", "agent:陈某") in codes
    for lead in Lead.objects.filter(section=section, family="signal"):
        assert lead.evidence["bids"] == pair or lead.code == "price_pattern"


def test_a_second_run_changes_nothing_and_a_dismissed_lead_stays_dismissed(users):
    from supervision.services.leads import lead_dismiss

    tenderer = factories.user(role=Role.TENDERER)
    made = project(tenderer_user=tenderer)
    section = made.sections.get()
    for person in (bidder(), bidder()):
        bid(section, person, price="100.00", address="203.0.113.9")
    first = leads_refresh()
    assert first.created >= 1
    lead = Lead.objects.get(code="same_address", section=section)
    lead_dismiss(lead=lead, user=users["regulator"], reason="同一招标代理机构的公共网络出口")
    assert leads_refresh(full=True).created == 0
    lead.refresh_from_db()
    assert lead.state == Lead.State.DISMISSED
