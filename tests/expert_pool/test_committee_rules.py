"""Committee rules and draw timing: each refusal says why, and nothing is recorded."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from audit.models import AuditEvent
from core import workdays
from expert_pool.models import DrawRequest, Seat
from expert_pool.services import draws
from tests.expert_pool import factories

pytestmark = pytest.mark.django_db


def refused(field, **kwargs):
    """Make a request that must be refused; return the message for ``field``."""
    who = factories.parties()
    with pytest.raises(ValidationError) as caught:
        factories.draw_request(who=who, **kwargs)
    assert not DrawRequest.objects.exists()
    assert not AuditEvent.objects.filter(action="expert_pool.draw.commit").exists()
    return caught.value.message_dict[field][0]


def test_even_committee_is_refused():
    message = refused("composition", composition=[{"specialty": "A0801", "count": 6}])
    assert "odd number" in message and "6" in message


def test_committee_under_five_is_refused():
    message = refused("composition", composition=[{"specialty": "A0801", "count": 3}])
    assert "at least 5" in message


def test_experts_under_two_thirds_is_refused():
    message = refused("tenderer_representatives", composition=[{"specialty": "A0801", "count": 3}],
                      tenderer_representatives=2)
    assert "two thirds" in message and "3 of 5" in message


def test_large_government_procurement_needs_seven():
    message = refused("composition", government_procurement=True, budget=Decimal("10000000.00"))
    assert "at least 7" in message


def test_large_government_procurement_with_seven_and_small_with_five_are_accepted():
    assert factories.draw_request(government_procurement=True, budget=Decimal("10000000.00"),
                                  composition=[{"specialty": "A0801", "count": 5}, {"specialty": "A0805", "count": 2}])
    assert factories.draw_request(government_procurement=True, budget=Decimal("9999999.99"))
    assert factories.draw_request(composition=[{"specialty": "A0801", "count": 4}], tenderer_representatives=1)


def test_unknown_or_overlapping_specialties_are_refused():
    assert "not in the taxonomy" in refused("composition", composition=[{"specialty": "Z99", "count": 5}])
    assert "overlaps" in refused("composition", composition=[{"specialty": "A0801", "count": 3},
                                                              {"specialty": "A080101", "count": 2}])


def test_evaluation_in_the_past_or_backwards_is_refused():
    now = timezone.now()
    assert "has passed" in refused("evaluation_starts_at",
                                   window=(now - dt.timedelta(hours=1), now + dt.timedelta(hours=1)))
    start, _ = factories.evaluation_window()
    assert "end after" in refused("evaluation_ends_at", window=(start, start))


def test_commitment_is_published_when_the_request_is_made():
    request = factories.draw_request()
    event = AuditEvent.objects.get(action="expert_pool.draw.commit", object_id=str(request.pk))
    assert event.payload["commitment"] == request.commitment and len(request.commitment) == 64
    assert "seed" not in event.payload and request.seed not in str(event.payload)


def test_drawing_earlier_than_two_working_days_before_evaluation_is_refused():
    [factories.expert() for _ in range(5)]
    request = factories.draw_request(window=factories.evaluation_window(working_days_ahead=3))
    with pytest.raises(ValidationError) as caught:
        draws.draw_perform(request=request)
    first = draws.earliest_draw_day(timezone.localtime(request.evaluation_starts_at).date())
    assert "Too early" in caught.value.messages[0] and first.isoformat() in caught.value.messages[0]
    assert first == workdays.add_working_days(workdays.today(), 1)
    request.refresh_from_db()
    assert request.state == DrawRequest.State.COMMITTED and not Seat.objects.exists()


def test_drawing_exactly_two_working_days_before_is_allowed(settings):
    [factories.expert() for _ in range(5)]
    request = factories.draw_request(window=factories.evaluation_window(working_days_ahead=2))
    assert draws.draw_perform(request=request).state == DrawRequest.State.DRAWN


def test_the_earliest_day_is_configurable(settings):
    settings.EXPERT_DRAW_EARLIEST_WORKING_DAYS = 3
    [factories.expert() for _ in range(5)]
    request = factories.draw_request(window=factories.evaluation_window(working_days_ahead=3))
    assert draws.draw_perform(request=request).state == DrawRequest.State.DRAWN


def test_drawing_twice_is_refused():
    [factories.expert() for _ in range(7)]
    request = draws.draw_perform(request=factories.draw_request())
    with pytest.raises(ValidationError, match="already been drawn"):
        draws.draw_perform(request=request)


def test_refusals_are_in_chinese_by_default():
    from django.utils import translation

    with translation.override("zh-hans"):
        message = refused("composition", composition=[{"specialty": "A0801", "count": 6}])
    assert "单数" in message
