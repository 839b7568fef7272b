"""Tender bid bonds: a section asks for one, registration issues the sub-account, the opening shows each opened bid's
bond only after the deadline and the opening record marks bids without one."""

import datetime as dt
from decimal import Decimal
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from bidding_room import services as room
from bidding_room.models import OpeningSession, RoomBidder, State
from bidding_room.record import record_generate
from deposits import selectors, services
from deposits.models import DepositAccount, DepositRequirement
from tests.bidding_room.factories import opening
from tests.pdfcheck import pdf_read
from trading import bonds
from trading.models import Project, Section
from trading.services.notices import announcement_amend
from trading.services.participation import registration_create

from .test_ledger import arrive

pytestmark = pytest.mark.django_db


def test_a_bond_is_at_most_two_percent_of_the_base_amount():
    assert services.bond_amount_check(amount=None, estimate=Decimal("1000000")) is None
    assert services.bond_amount_check(amount="20000.00", estimate=Decimal("1000000")) == Decimal("20000.00")
    with pytest.raises(ValidationError) as exc:
        services.bond_amount_check(amount="20000.01", estimate=Decimal("1000000"), field_name="sections.bond_amount")
    assert list(exc.value.message_dict) == ["sections.bond_amount"]
    assert "20,000.00" in exc.value.messages[0] or "20000.00" in exc.value.messages[0]


def bonded_world(bidders: int = 3):
    world = opening(bidders=bidders, bids=False, deadline=timezone.now() + dt.timedelta(hours=2))
    Section.objects.filter(pk=world.section.pk).update(bond_amount=Decimal("20000.00"))
    world.section.refresh_from_db()
    return world


def test_registering_for_a_bonded_section_issues_the_sub_account():
    world = bonded_world(bidders=2)
    registration = registration_create(section=world.section, user=world.bidders[0])
    account = DepositAccount.objects.get(organisation=world.bidders[0].organisation)
    requirement = account.requirement
    assert (requirement.kind, requirement.purpose_type, requirement.purpose_id) == ("bond", "trading.section",
                                                                                    str(world.section.pk))
    assert requirement.amount == Decimal("20000.00") and requirement.deadline == world.project.bid_deadline
    assert requirement.refund_rule == "tl57" and requirement.organiser == world.project.host
    assert account.sub_account[4] == "2" and registration.organisation == account.organisation
    registration_create(section=world.section, user=world.bidders[1])
    assert DepositRequirement.objects.count() == 1 and DepositAccount.objects.count() == 2


def test_a_section_without_a_bond_opens_no_account():
    world = opening(bidders=1, bids=False, deadline=timezone.now() + dt.timedelta(hours=2))
    registration_create(section=world.section, user=world.bidders[0])
    assert not DepositAccount.objects.exists()
    assert bonds.bond_statuses(world.section) is None


def test_a_moved_bid_deadline_moves_the_bond_deadline(settings):
    world = bonded_world(bidders=1)
    registration_create(section=world.section, user=world.bidders[0])
    new_deadline = timezone.now() + dt.timedelta(days=settings.TRADING_AMENDMENT_MIN_DAYS + 2)
    announcement_amend(project=world.project, user=world.agency, kind="amendment", title="变更公告",
                       body="投标截止时间延后。", new_bid_deadline=new_deadline)
    assert DepositRequirement.objects.get().deadline == new_deadline


def test_the_opening_shows_each_bond_only_after_the_deadline_and_the_record_marks_the_missing():
    world = bonded_world(bidders=3)
    accounts = []
    for person in world.bidders:
        registration_create(section=world.section, user=person)
        accounts.append(DepositAccount.objects.get(organisation=person.organisation))
    arrive(accounts[0])
    services.guarantee_record(account=accounts[1], issuer="picc", number="PICC-1", amount="20000.00",
                              valid_from=timezone.localdate(), valid_until=timezone.localdate() + dt.timedelta(days=90),
                              beneficiary=world.project.tenderer.name)
    # Before the deadline nothing about who paid is available, to anyone.
    with pytest.raises(selectors.TooEarly):
        bonds.bond_statuses(world.section)

    from tests.bidding_room.factories import bid_for
    for person in world.bidders:
        bid_for(world.section, person)
    past = timezone.now()  # after the guarantee was recorded, before anything below
    Project.objects.filter(pk=world.project.pk).update(bid_deadline=past)
    DepositRequirement.objects.update(deadline=past)
    OpeningSession.objects.filter(pk=world.session.pk).update(opens_at=past)
    room.session_open_due(session_id=world.session.pk)
    now = timezone.now()
    RoomBidder.objects.filter(session=world.session).update(
        signed_in_at=now, key_released_at=now, decrypted_at=now, decryption=RoomBidder.Decryption.DECRYPTED,
        progress=100)
    OpeningSession.objects.filter(pk=world.session.pk).update(state=State.CLOSED, closed_at=now)

    record = record_generate(session_id=world.session.pk)
    bonds_by_bidder = {row["bidder"]: row["bond"] for row in record.content["table"]}
    names = [p.organisation.name for p in world.bidders]
    assert bonds_by_bidder[names[0]]["ok"] and bonds_by_bidder[names[0]]["state"] == "paid"
    assert bonds_by_bidder[names[1]]["ok"] and bonds_by_bidder[names[1]]["state"] == "guaranteed"
    assert not bonds_by_bidder[names[2]]["ok"] and bonds_by_bidder[names[2]]["state"] == "missing"
    text = pdf_read(Path(record.storage_path).read_bytes(), name="deposits-bond-record").text
    assert "投标保证金" in text and "截止前未足额缴纳保证金" in text
