"""Tender bid bonds: a section asks for one, registration issues the sub-account, the opening shows each opened bid's
bond only after the deadline and the opening record marks bids without one."""

import datetime as dt
from decimal import Decimal
from pathlib import Path
from types import SimpleNamespace

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from bidding_room import services as room
from bidding_room.models import OpeningSession, RoomBidder, State
from bidding_room.record import record_generate
from core.workdays import calendar_load_shipped
from credit.models import CreditEvent
from deposits import selectors, services
from deposits.models import DepositAccount, DepositRequirement, Movement
from tests.bidding_room.factories import opening
from tests.pdfcheck import pdf_read
from trading import bonds
from trading.models import Award, Project, Section
from trading.services.notices import announcement_amend
from trading.services.participation import registration_create
from trading.services.refusals import award_refuse

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
    short = dict(account=accounts[1], issuer="picc", number="PICC-1", amount="20000.00",
                 valid_from=timezone.localdate(), valid_until=timezone.localdate() + dt.timedelta(days=30),
                 beneficiary=world.project.tenderer.name)
    with pytest.raises(ValidationError) as exc:  # TL 26: the bid validity period (90 days here) from the deadline
        services.guarantee_record(**short)
    assert list(exc.value.message_dict) == ["valid_until"]
    services.guarantee_record(**{**short, "valid_until": timezone.localdate() + dt.timedelta(days=120)})
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


def paid_world(category: str = "construction"):
    """Three bidders registered for a bonded section, all paid before the deadline, the deadline passed."""
    world = bonded_world(bidders=3)
    Project.objects.filter(pk=world.project.pk).update(category=category)
    world.project.refresh_from_db()
    accounts = []
    for n, person in enumerate(world.bidders):
        registration_create(section=world.section, user=person)
        account = DepositAccount.objects.get(organisation=person.organisation)
        arrive(account, reference=f"B-{n}")
        accounts.append(account)
    past = timezone.now()
    Project.objects.filter(pk=world.project.pk).update(bid_deadline=past)
    DepositRequirement.objects.update(deadline=past)
    return world, accounts


def test_after_the_contract_every_bond_is_due_back_within_five_days(db):
    calendar_load_shipped(year=2026)
    world, accounts = paid_world()
    award = Award.objects.create(section=world.section, organisation=world.bidders[0].organisation,
                                 amount=Decimal("900000.00"), base_amount=world.section.base_amount,
                                 base_type=world.section.base_type, awarded_at=timezone.now(),
                                 awarded_by=world.agency)
    # TL 57: the award notice changes nothing; the contract of 30 September makes every bond due by 8 October.
    bonds.bonds_after_award_notice(world.project, on=dt.date(2026, 9, 28))
    assert not Movement.objects.filter(kind="refund_due").exists()
    bonds.bonds_after_contract(SimpleNamespace(award=award, signed_on=dt.date(2026, 9, 30)))
    due = Movement.objects.filter(kind="refund_due")
    assert due.count() == 3 and {m.due_on for m in due} == {dt.date(2026, 10, 8)}


def test_procurement_losers_are_due_after_the_award_notice_the_winner_after_the_contract(db):
    calendar_load_shipped(year=2026)
    world, accounts = paid_world(category="government")
    award = Award.objects.create(section=world.section, organisation=world.bidders[0].organisation,
                                 amount=Decimal("900000.00"), base_amount=world.section.base_amount,
                                 base_type=world.section.base_type, awarded_at=timezone.now(),
                                 awarded_by=world.agency)
    bonds.bonds_after_award_notice(world.project, on=dt.date(2026, 9, 30))
    due = Movement.objects.filter(kind="refund_due")
    assert {m.account_id for m in due} == {accounts[1].pk, accounts[2].pk}
    assert {m.due_on for m in due} == {dt.date(2026, 10, 13)}  # 5 working days across the National Day holiday
    bonds.bonds_after_contract(SimpleNamespace(award=award, signed_on=dt.date(2026, 10, 9)))
    winner = Movement.objects.get(kind="refund_due", account=accounts[0])
    assert winner.due_on == dt.date(2026, 10, 15)  # from Friday 9 October: 10 (调休 Saturday), 12, 13, 14, 15
    assert Movement.objects.filter(kind="refund_due").count() == 3


def test_a_winner_refusing_the_contract_forfeits_its_bond_with_one_credit_event(db):
    world, accounts = paid_world()
    Project.objects.filter(pk=world.project.pk).update(status="awarded")
    award = Award.objects.create(section=world.section, organisation=world.bidders[0].organisation,
                                 amount=Decimal("900000.00"), base_amount=world.section.base_amount,
                                 base_type=world.section.base_type, awarded_at=timezone.now(),
                                 awarded_by=world.agency)
    award_refuse(award=award, user=world.agency, refusal="contract", reason="中标人书面拒绝签订合同")
    forfeited = Movement.objects.get(kind="forfeited")
    assert forfeited.account_id == accounts[0].pk and forfeited.reason == "中标人书面拒绝签订合同"
    events = CreditEvent.objects.filter(organisation=world.bidders[0].organisation)
    assert [e.behaviour_version.behaviour.code for e in events] == ["contract-refused"]


def test_a_failed_tender_makes_every_bond_due(db):
    world, accounts = paid_world()
    Project.objects.filter(pk=world.project.pk).update(status="failed")
    world.project.refresh_from_db()
    bonds.bonds_after_failure(world.project, on=timezone.localdate())
    assert Movement.objects.filter(kind="refund_due").count() == 3


def test_the_project_page_shows_the_bond_and_where_to_pay_it(client):
    from django.urls import reverse

    from trading.services.participation import registration_sign_commitment

    world = bonded_world(bidders=1)
    person = world.bidders[0]
    registration = registration_create(section=world.section, user=person)
    registration_sign_commitment(registration=registration, user=person, accepted=True)
    client.force_login(person)
    page = client.get(reverse("trading:project", args=[world.project.pk])).content.decode()
    assert "投标保证金（元）" in page and "20,000.00" in page
    assert reverse("deposits:mine") in page and "虚拟子账号" in page
