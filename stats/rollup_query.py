"""The one SQL statement that reads the rollups for a statistics table (PostgreSQL): whole months from the month
tables, edge days from the daily ones, exact project counts; see docs/statistics.md, "Months and edge days".

Plain SQL rather than the ORM: the statement is a ``UNION ALL`` of up to ten small aggregates, and building and
compiling that many querysets cost more time than PostgreSQL needs to answer them.
"""

import datetime as dt
from dataclasses import dataclass

from django.db import connection

PERIODS = ("month", "quarter", "year")


@dataclass(frozen=True)
class Window:
    """A range to sum (inclusive days), under a label: ``cur_`` or ``prev_``."""

    label: str
    date_from: dt.date
    date_to: dt.date


@dataclass(frozen=True)
class Span:
    """A date range cut at month boundaries: its whole months (the first days of the first and the last, or None)
    and the days before and after them (up to two inclusive ranges)."""

    months: tuple[dt.date, dt.date] | None
    days: tuple[tuple[dt.date, dt.date], ...]


def month_after(day: dt.date) -> dt.date:
    return (day.replace(day=1) + dt.timedelta(days=32)).replace(day=1)


def span(date_from: dt.date, date_to: dt.date) -> Span:
    first = date_from if date_from.day == 1 else month_after(date_from)
    last = date_to if month_after(date_to) - dt.timedelta(days=1) == date_to else (
        date_to.replace(day=1) - dt.timedelta(days=1))  # the last day of the last whole month
    if first > last:
        return Span(months=None, days=((date_from, date_to),))
    edges = ((date_from, first - dt.timedelta(days=1)), (last + dt.timedelta(days=1), date_to))
    return Span(months=(first, last.replace(day=1)), days=tuple((a, b) for a, b in edges if a <= b))


class _Statement:
    """The parts of the UNION ALL and their parameters, for one grouping and filter."""

    def __init__(self, group_by: str, category: str, region_prefix: str) -> None:
        self.group_by = group_by
        self.filters, self.filter_params = "", []
        if category:
            self.filters += " AND category = %s"
            self.filter_params.append(category)
        if region_prefix:
            self.filters += " AND region LIKE %s"
            self.filter_params.append(region_prefix + "%")
        self.parts: list[str] = []
        self.params: list = []

    def group(self, column: str) -> str:
        """The group's SQL over a date column (``day`` or ``month``): a period, a column, or one total."""
        if self.group_by == "month" and column == "month":
            return "month"  # the month tables' rows are months already
        if self.group_by in PERIODS:
            return f"CAST(date_trunc('{self.group_by}', {column}) AS date)"
        return {"category": "category", "region": "region"}.get(self.group_by, "'total'")

    def threshold(self, column: str) -> str:
        """A day before which the previous deal day must lie: the parameter, or the period's first day if later."""
        return f"GREATEST(%s, {self.group(column)})" if self.group_by in PERIODS else "CAST(%s AS date)"

    def add(self, select: str, table: str, where: str, params: list, group_kind: bool, group: str = "1") -> None:
        self.parts.append(f"SELECT {select} FROM {table} WHERE {where}{self.filters} "
                          f"GROUP BY {group}{', 3' if group_kind else ''}")
        self.params += [*params, *self.filter_params]

    def rows(self) -> list[tuple]:
        # Without parallel workers: the rollup tables say so themselves (stats/migrations/0005_rollup_serial_scans).
        with connection.cursor() as cursor:
            cursor.execute(" UNION ALL ".join(self.parts), self.params)
            return cursor.fetchall()


def _days(days: tuple[tuple[dt.date, dt.date], ...]) -> tuple[str, list]:
    return "(" + " OR ".join("day BETWEEN %s AND %s" for _ in days) + ")", [d for pair in days for d in pair]


def rollup_rows(*, group_by: str, category: str, region_prefix: str, windows: list[Window],
                projects: bool = True) -> list[tuple]:
    """Rows (group, window label, kind, awards, base, amount, projects): per group, window and base type (``kind``)
    the deal sums; with ``projects``, per group and window a row of kind "" with the exact project count (rows of
    one group, window and kind may repeat: month tables and edge days; the caller adds them up).

    Projects: a project has a deal in [a, b] when one of its days d in [a, b] has its previous deal day before t = a
    (for a calendar period starting at p: t = max(a, p)). The daily rows of the edge days answer that directly. For
    whole months, previous < t splits at t's month: previous months before it are summed from the month table; a
    previous day within t's month but before t (only when t = a is not a month's first day) is read from the daily
    rows through their index on ``previous``.
    """
    s = _Statement(group_by, category, region_prefix)
    deals = "{group} AS grp, %s AS win, base_type AS kind, SUM(awards), SUM(base), SUM(amount), 0"
    counted = "{group} AS grp, %s AS win, '' AS kind, 0, 0, 0, SUM(projects)"
    for w in windows:
        cut = span(w.date_from, w.date_to)
        start_month = w.date_from.replace(day=1)
        if cut.days:
            days, day_params = _days(cut.days)
            s.add(deals.format(group=s.group("day")), "stats_dealrollup", days, [w.label, *day_params], True)
            if projects:
                s.add(counted.format(group=s.group("day")), "stats_projectrollup",
                      f"{days} AND previous < {s.threshold('day')}", [w.label, *day_params, w.date_from], False)
        if cut.months:
            first, last = cut.months
            s.add(deals.format(group=s.group("month")), "stats_dealrollupmonth", "month BETWEEN %s AND %s",
                  [w.label, first, last], True)
            if projects:
                s.add(counted.format(group=s.group("month")), "stats_projectrollupmonth",
                      f"month BETWEEN %s AND %s AND previous_month < {s.threshold('month')}",
                      [w.label, first, last, start_month], False)
            if projects and w.date_from.day != 1:
                s.add(counted.format(group=s.group("day")), "stats_projectrollup",
                      f"day >= %s AND day < %s AND previous >= %s AND previous < %s "
                      f"AND previous >= {s.threshold('day')}",
                      [w.label, first, month_after(last), start_month, w.date_from, start_month], False)
    return s.rows()


def rollup_grid(*, category: str, region_prefix: str, date_from: dt.date, date_to: dt.date) -> list[tuple]:
    """Rows (category, month, base type, awards, base, amount): the deals of one range per category, calendar month
    and base type, whole months from the month table and the edge days from the daily one (rows of one category,
    month and base type may repeat: the caller adds them up). No projects: what the charts read."""
    s = _Statement("month", category, region_prefix)
    deals = "category, {month} AS month, base_type AS kind, SUM(awards), SUM(base), SUM(amount)"
    cut = span(date_from, date_to)
    if cut.days:
        days, day_params = _days(cut.days)
        s.add(deals.format(month=s.group("day")), "stats_dealrollup", days, day_params, True, group="1, 2")
    if cut.months:
        s.add(deals.format(month="month"), "stats_dealrollupmonth", "month BETWEEN %s AND %s", list(cut.months),
              True, group="1, 2")
    return s.rows()
