"""The quantified credit score (信用分): pure functions of a subject's deductions and a date.

The rule (docs/credit.md has worked examples):

- Every subject starts at 100 points; events only deduct.
- A cycle starts on the day of the first deduction and lasts 12 months: it covers
  ``start`` up to the day before ``add_months(start, 12)`` (the *restoration day*).
- A deduction dated inside a running cycle (its last day included) restarts the cycle
  from that deduction's day; the points add up.
- On the restoration day, with no new deduction, the score is 100 again and the
  points of that cycle are forgotten; a later deduction starts a fresh cycle.
- The score never goes below 0.

Inputs are deliberately only dates and points: region, ownership or any other
property of the subject cannot reach the rule (DOMAIN.md "Fairness").
"""

import calendar
import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

FULL_SCORE = 100
CYCLE_MONTHS = 12


def add_months(day: dt.date, months: int) -> dt.date:
    """Return ``day`` moved by ``months`` calendar months; the 31st or 29 February
    clamp to the last day of the target month (as PostgreSQL's ``date + interval``)."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    month += 1
    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


@dataclass(frozen=True)
class Deduction:
    """One counting deduction: the day it is dated and its points."""

    occurred_on: dt.date
    points: int


@dataclass(frozen=True)
class Standing:
    """A subject's score on a day, with the cycle it comes from (None when at 100)."""

    on: dt.date
    score: int
    grade: str
    cycle_start: dt.date | None = None
    restores_on: dt.date | None = None
    points: int = 0


def current_cycle(deductions: Iterable[Deduction], on: dt.date) -> tuple[dt.date, dt.date, int] | None:
    """Return (start, restoration day, points deducted) of the cycle running on ``on``, or None."""
    start = restores = None
    points = 0
    counting = (d for d in deductions if d.points > 0 and d.occurred_on <= on)
    for deduction in sorted(counting, key=lambda d: d.occurred_on):
        if restores is None or deduction.occurred_on >= restores:
            start, points = deduction.occurred_on, 0
        points += deduction.points
        restores = add_months(deduction.occurred_on, CYCLE_MONTHS)
    if restores is None or on >= restores:
        return None
    return start, restores, points


def score_on(deductions: Iterable[Deduction], on: dt.date) -> int:
    """Return the score on ``on`` from ``deductions`` (all the subject's counting deductions)."""
    cycle = current_cycle(deductions, on)
    return FULL_SCORE if cycle is None else max(0, FULL_SCORE - cycle[2])


def grade_for(score: int, thresholds: Iterable[tuple[str, int]]) -> str:
    """Return the first grade whose minimum ``score`` reaches; the last grade takes the rest."""
    thresholds = list(thresholds)
    for grade, minimum in thresholds:
        if score >= minimum:
            return grade
    return thresholds[-1][0]


def standing_on(deductions: Iterable[Deduction], on: dt.date, thresholds: Iterable[tuple[str, int]]) -> Standing:
    deductions = list(deductions)
    cycle = current_cycle(deductions, on)
    if cycle is None:
        return Standing(on=on, score=FULL_SCORE, grade=grade_for(FULL_SCORE, thresholds))
    start, restores, points = cycle
    score = max(0, FULL_SCORE - points)
    return Standing(on=on, score=score, grade=grade_for(score, thresholds), cycle_start=start,
                    restores_on=restores, points=points)
