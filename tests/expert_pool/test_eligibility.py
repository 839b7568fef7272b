"""Every exclusion rule keeps its expert out of the pool and is recorded with its reason."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from accounts.models import Role
from credit.services import blacklist_entry_create
from expert_pool.models import DrawRequest, Exclusion, Seat
from expert_pool.services import draws, registry
from expert_pool.services.draws import seat_answer
from tests import factories as base
from tests.expert_pool import factories

pytestmark = pytest.mark.django_db


def _employer_tenderer(who, window):
    return factories.expert(employer=who["tenderer"])


def _employer_name_only(who, window):
    return factories.expert(employer_name=who["tenderer"].name)


def _employer_agency(who, window):
    return factories.expert(employer=who["agency"])


def _employer_bidder(who, window):
    return factories.expert(employer=who["bidders"][1])


def _regulator_staff(who, window):
    return factories.expert(employer=who["regulator"])


def _relative(who, window):
    expert = factories.expert()
    registry.relation_declare(expert=expert, kind="relative", organisation_name=who["bidders"][0].name,
                              credit_code=who["bidders"][0].credit_code, starts_on=dt.date(2001, 1, 1),
                              ends_on=dt.date(2005, 1, 1))
    return expert


def _shareholder_two_years_ago(who, window):
    expert = factories.expert()
    registry.relation_declare(expert=expert, kind="shareholder", organisation_name=who["bidders"][2].name,
                              credit_code=who["bidders"][2].credit_code,
                              ends_on=timezone.localdate() - dt.timedelta(days=730))
    return expert


def _director_now(who, window):
    expert = factories.expert()
    registry.relation_declare(expert=expert, kind="director", organisation_name="某公司",
                              credit_code=who["agency"].credit_code)
    return expert


def _suspended(who, window):
    return factories.expert(status="suspended")


def _retired(who, window):
    return factories.expert(status="retired")


def _blacklisted(who, window):
    expert = factories.expert()
    blacklist_entry_create(person=expert.user, reason="评标中收受好处", legal_basis="《招标投标法实施条例》第七十二条",
                           starts_on=timezone.localdate() - dt.timedelta(days=30),
                           ends_on=timezone.localdate() + dt.timedelta(days=300))
    return expert


def _on_leave(who, window):
    expert = factories.expert()
    start, end = window
    registry.leave_add(expert=expert, starts_at=start - dt.timedelta(days=1), ends_at=start + dt.timedelta(hours=1))
    return expert


def _busy(who, window):
    expert = factories.expert(specialty="B0101")
    other = factories.draw_request(composition=[{"specialty": "B0101", "count": 5}], reserve_size=0, window=window)
    for _ in range(4):
        factories.expert(specialty="B0101")
    with_other = draws.draw_perform(request=other)
    assert Seat.objects.filter(request=with_other, expert=expert, state="notified").exists()
    expert.secondary_specialties.add("A080101")
    return expert


def _same_tenderer(who, window, settings):
    settings.EXPERT_DRAW_MAX_SAME_TENDERER = (1, 12)
    expert = factories.expert(specialty="B0101")
    for _ in range(4):
        factories.expert(specialty="B0101")
    earlier = factories.draw_request(who={**factories.parties(), "tenderer": who["tenderer"]},
                                     composition=[{"specialty": "B0101", "count": 5}], reserve_size=0,
                                     window=factories.evaluation_window(working_days_ahead=1))
    draws.draw_perform(request=earlier)
    seat_answer(seat=Seat.objects.get(request=earlier, expert=expert), accept=True)
    expert.secondary_specialties.add("A080101")
    return expert


RULES = [
    (_employer_tenderer, "employer_tenderer"),
    (_employer_name_only, "employer_tenderer"),
    (_employer_agency, "employer_agency"),
    (_employer_bidder, "employer_bidder"),
    (_regulator_staff, "regulator_staff"),
    (_relative, "relative"),
    (_shareholder_two_years_ago, "economic_tie"),
    (_director_now, "economic_tie"),
    (_suspended, "suspended"),
    (_retired, "retired"),
    (_blacklisted, "blacklisted"),
    (_on_leave, "on_leave"),
    (_busy, "busy"),
    (_same_tenderer, "same_tenderer"),
]


@pytest.mark.parametrize(("make_excluded", "reason"), RULES, ids=[f.__name__.strip("_") for f, _ in RULES])
def test_excluded_expert_is_recorded_with_its_reason_and_never_drawn(make_excluded, reason, settings):
    # given five eligible experts and one the rule excludes
    who = factories.parties()
    window = factories.evaluation_window(working_days_ahead=2)
    args = (who, window, settings) if make_excluded is _same_tenderer else (who, window)
    excluded = make_excluded(*args)
    eligible = [factories.expert() for _ in range(5)]
    request = factories.draw_request(who=who, window=window, reserve_size=0)
    # when the committee is drawn
    request = draws.draw_perform(request=request)
    # then the excluded expert is recorded with the reason and everyone else sits
    exclusion = Exclusion.objects.get(request=request, expert=excluded)
    assert exclusion.reason == reason and reason in exclusion.reasons
    assert set(Seat.objects.filter(request=request).values_list("expert_id", flat=True)) == {e.pk for e in eligible}
    assert excluded.pk not in request.pool[0]["candidates"]


def test_a_tie_that_ended_more_than_three_years_ago_no_longer_excludes():
    who = factories.parties()
    expert = factories.expert()
    registry.relation_declare(expert=expert, kind="employment", organisation_name=who["bidders"][0].name,
                              credit_code=who["bidders"][0].credit_code,
                              ends_on=timezone.localdate() - dt.timedelta(days=3 * 366 + 10))
    others = [factories.expert() for _ in range(4)]
    request = factories.draw_request(who=who, reserve_size=0)
    request = draws.draw_perform(request=request)
    assert not Exclusion.objects.filter(request=request).exists()
    assert set(Seat.objects.filter(request=request).values_list("expert_id", flat=True)) == {
        e.pk for e in [expert, *others]}


def test_experts_outside_the_regions_or_specialty_are_not_candidates():
    [factories.expert() for _ in range(5)]
    far = factories.expert(region="440000")
    other_field = factories.expert(specialty="B0101")
    below = factories.expert(specialty="A080105")
    request = factories.draw_request(reserve_size=5)
    request = draws.draw_perform(request=request)
    candidates = request.pool[0]["candidates"]
    assert below.pk in candidates and far.pk not in candidates and other_field.pk not in candidates


def test_too_few_eligible_experts_is_refused_with_a_clear_message_and_nothing_changes():
    who = factories.parties()
    [factories.expert() for _ in range(4)]
    factories.expert(employer=who["bidders"][0])
    request = factories.draw_request(who=who)
    with pytest.raises(ValidationError) as caught:
        draws.draw_perform(request=request)
    message = caught.value.message_dict["composition"][0]
    assert "A0801" in message and "5" in message and "4" in message
    request.refresh_from_db()
    assert request.state == DrawRequest.State.COMMITTED and not request.pool_hash
    assert not Exclusion.objects.exists() and not Seat.objects.exists()


def test_a_regulator_is_not_excluded_from_projects_others_supervise():
    who = factories.parties()
    other_regulator = base.organisation(org_type="regulator")
    staff = factories.expert(employer=other_regulator)
    [factories.expert() for _ in range(4)]
    request = factories.draw_request(who=who, reserve_size=0)
    request = draws.draw_perform(request=request)
    assert Seat.objects.filter(request=request, expert=staff).exists()
    assert base.user(role=Role.REGULATOR)  # a regulator account exists independently of the expert pool
