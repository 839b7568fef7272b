"""The scoring cycle across its edges, as a pure rule and as stored events (docs/credit.md)."""

import datetime as dt
import inspect
import random

import pytest

from accounts.models import Organisation
from credit import scoring, selectors
from credit.services import credit_event_correct
from tests import factories
from tests.credit.factories import days_ago, event

D = dt.date
THRESHOLDS = [("A", 90), ("B", 80), ("C", 70), ("D", 60), ("E", 0)]


def score(deductions, on):
    return scoring.score_on([scoring.Deduction(day, points) for day, points in deductions], on)


def test_no_deduction_is_full_score():
    assert score([], D(2026, 5, 1)) == 100


def test_one_deduction_counts_until_the_day_before_the_restoration_day():
    history = [(D(2025, 3, 10), 10)]
    assert score(history, D(2025, 3, 9)) == 100
    assert score(history, D(2025, 3, 10)) == 90
    assert score(history, D(2026, 3, 9)) == 90  # last day of the cycle
    assert score(history, D(2026, 3, 10)) == 100  # restoration day


def test_deduction_on_the_last_day_of_a_cycle_restarts_it_and_adds_up():
    history = [(D(2025, 3, 10), 10), (D(2026, 3, 9), 5)]
    assert score(history, D(2026, 3, 9)) == 85
    assert score(history, D(2026, 3, 10)) == 85
    assert score(history, D(2027, 3, 8)) == 85
    assert score(history, D(2027, 3, 9)) == 100


def test_deduction_on_the_restoration_day_starts_a_fresh_cycle():
    history = [(D(2025, 3, 10), 10), (D(2026, 3, 10), 5)]
    assert score(history, D(2026, 3, 10)) == 95
    cycle = scoring.current_cycle([scoring.Deduction(d, p) for d, p in history], D(2026, 3, 10))
    assert cycle == (D(2026, 3, 10), D(2027, 3, 10), 5)


def test_two_deductions_on_one_day_add_up_and_share_one_cycle():
    history = [(D(2025, 6, 1), 5), (D(2025, 6, 1), 20)]
    assert score(history, D(2025, 5, 31)) == 100
    assert score(history, D(2025, 6, 1)) == 75
    assert score(history, D(2026, 6, 1)) == 100


def test_a_chain_of_deductions_keeps_the_cycle_running():
    history = [(D(2024, 1, 15), 10), (D(2024, 12, 1), 10), (D(2025, 11, 30), 10)]
    assert score(history, D(2025, 11, 29)) == 80
    assert score(history, D(2025, 11, 30)) == 70
    assert score(history, D(2026, 11, 29)) == 70
    assert score(history, D(2026, 11, 30)) == 100


def test_score_as_of_a_past_date_ignores_later_deductions():
    history = [(D(2025, 1, 1), 10), (D(2025, 6, 1), 30)]
    assert score(history, D(2025, 5, 31)) == 90
    assert score(history, D(2025, 6, 1)) == 60


def test_29_february_restores_on_28_february():
    history = [(D(2024, 2, 29), 10)]
    assert score(history, D(2025, 2, 27)) == 90
    assert score(history, D(2025, 2, 28)) == 100


def test_score_never_goes_below_zero():
    assert score([(D(2025, 1, 1), 60), (D(2025, 2, 1), 60)], D(2025, 3, 1)) == 0


@pytest.mark.parametrize(("value", "grade"), [(100, "A"), (90, "A"), (89, "B"), (80, "B"), (70, "C"),
                                              (60, "D"), (59, "E"), (0, "E")])
def test_grade_thresholds(value, grade):
    assert scoring.grade_for(value, THRESHOLDS) == grade


def test_the_rule_cannot_take_region_or_ownership():
    # Given the scoring function and the only record it reads
    # Then its inputs are dates and points: nothing about who the subject is
    assert list(inspect.signature(scoring.score_on).parameters) == ["deductions", "on"]
    assert list(inspect.signature(scoring.standing_on).parameters) == ["deductions", "on", "thresholds"]
    assert {f for f in scoring.Deduction.__dataclass_fields__} == {"occurred_on", "points"}


@pytest.mark.django_db
def test_identical_histories_in_different_regions_give_identical_scores():
    # Given two bidders from different regions with the same history
    local = factories.organisation(region="310000")
    remote = factories.organisation(region="650000")
    for organisation in (local, remote):
        event(code="award-refused", organisation=organisation, occurred_on=days_ago(100))
        event(code="bid-not-decrypted", organisation=organisation, occurred_on=days_ago(20))
    # When the scores are computed, one at a time and all at once
    on = days_ago(0)
    bulk = selectors.scores_below_full(on=on)
    # Then they are the same
    assert selectors.subject_standing(organisation=local) == selectors.subject_standing(organisation=remote)
    assert bulk[local.pk] == bulk[remote.pk] == (75, "C")


@pytest.mark.django_db
def test_subject_standing_from_stored_events_as_of_past_dates():
    bidder = factories.organisation()
    event(code="award-refused", organisation=bidder, occurred_on=days_ago(400))
    event(code="bid-not-decrypted", organisation=bidder, occurred_on=days_ago(10))
    assert selectors.subject_standing(organisation=bidder, on=days_ago(401)).score == 100
    assert selectors.subject_standing(organisation=bidder, on=days_ago(400)).score == 80
    assert selectors.subject_standing(organisation=bidder, on=days_ago(11)).score == 100  # 12 months passed
    now = selectors.subject_standing(organisation=bidder)
    assert (now.score, now.grade, now.cycle_start) == (95, "A", days_ago(10))


@pytest.mark.django_db
def test_a_corrected_event_stops_counting_from_the_correction(users):
    # Given a deduction recorded 30 days ago
    bidder = factories.organisation()
    recorded = event(code="award-refused", organisation=bidder, occurred_on=days_ago(30))
    # When a regulator annuls it today
    credit_event_correct(event=recorded, reason="中标人已提交正当理由证明", by=users["regulator"])
    # Then it counted until yesterday and no longer counts from today
    assert selectors.subject_standing(organisation=bidder, on=days_ago(1)).score == 80
    assert selectors.subject_standing(organisation=bidder).score == 100
    assert bidder.pk not in selectors.scores_below_full(on=days_ago(0))
    assert selectors.scores_below_full(on=days_ago(1))[bidder.pk] == (80, "B")


@pytest.mark.django_db
def test_an_amended_event_counts_under_its_new_rule_from_the_correction_dated_as_the_original(users):
    bidder = factories.organisation()
    recorded = event(code="award-refused", organisation=bidder, occurred_on=days_ago(30))
    replacement = credit_event_correct(event=recorded, reason="应认定为未解密", by=users["regulator"],
                                       behaviour_code="bid-not-decrypted")
    assert replacement.occurred_on == days_ago(30) and replacement.counts_from == days_ago(0)
    assert selectors.subject_standing(organisation=bidder, on=days_ago(1)).score == 80
    standing = selectors.subject_standing(organisation=bidder)
    assert (standing.score, standing.cycle_start) == (95, days_ago(30))


@pytest.mark.django_db
def test_grade_thresholds_come_from_settings(settings):
    bidder = factories.organisation()
    event(code="award-refused", organisation=bidder, occurred_on=days_ago(5))
    assert selectors.subject_standing(organisation=bidder).grade == "B"
    settings.CREDIT_GRADE_THRESHOLDS = [("优", 95), ("良", 75), ("差", 0)]
    assert selectors.subject_standing(organisation=bidder).grade == "良"
    assert selectors.scores_below_full(on=days_ago(0))[bidder.pk] == (80, "良")


@pytest.mark.django_db
def test_grade_warning_for_the_tenderer(settings):
    bidder = factories.organisation(name="东方路桥建设有限公司")
    assert selectors.grade_warning(organisation=bidder) is None
    event(code="fraud", organisation=bidder, occurred_on=days_ago(3))  # 50 points
    warning = selectors.grade_warning(organisation=bidder)
    assert "东方路桥建设有限公司" in warning and "E" in warning
    settings.CREDIT_GRADE_WARNINGS = []
    assert selectors.grade_warning(organisation=bidder) is None


@pytest.mark.django_db
def test_set_based_scores_equal_the_rule_for_random_histories(users):
    # Given 40 subjects with random histories over three years, some corrected
    rng = random.Random(7)
    codes = ["bid-not-decrypted", "award-refused", "malicious-complaint", "tenderer-exclusion"]
    subjects = [factories.organisation(org_type=Organisation.Type.BIDDER) for _ in range(40)]
    for subject in subjects:
        for _ in range(rng.randint(0, 6)):
            recorded = event(code=rng.choice(codes), organisation=subject, occurred_on=days_ago(rng.randint(0, 1100)))
            if rng.random() < 0.15:
                credit_event_correct(event=recorded, reason="复核更正", by=users["regulator"])
    # When scores are computed as of several dates, set-based, streaming and one by one
    for back in (0, 1, 200, 365, 700):
        on = days_ago(back)
        sql = selectors.scores_below_full(on=on)
        streamed = selectors.scores_below_full_streaming(on=on)
        one_by_one = {}
        for subject in subjects:
            standing = selectors.subject_standing(organisation=subject, on=on)
            if standing.score < 100:
                one_by_one[subject.pk] = (standing.score, standing.grade)
        # Then all three agree
        assert sql == streamed == one_by_one


@pytest.mark.django_db
def test_people_are_scored_apart_from_organisations():
    expert = factories.user(role="expert")
    event(code="expert-no-show", person=expert, occurred_on=days_ago(3))
    assert selectors.scores_below_full(on=days_ago(0), kind="person") == {expert.pk: (90, "A")}
    assert selectors.scores_below_full_streaming(on=days_ago(0), kind="person") == {expert.pk: (90, "A")}
    assert selectors.scores_below_full(on=days_ago(0)) == {}
    assert selectors.subject_standing(person=expert).score == 90
