"""The statistics rollup: kept by triggers in the writer's transaction, equal to the raw aggregate whatever writes
the rows (services, bulk_create, QuerySet.update, deletes), fed by other apps through core.deals."""

import datetime as dt
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from core.deals import Deal, deal_record, deal_withdraw
from stats.models import DealRollup, DealRollupMonth, ProjectRollupMonth
from stats.rollup import rollup_differences
from stats.selectors import statistics_table
from tests.stats.test_statistics import at, award, flt, people  # noqa: F401 - fixtures
from trading.models import Award, Project, Section, Status

pytestmark = pytest.mark.skipif(connection.vendor != "postgresql", reason="the rollup triggers are PostgreSQL's")


def figures(table):
    """Every figure of every row, the distinct project count included."""
    return [(row.key, {name: f.value for name, f in row.figures.items()}) for row in table.rows]


def test_every_kind_of_write_keeps_the_rollup_equal_to_the_raw_aggregate(people):  # noqa: F811
    one = award(people, category="construction", base_type="price_cap", base="1000.00", amount="900.00",
                at=at(2025, 3))
    second_section = award(people, category="construction", base_type="price_cap", base="500.00", amount="450.00",
                           at=at(2025, 3, hour=15), project=one.section.project)  # same project, same day
    other_day = award(people, category="construction", base_type="price_cap", base="300.00", amount="280.00",
                      at=at(2025, 4), project=one.section.project)
    land = award(people, category="land", base_type="starting_price", base="100.00", amount="150.00",
                 at=at(2025, 5), region="320102")
    assert rollup_differences() == []
    march = DealRollup.objects.get(day=dt.date(2025, 3, 15), category="construction")
    assert (march.awards, march.projects, march.base, march.amount) == (2, 1, Decimal("1500.00"), Decimal("1350.00"))

    Award.objects.filter(pk=other_day.pk).update(amount=Decimal("290.00"))  # a correction
    Project.objects.filter(pk=land.section.project_id).update(status=Status.CANCELLED)
    assert rollup_differences() == []
    Project.objects.filter(pk=land.section.project_id).update(status=Status.ARCHIVED, region="320104")
    Award.objects.filter(pk=second_section.pk).update(section=None, refused_section=second_section.section_id,
                                                      refusal="award", refused_at=at(2025, 3, 20))
    assert rollup_differences() == []
    # a bulk statement with two sections of one project on one day counts the project once
    project = one.section.project
    s1, s2 = Section.objects.bulk_create([Section(project=project, code=c, name="x", base_amount=Decimal("10"),
                                                  base_type="price_cap") for c in ("701", "702")])
    Award.objects.bulk_create([Award(section=s, organisation=one.organisation, amount=Decimal("9"),
                                     base_amount=Decimal("10"), base_type="price_cap", awarded_at=at(2025, 6),
                                     awarded_by=one.awarded_by) for s in (s1, s2)])
    june = DealRollup.objects.get(day=dt.date(2025, 6, 15))
    assert (june.awards, june.projects) == (2, 1)
    Award.objects.filter(section__in=[s1, s2]).delete()
    assert rollup_differences() == []

    whole = flt(start=dt.date(2025, 1, 1), end=dt.date(2025, 12, 31))
    for group_by in ("category", "region", "month", "quarter", "year"):
        table = flt(group_by=group_by, start=whole.date_from, end=whole.date_to)
        assert figures(statistics_table(flt=table)) == figures(statistics_table(flt=table, raw=True)), group_by
    # the construction project, awarded on 15 March and 15 April, is one project (+ land), on both paths
    assert statistics_table(flt=whole).total["projects"].value == 2
    assert statistics_table(flt=whole, raw=True).total["projects"].value == 2


def test_project_counts_are_exact_over_any_range_and_period(people):  # noqa: F811
    """A project whose sections are awarded on different days (and against different base types) counts once in a
    range, once in each period it has an award in, and not at all in a range between its award days."""
    first = award(people, category="construction", base_type="price_cap", base="1000.00", amount="900.00",
                  at=at(2025, 3, day=10))
    project = first.section.project
    award(people, category="construction", base_type="budget", base="500.00", amount="450.00",
          at=at(2025, 3, day=20), project=project)
    later = award(people, category="construction", base_type="price_cap", base="300.00", amount="280.00",
                  at=at(2025, 6, day=5), project=project)
    award(people, category="construction", base_type="price_cap", base="300.00", amount="280.00",
          at=at(2024, 3, day=12))  # another project, a year earlier: the 同比 window counts it once too

    def projects(group_by="category", start=dt.date(2025, 1, 1), end=dt.date(2025, 12, 31)):
        table = statistics_table(flt=flt(group_by=group_by, start=start, end=end))
        raw = statistics_table(flt=flt(group_by=group_by, start=start, end=end), raw=True)
        assert figures(table) == figures(raw), (group_by, start, end)
        return [(row.key, row.figures["projects"].value, row.figures["projects"].previous) for row in table.rows]

    assert projects() == [("construction", 1, 1)]
    assert projects(start=dt.date(2025, 3, 15)) == [("construction", 1, None)]  # from the second award day on
    assert projects(start=dt.date(2025, 3, 21), end=dt.date(2025, 6, 1)) == []  # between its award days
    assert [(str(key)[:7], n) for key, n, _ in projects("month")] == [("2025-03", 1), ("2025-06", 1)]
    assert [n for _, n, _ in projects("quarter")] == [1, 1] and [n for _, n, _ in projects("year")] == [1]
    assert statistics_table(flt=flt(group_by="region")).total["projects"].value == 1
    assert rollup_differences() == []

    Award.objects.filter(pk=later.pk).update(awarded_at=at(2025, 3, day=25))  # corrected into March
    Project.objects.filter(pk=project.pk).update(region="320102")
    assert [(str(key)[:7], n) for key, n, _ in projects("month")] == [("2025-03", 1)]
    assert rollup_differences() == []
    Project.objects.filter(pk=project.pk).update(status=Status.CANCELLED)
    assert projects() == []
    assert rollup_differences() == []


def test_whole_months_and_edge_days_give_the_raw_figures_over_any_range(people):  # noqa: F811
    """The rollup path reads a range's whole months from the month tables and its edge days from the daily rows:
    every range shape (within one month, from a month's middle, across years, one day) and every grouping gives
    exactly the figures of the raw awards, the distinct project counts included."""
    def days(project, *when):
        first = None
        for year, month, day in when:
            made = award(people, category="construction", base_type="price_cap", base="1000.00", amount="910.00",
                         at=at(year, month, day=day), project=project or (first and first.section.project))
            first = first or made
        return first

    days(None, (2025, 2, 10), (2025, 3, 5))  # the previous day lies in a range's first, partial month
    days(None, (2024, 2, 10), (2025, 2, 20))  # a year apart: counts in the 同比 window too
    days(None, (2025, 1, 31), (2025, 2, 1), (2025, 4, 1))  # across month ends
    days(None, (2024, 12, 31), (2025, 6, 30), (2025, 12, 31))
    award(people, category="land", base_type="starting_price", base="100.00", amount="130.00", at=at(2025, 2, 28),
          region="320102")
    award(people, category="government", base_type="budget", base="500.00", amount="450.00", at=at(2024, 3, 1))
    assert rollup_differences() == []

    ranges = [(dt.date(2025, 1, 1), dt.date(2025, 12, 31)), (dt.date(2025, 2, 15), dt.date(2025, 12, 31)),
              (dt.date(2025, 2, 15), dt.date(2025, 3, 4)), (dt.date(2025, 2, 11), dt.date(2025, 3, 31)),
              (dt.date(2025, 3, 1), dt.date(2025, 3, 31)), (dt.date(2025, 2, 1), dt.date(2025, 6, 30)),
              (dt.date(2025, 1, 31), dt.date(2025, 2, 1)), (dt.date(2025, 2, 21), dt.date(2025, 11, 30)),
              (dt.date(2025, 2, 2), dt.date(2025, 4, 1)), (dt.date(2024, 12, 31), dt.date(2025, 12, 31)),
              (dt.date(2025, 6, 30), dt.date(2025, 6, 30))]
    for start, end in ranges:
        for group_by in ("category", "region", "month", "quarter", "year"):
            table = flt(group_by=group_by, start=start, end=end)
            assert figures(statistics_table(flt=table)) == figures(statistics_table(flt=table, raw=True)), (
                group_by, start, end)
            assert statistics_table(flt=table).total == statistics_table(flt=table, raw=True).total
    # from 15 February, by quarter: Q1 the first project (5 March; its 10 February lies before the range), the
    # second (20 February) and the land deal; Q2 the third (1 April) and the fourth (30 June); Q4 the fourth again
    quarters = statistics_table(flt=flt(group_by="quarter", start=dt.date(2025, 2, 15)))
    assert [row.figures["projects"].value for row in quarters.rows] == [3, 2, 1]


def test_rebuild_command_proves_equality_and_repairs(people):  # noqa: F811
    award(people, category="government", base_type="budget", base="1000.00", amount="800.00", at=at(2025, 2))
    out = StringIO()
    call_command("rebuild_statistics", stdout=out)
    assert "equals the raw aggregate" in out.getvalue()

    DealRollup.objects.update(amount=Decimal("1.00"))  # someone tampered with the rollup
    with pytest.raises(CommandError, match="rollup rows differ from the raw aggregate"):
        call_command("rebuild_statistics", stdout=StringIO(), stderr=StringIO())
    call_command("rebuild_statistics", "--rebuild", stdout=out)
    assert rollup_differences() == []
    assert statistics_table(flt=flt()).total["total_amount"].value == Decimal("800.00")

    ProjectRollupMonth.objects.update(projects=5)  # the month tables are proved against the raw rows too
    DealRollupMonth.objects.update(awards=7)
    assert {label for label, _row in rollup_differences()} == {
        "raw monthly rollup", "stored monthly rollup", "raw monthly project rollup", "stored monthly project rollup"}
    call_command("rebuild_statistics", "--rebuild", stdout=out)
    assert rollup_differences() == []
    assert statistics_table(flt=flt()).total["awards"].value == 1


def test_a_deal_from_another_app_counts_through_core_deals(db):
    deal = Deal(source="auctions", key="31011503202600000011-1", project_key="31011503202600000011",
                category="land", region="310115", concluded_at=at(2025, 9), base_type="starting_price",
                base_amount=Decimal("1000000.00"), amount=Decimal("1300000.00"))
    deal_record(deal)

    total = statistics_table(flt=flt()).total
    assert (total["awards"].value, total["premium"].value, total["premium_rate"].value) == (
        1, Decimal("300000.00"), Decimal("0.3000"))
    assert rollup_differences() == []
    deal_withdraw(source="auctions", key=deal.key)
    assert statistics_table(flt=flt()).rows == []
    with pytest.raises(ValueError, match="reserved"):
        deal_record(Deal(**{**deal.__dict__, "source": "imported"}))
