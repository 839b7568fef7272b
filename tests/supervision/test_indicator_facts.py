"""The facts the indicators read are extracted once per section and kept in step with what they come from."""

from decimal import Decimal

import pytest

from accounts.models import Role
from accounts.services import user_update
from supervision.indicators import facts
from supervision.models import BidFact, BidValue, Lead, SectionScan
from supervision.services.leads import lead_dismiss, leads_refresh
from tests import factories

from .indicator_helpers import bid, bidder, project

pytestmark = pytest.mark.django_db


def _codes(section):
    return sorted(Lead.objects.filter(section=section, family="signal").values_list("code", "evidence__value"))


def test_facts_are_extracted_once_and_a_full_run_reads_them():
    tenderer = factories.user(role=Role.TENDERER)
    section = project(tenderer_user=tenderer).sections.get()
    one = bid(section, bidder(), price="900000.00", address="203.0.113.7", manager="王建国")
    two = bid(section, bidder(), price="910000", address="203.0.113.7", manager="李明")

    assert leads_refresh().sections == 1
    address = facts.KIND["same_address"]
    assert sorted(BidValue.objects.filter(section=section, kind=address).values_list("bid_id", "value")) == [
        (one.pk, "203.0.113.7"), (two.pk, "203.0.113.7")]
    # the price as the bid wrote it, and the cap
    stored = sorted(BidFact.objects.filter(section=section).values_list("bid_id", "state", "price"))
    assert stored == [(0, "", Decimal("1000000")), (one.pk, "opened", Decimal("900000")),
                      (two.pk, "opened", Decimal("910000"))]
    assert SectionScan.objects.get(section=section).facts == facts.version()

    # nothing changed: a second sweep extracts nothing, a full run recomputes from the facts and finds the same
    assert leads_refresh().sections == 0
    assert leads_refresh(full=True).sections == 0
    assert _codes(section) == [("same_address", "203.0.113.7")]
    # a rebuild extracts every eligible section again and finds the same
    assert leads_refresh(full=True, rebuild=True).sections == 1
    assert _codes(section) == [("same_address", "203.0.113.7")]


def test_a_submitters_phone_change_makes_the_section_due_again():
    tenderer = factories.user(role=Role.TENDERER)
    section = project(tenderer_user=tenderer).sections.get()
    first, second = bidder(phone="13800000001"), bidder(phone="13900000002")
    bid(section, first, price="900000.00")
    bid(section, second, price="910000.00")
    leads_refresh()
    assert _codes(section) == []

    user_update(user=second, phone="13800000001")
    assert not SectionScan.objects.filter(section=section).exists()
    assert leads_refresh().sections == 1
    assert _codes(section) == [("same_contact", "phone:13800000001")]


def test_another_extraction_setting_extracts_the_facts_again(settings):
    tenderer = factories.user(role=Role.TENDERER)
    section = project(tenderer_user=tenderer).sections.get()
    for person in (bidder(), bidder()):
        bid(section, person, price="900000.00" if person.pk % 2 else "910000.00", fields={"经办人": "陈某"})
    leads_refresh()
    assert _codes(section) == []

    settings.SUPERVISION_SIGNALS = {"contact_fields": ["经办人"]}
    assert leads_refresh().sections == 1
    assert _codes(section) == [("same_contact", "agent:陈某")]


def test_only_values_two_bidders_share_are_kept():
    """Every value of a section's bids is compared when it is scanned; only those of two or more bidders are kept
    (a full run reads those), so a value one bidder sent twice, or a value of one bidder only, makes no lead."""
    tenderer = factories.user(role=Role.TENDERER)
    section = project(tenderer_user=tenderer).sections.get()
    alone, first, second = bidder(), bidder(), bidder()
    bid(section, alone, price=None, address="203.0.113.7", state="superseded")
    bid(section, alone, price="900000.00", address="203.0.113.7")
    bid(section, bidder(), price="911000.00", address="198.51.100.23")
    shared = [bid(section, person, price=price, address="192.0.2.1")
              for person, price in ((first, "937000.00"), (second, "948000.00"))]
    leads_refresh()

    stored = BidValue.objects.filter(section=section, kind=facts.KIND["same_address"])
    assert sorted(stored.values_list("bid_id", "value")) == [(b.pk, "192.0.2.1") for b in shared]
    leads_refresh(full=True)
    assert _codes(section) == [("same_address", "192.0.2.1")]


def test_a_full_run_rewrites_only_the_leads_whose_evidence_changed():
    tenderer = factories.user(role=Role.TENDERER)
    section = project(tenderer_user=tenderer).sections.get()
    one = bid(section, bidder(), price="900000.00", address="203.0.113.7", manager="王建国")
    two = bid(section, bidder(), price="910000.00", address="203.0.113.7", manager="王建国")
    leads_refresh()
    address = Lead.objects.get(section=section, code="same_address")
    manager = Lead.objects.get(section=section, code="same_manager")
    Lead.objects.filter(pk=address.pk).update(evidence={"value": "203.0.113.7", "bids": [one.pk]})

    leads_refresh(full=True)
    address.refresh_from_db()
    assert address.evidence == {"value": "203.0.113.7", "bids": sorted([one.pk, two.pk])}
    assert Lead.objects.get(pk=manager.pk).evidence == manager.evidence


def test_a_lead_no_longer_found_goes_unless_a_regulator_handled_it(users):
    from trading.models import Award

    from .indicator_helpers import award

    tenderer = factories.user(role=Role.TENDERER)
    sections = [project(tenderer_user=tenderer).sections.get() for _ in range(2)]
    for section in sections:
        award(section, bid(section, bidder(), price="995000.00"))
    leads_refresh()
    kept, gone = (Lead.objects.get(section=section, code="CAP") for section in sections)
    lead_dismiss(lead=kept, user=users["regulator"], reason="控制价编制偏低，已另行核查")
    Award.objects.filter(section__in=sections).update(amount=Decimal("900000.00"))  # no longer near the cap

    assert leads_refresh().removed == 0  # nothing due: the sweep computes no section
    assert leads_refresh(full=True).removed == 1
    assert not Lead.objects.filter(pk=gone.pk).exists()
    assert Lead.objects.get(pk=kept.pk).state == Lead.State.DISMISSED
