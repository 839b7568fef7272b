"""After the close: refunds due, the winner's conversion, a refusal's forfeit and credit event, the 90% approval."""

import datetime as dt
import hashlib
from decimal import Decimal
from pathlib import Path

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from auctions import rights, services
from auctions.models import Lot, LotDocument, Subject
from core.workdays import add_working_days, calendar_load
from credit.models import CreditEvent
from stats.models import ExternalDeal
from tests.pdfcheck import assert_whole, pdf_read

from . import factories as f

pytestmark = pytest.mark.django_db


@pytest.fixture
def w():
    return f.world()


def sold(w, **kwargs):
    sale = f.sale(w, **kwargs)
    lot = Lot.objects.get(sale=sale)
    apps = [f.bidder_ready(w, lot, b) for b in w.bidders[:3]]
    f.starts_now(sale)
    services.quote_place(lot=lot, user=w.bidders[0], amount="10000000")
    services.quote_place(lot=lot, user=w.bidders[1], amount="10100000")
    f.listing_ends(sale)
    f.countdown_ends(services.lot_advance(lot_id=lot.pk))
    return sale, services.lot_advance(lot_id=lot.pk), apps


def test_at_the_close_the_others_are_due_back_within_5_working_days_across_a_holiday(w):
    today = timezone.localdate()
    holidays = [today + dt.timedelta(days=n) for n in range(1, 4)]
    for year in sorted({d.year for d in holidays}):
        calendar_load(data={"year": year, "source": "test", "holidays": [
            [d.isoformat(), "假日"] for d in holidays if d.year == year], "workdays": []})
    sale, lot, apps = sold(w)
    assert lot.state == Lot.State.SOLD and lot.leading_id == apps[1].pk
    due = add_working_days(today, 5)
    assert (due - today).days >= 8  # the holidays do not count
    for loser in (apps[0], apps[2]):
        status = rights.deposit_status(loser)
        assert status.refund_due == Decimal("2000000.00") and status.due_on == due
    winner = rights.deposit_status(apps[1])
    assert winner.refund_due == 0 and winner.held == Decimal("2000000.00")


def test_the_winner_signs_and_its_deposit_becomes_part_of_the_price(w):
    sale, lot, apps = sold(w)
    with pytest.raises(PermissionDenied):
        services.deal_confirm(lot=lot, user=w.bidders[0])
    lot = services.deal_confirm(lot=lot, user=w.bidders[1])
    assert lot.confirmed_at is not None
    assert rights.deposit_status(apps[1]).converted == Decimal("2000000.00")
    with pytest.raises(ValidationError):
        services.deal_refuse(lot=lot, user=w.agency, reason="拒签")


def test_a_winner_who_refuses_forfeits_the_deposit_and_gets_a_credit_event(w):
    sale, lot, apps = sold(w)
    assert ExternalDeal.objects.filter(key=lot.deal_key).exists()
    with pytest.raises(ValidationError) as refused:
        services.deal_refuse(lot=lot, user=w.agency, reason=" ")
    assert "reason" in refused.value.message_dict
    lot = services.deal_refuse(lot=lot, user=w.agency, reason="竞得人在规定期限内未签订成交确认书")
    assert lot.state == Lot.State.REFUSED
    assert rights.deposit_status(apps[1]).forfeited == Decimal("2000000.00")
    assert CreditEvent.objects.filter(organisation=apps[1].organisation).count() == 1
    assert not ExternalDeal.objects.filter(key=lot.deal_key).exists()


def test_a_state_property_deal_below_90_percent_is_approved_or_refused_by_the_authority(w):
    sale, lot, apps = sold(w, subject=Subject.PROPERTY, valuation="12000000.00")
    assert lot.state == Lot.State.PENDING_APPROVAL
    with pytest.raises(PermissionDenied):
        services.approval_decide(lot=lot, user=w.agency, approved=True)
    with pytest.raises(ValidationError):
        services.approval_decide(lot=lot, user=w.official, approved=False)
    lot = services.approval_decide(lot=lot, user=w.official, approved=True)
    assert lot.state == Lot.State.SOLD
    deal = ExternalDeal.objects.get(key=lot.deal_key)
    assert (deal.base_type, deal.amount) == ("valuation", Decimal("10100000.00"))


def test_a_refused_approval_is_no_deal_and_every_deposit_is_due_back(w):
    sale, lot, apps = sold(w, subject=Subject.PROPERTY, valuation="12000000.00")
    lot = services.approval_decide(lot=lot, user=w.official, approved=False, reason="低于评估值，不予批准")
    assert lot.state == Lot.State.NO_DEAL
    assert rights.deposit_status(apps[1]).refund_due == Decimal("2000000.00")


def test_the_close_issues_the_signed_winning_certificate_and_signing_the_confirmation_issues_the_other(
        w, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        sale, lot, apps = sold(w)
    certificate = LotDocument.objects.get(lot=lot, kind=LotDocument.Kind.CERTIFICATE)
    data = Path(certificate.storage_path).read_bytes()
    assert hashlib.sha256(data).hexdigest() == certificate.sha256
    read = pdf_read(data, name="auction-certificate")
    assert "网上竞得证明" in read.text and apps[1].organisation.name in read.text
    assert_whole(read, ["10,100,000.00", "100,000.00"])
    with django_capture_on_commit_callbacks(execute=True):
        services.deal_confirm(lot=lot, user=w.bidders[1])
    confirmation = LotDocument.objects.get(lot=lot, kind=LotDocument.Kind.CONFIRMATION)
    read = pdf_read(Path(confirmation.storage_path).read_bytes(), name="auction-confirmation")
    assert "成交确认书" in read.text
    assert_whole(read, ["2,000,000.00", "8,100,000.00"])  # the deposit converted, the balance to pay
    kinds = [e.payload.get("document") for e in lot.events.filter(kind="document_published")]
    assert kinds == ["certificate", "confirmation"]


def test_the_confirmation_is_signed_within_2_working_days(w):
    sale, lot, apps = sold(w)
    Lot.objects.filter(pk=lot.pk).update(closed_at=timezone.now() - dt.timedelta(days=10))
    with pytest.raises(ValidationError) as refused:
        services.deal_confirm(lot=lot, user=w.bidders[1])
    assert "lot" in refused.value.message_dict
    assert Lot.objects.get(pk=lot.pk).confirmed_at is None
