"""Contract, delivery, the owner's rating and breach reports; ratings and breaches move the intermediary's credit."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse

from core.workdays import today
from credit.selectors import subject_standing
from marketplace.models import Contract, Purchase, Rating
from marketplace.services import delivery, selection
from stats.models import ExternalDeal
from tests.marketplace import factories as mf

pytestmark = pytest.mark.django_db


def delivered(winner=None):
    winner = winner or mf.intermediary()
    purchase = selection.select_direct(purchase=mf.purchase(method="direct"), intermediary=winner, amount="28000")
    purchase = mf.publicity_ends(purchase)
    contract = delivery.contract_record(purchase=purchase, signed_on=today(), amount="27500",
                                        due_on=today() + dt.timedelta(days=20), deliverables="咨询报告")
    return delivery.delivery_record(contract=contract, delivered_on=today(), note="按时交付")


def test_the_contract_feeds_statistics_with_savings_against_the_cap():
    contract = delivered()
    deal = ExternalDeal.objects.get(source="marketplace")
    assert deal.base_amount == Decimal("30000") and deal.amount == Decimal("27500")
    assert contract.purchase.state == Purchase.State.DELIVERED


def test_a_poor_rating_moves_the_intermediarys_credit_and_a_second_one_more():
    winner = mf.intermediary()
    before = subject_standing(organisation=winner.organisation).score
    rating = delivery.rating_submit(contract=delivered(winner), timeliness=1, quality=2, attitude=3, fees=3,
                                    comment="严重超期，成果质量差")
    assert rating.poor and rating.score == Decimal("40.00") and len(rating.credit_events) == 1
    after_one = subject_standing(organisation=winner.organisation).score
    assert after_one == before - 2
    second = delivery.rating_submit(contract=delivered(winner), timeliness=2, quality=2, attitude=2, fees=2,
                                    comment="再次超期")
    assert len(second.credit_events) == 2
    assert subject_standing(organisation=winner.organisation).score == after_one - 2 - 10
    page = Client().get(reverse("marketplace:intermediary_detail", args=[winner.pk])).content.decode()
    assert f"{after_one - 12}（" in page


def test_a_good_rating_leaves_credit_alone():
    winner = mf.intermediary()
    rating = delivery.rating_submit(contract=delivered(winner), timeliness=5, quality=5, attitude=4, fees=5)
    assert not rating.poor and rating.credit_events == [] and rating.score == Decimal("97.00")
    assert subject_standing(organisation=winner.organisation).score == 100


def test_a_breach_is_a_credit_event():
    winner = mf.intermediary()
    contract = delivered(winner)
    breach = delivery.breach_report(contract=contract, description="未按约定提交审核报告")
    assert breach.credit_event.organisation == winner.organisation
    assert subject_standing(organisation=winner.organisation).score == 85


def test_wrong_ratings_and_contracts_are_refused_with_nothing_recorded():
    contract = delivered()
    for marks, field in [((0, 5, 5, 5), "timeliness"), ((5, 6, 5, 5), "quality"), ((5, 5, "x", 5), "attitude")]:
        with pytest.raises(ValidationError) as refused:
            delivery.rating_submit(contract=contract, timeliness=marks[0], quality=marks[1], attitude=marks[2],
                                   fees=marks[3])
        assert field in refused.value.message_dict
    with pytest.raises(ValidationError) as refused:
        delivery.rating_submit(contract=contract, timeliness=1, quality=1, attitude=1, fees=1)
    assert "comment" in refused.value.message_dict
    assert not Rating.objects.exists()
    winner = mf.intermediary()
    purchase = selection.select_direct(purchase=mf.purchase(method="direct"), intermediary=winner, amount="28000")
    with pytest.raises(ValidationError, match="publicised until"):
        delivery.contract_record(purchase=purchase, signed_on=today(), amount="28000", due_on=today(),
                                 deliverables="报告")
    purchase = mf.publicity_ends(purchase)
    with pytest.raises(ValidationError) as refused:
        delivery.contract_record(purchase=purchase, signed_on=today() + dt.timedelta(days=1), amount="29000",
                                 due_on=today(), deliverables=" ")
    assert set(refused.value.message_dict) == {"amount", "signed_on", "due_on", "deliverables"}
    assert not Contract.objects.filter(purchase=purchase).exists()
    purchase.refresh_from_db()
    assert purchase.state == Purchase.State.PUBLICISED
    assert not ExternalDeal.objects.filter(key=purchase.number).exists()
