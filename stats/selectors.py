"""Transaction statistics (交易统计): set-based aggregates over awards, one SQL query per table.

Definitions (docs/statistics.md; no national formula exists, these are the ones used in practice):

- savings (节约资金) = Σ base − Σ award amount over awards whose base is a budget (预算) or a
  price cap (招标控制价); savings rate (节资率) = savings / that Σ base.
- premium (溢价) = Σ deal price − Σ starting/reserve price (起始价/底价) over awards with that
  base; premium rate (溢价率) = premium / that Σ starting price.
- value added (增值) = Σ deal price − Σ valuation (评估价) over awards with that base; value
  added rate = value added / that Σ valuation.
- year-on-year (同比): amounts and counts grow by (current − previous) / |previous|; rates change
  by current − previous (percentage points). None when the previous figure is zero or absent.
- failed tenders (流标): sections marked failed in the period; failure rate = failed /
  (failed + awarded sections) in the same period.

Every figure carries the base types it is measured against. Periods are calendar months,
quarters and years in Asia/Shanghai, by the award time (``Award.awarded_at``).
"""

import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from decimal import ROUND_HALF_UP, Decimal
from functools import lru_cache
from typing import NamedTuple
from zoneinfo import ZoneInfo

from django.core.exceptions import ValidationError
from django.db import connection
from django.db.models import Aggregate, Case, Count, DecimalField, F, Func, Q, QuerySet, Sum, Value, When
from django.db.models.functions import TruncMonth, TruncQuarter, TruncYear
from django.utils.formats import date_format
from django.utils.translation import get_language, pgettext
from django.utils.translation import gettext as _

from core.api import date_in_range, date_message
from core.regions import region_name, region_prefix
from trading.models import Award, BaseType, Category, Section, Status

from .rollup_query import Window, rollup_grid, rollup_rows

SHANGHAI = ZoneInfo("Asia/Shanghai")
RATE_PLACES = Decimal("0.0001")
MONEY_PLACES = Decimal("0.01")

GROUP_BY = ("category", "region", "month", "quarter", "year")
PERIODS = ("month", "quarter", "year")

SAVINGS_BASES = (BaseType.BUDGET.value, BaseType.PRICE_CAP.value)
PREMIUM_BASES = (BaseType.STARTING_PRICE.value,)
VALUATION_BASES = (BaseType.VALUATION.value,)
ALL_BASES = tuple(BaseType.values)

# The raw sums one query returns per group; every figure is derived from them.
_SUMS = ("awards", "projects", "base", "amount", "savings_base", "savings_amount", "premium_base", "premium_amount",
         "valuation_base", "valuation_amount")


@dataclass(frozen=True)
class FigureSpec:
    name: str
    kind: str  # "count", "money" or "rate"
    base_types: tuple[str, ...]


FIGURES = (
    FigureSpec("projects", "count", ALL_BASES),
    FigureSpec("awards", "count", ALL_BASES),
    FigureSpec("total_base", "money", ALL_BASES),
    FigureSpec("total_amount", "money", ALL_BASES),
    FigureSpec("savings_base", "money", SAVINGS_BASES),
    FigureSpec("savings", "money", SAVINGS_BASES),
    FigureSpec("savings_rate", "rate", SAVINGS_BASES),
    FigureSpec("premium_base", "money", PREMIUM_BASES),
    FigureSpec("premium", "money", PREMIUM_BASES),
    FigureSpec("premium_rate", "rate", PREMIUM_BASES),
    FigureSpec("valuation_base", "money", VALUATION_BASES),
    FigureSpec("value_added", "money", VALUATION_BASES),
    FigureSpec("value_added_rate", "rate", VALUATION_BASES),
)
FIGURE_SPECS = {spec.name: spec for spec in FIGURES}


@dataclass(frozen=True)
class StatisticsFilter:
    """What to count: grouping, an inclusive date range (Asia/Shanghai) and optional category/region."""

    group_by: str
    date_from: dt.date
    date_to: dt.date
    category: str = ""
    region: str = ""

    @property
    def previous(self) -> "StatisticsFilter":
        """The same range one year earlier: what 同比 compares with."""
        return replace(self, date_from=_year_before(self.date_from), date_to=_year_before(self.date_to))


@dataclass(frozen=True)
class Figure:
    """One figure of a row: its value, the same figure a year earlier, the 同比 and its base types."""

    name: str
    kind: str
    value: Decimal | int | None
    previous: Decimal | int | None
    yoy: Decimal | None
    base_types: tuple[str, ...]


@dataclass(frozen=True)
class StatisticsRow:
    key: str
    label: str
    figures: dict[str, Figure]
    base_type_awards: dict[str, int] = field(default_factory=dict)

    def __getitem__(self, name: str) -> Figure:
        return self.figures[name]


class GroupSums(NamedTuple):
    """One group's raw sums (named as in ``_SUMS``) in the range and the same group's a year earlier (empty when it
    had no award then), and its awards per base type: every figure of a row is derived from these."""

    key: str
    label: str
    current: dict
    previous: dict
    mix: dict[str, int]


@dataclass(frozen=True)
class StatisticsTable:
    filter: StatisticsFilter
    rows: list[StatisticsRow]
    total: StatisticsRow


@dataclass(frozen=True)
class FailureRow:
    """流标 by category: failed sections, awarded sections and the failure rate over both."""

    key: str
    label: str
    failed: int
    awarded: int
    rate: Decimal | None


# ---------------------------------------------------------------------------------------------- input


def statistics_filter_parse(data: Mapping, *, today: dt.date) -> StatisticsFilter:
    """Read the filter from a query string; raise ValidationError naming each bad field and what to give.

    Defaults: ``to`` = today; ``from`` = 1 January of this year (category, region), of last year
    (month, quarter) or of four years ago (year).
    """
    errors: dict[str, str] = {}
    group_by = (data.get("group_by") or "category").strip()
    if group_by not in GROUP_BY:
        errors["group_by"] = _("Group by one of: %(choices)s.") % {"choices": ", ".join(GROUP_BY)}
    category = (data.get("category") or "").strip()
    if category and category not in Category.values:
        errors["category"] = _("Unknown category “%(value)s”; choose one of: %(choices)s.") % {
            "value": category, "choices": ", ".join(Category.values)}
    region = (data.get("region") or "").strip()
    if region and not (region.isdigit() and len(region) == 6):
        errors["region"] = _("Pick a region from the list.")
    dates = {}
    for name in ("from", "to"):
        raw = (data.get(name) or "").strip()
        if not raw:
            dates[name] = None
            continue
        try:
            dates[name] = date_in_range(dt.date.fromisoformat(raw))
        except ValueError:
            errors[name] = _("“%(value)s” is not a date; write it as YYYY-MM-DD, e.g. 2025-01-31.") % {"value": raw}
        except ValidationError:
            errors[name] = date_message()
    if errors:
        raise ValidationError(errors)
    date_to = dates["to"] or today
    years_back = {"month": 1, "quarter": 1, "year": 4}.get(group_by, 0)
    date_from = dates["from"] or dt.date(date_to.year - years_back, 1, 1)
    if date_from > date_to:
        raise ValidationError({"from": _("The start date %(start)s is after the end date %(end)s; swap them.") % {
            "start": date_from.isoformat(), "end": date_to.isoformat()}})
    return StatisticsFilter(group_by=group_by, date_from=date_from, date_to=date_to, category=category, region=region)


# ------------------------------------------------------------------------------------------- queries


def statistics_table(*, flt: StatisticsFilter, raw: bool = False) -> StatisticsTable:
    """The figures of every group in the range, each with its 同比; one SQL query.

    Reads the rollup (``DealRollup``) on PostgreSQL, the awards themselves on SQLite or with ``raw=True``.
    """
    groups, total = statistics_groups(flt=flt, raw=raw)
    return StatisticsTable(filter=flt, rows=[_row(group) for group in groups], total=_row(total))


def statistics_groups(*, flt: StatisticsFilter, raw: bool = False) -> tuple[list[GroupSums], GroupSums]:
    """The raw sums of every group with an award in the range, and of their total; one SQL query. What
    ``statistics_table`` derives its figures from, and the page only the figures it shows."""
    source = _source(raw)
    groups, previous = _period_groups(flt, source) if flt.group_by in PERIODS else _keyed_groups(flt, source)
    return groups, _total(groups, previous)


def statistics_headline(*, today: dt.date) -> StatisticsRow:
    """This year to date against the same days of last year: what the official's desk shows."""
    flt = StatisticsFilter(group_by="total", date_from=dt.date(today.year, 1, 1), date_to=today)
    groups, previous = _keyed_groups(flt, _source(False))
    return _row(groups[0] if groups else GroupSums("total", _("Total"), {}, previous, {}))


@dataclass(frozen=True)
class ChartSums:
    """The current window's raw sums by month and by category (groups with an award only, in order): what the
    charts and the 流标 table's awarded sections read."""

    monthly: list[tuple[dt.date, dict]]
    by_category: list[tuple[str, dict]]


def statistics_chart_sums(*, flt: StatisticsFilter) -> ChartSums:
    """The range's deals by month and by category. On PostgreSQL one query over the rollups, grouped by category and
    month together (no projects, no year before: the charts show neither) and summed both ways here; on SQLite the
    two groupings over the awards."""
    if not rollup_in_use():
        months, _previous = _period_groups(replace(flt, group_by="month"), _RAW)
        categories, _previous = _keyed_groups(replace(flt, group_by="category"), _RAW)
        return ChartSums(monthly=[(dt.date.fromisoformat(g.key), g.current) for g in months],
                         by_category=[(g.key, g.current) for g in categories])
    by_month: dict = {}
    by_category: dict = {}
    for category, month, kind, awards, base, amount in rollup_grid(
            category=flt.category, region_prefix=flt.region and region_prefix(flt.region), date_from=flt.date_from,
            date_to=flt.date_to):
        _add_deals(by_month.setdefault(month, {}), kind, awards, base, amount)
        _add_deals(by_category.setdefault(category, {}), kind, awards, base, amount)
    monthly = [(month, window_sums(by_type, "")) for month, by_type in sorted(by_month.items())]
    categories = [(key, window_sums(by_type, "")) for key, by_type in sorted(by_category.items())]
    return ChartSums(monthly=[(m, raw) for m, raw in monthly if raw["awards"]],
                     by_category=[(key, raw) for key, raw in categories if raw["awards"]])


def statistics_failures(*, flt: StatisticsFilter, awarded: Mapping[str, int] | None = None) -> list[FailureRow]:
    """流标 by category in the range: failed sections, awarded sections and the failure rate.

    One query over sections on SQLite; on PostgreSQL the failed sections (a partial index on ``failed_at``)
    and the awarded ones from the rollup, two small queries — one when the caller gives the awarded sections per
    category of the same filter (``ChartSums.by_category``).
    """
    start, end = _bounds(flt)
    failed = Q(failed_at__gte=start, failed_at__lt=end)
    labels = dict(Category.choices)
    if rollup_in_use():
        qs = Section.objects.filter(failed)
        if flt.category:
            qs = qs.filter(project__category=flt.category)
        if flt.region:
            qs = qs.filter(project__region__startswith=region_prefix(flt.region))
        counts = {row["project__category"]: [row["n"], 0]
                  for row in qs.values("project__category").annotate(n=Count("pk")).order_by()}
        if awarded is None:
            awarded = {}
            for category, _window, _kind, awards, _base, _amount, _projects in rollup_rows(
                    group_by="category", category=flt.category,
                    region_prefix=flt.region and region_prefix(flt.region),
                    windows=[Window("cur_", flt.date_from, flt.date_to)], projects=False):
                awarded[category] = awarded.get(category, 0) + awards
        for category, awards in awarded.items():
            counts.setdefault(category, [0, 0])[1] += awards
        return [FailureRow(key=key, label=str(labels.get(key, "")), failed=f, awarded=a, rate=_ratio(f, f + a))
                for key, (f, a) in sorted(counts.items()) if f or a]
    awarded = Q(award__awarded_at__gte=start, award__awarded_at__lt=end) & ~Q(project__status=Status.CANCELLED)
    qs = Section.objects.filter(failed | awarded)
    if flt.category:
        qs = qs.filter(project__category=flt.category)
    if flt.region:
        qs = qs.filter(project__region__startswith=region_prefix(flt.region))
    rows = (qs.values("project__category")
            .annotate(failed=Count("pk", filter=failed), awarded=Count("pk", filter=awarded))
            .order_by("project__category"))
    return [FailureRow(key=row["project__category"], label=str(labels.get(row["project__category"], "")),
                       failed=row["failed"], awarded=row["awarded"],
                       rate=_ratio(row["failed"], row["failed"] + row["awarded"]))
            for row in rows]


def rollup_in_use() -> bool:
    """The rollup is kept by PostgreSQL triggers (stats/rollup_sql.py); SQLite reads the raw awards."""
    return connection.vendor == "postgresql"


@dataclass(frozen=True)
class _Source:
    """Where the sums come from: the awards (raw) or the rollup, and the names of its columns."""

    category: str
    region: str
    base: str
    amount: str
    time: str
    awards: Callable[[Q], Aggregate]
    projects: Callable[[Q], Aggregate]
    trunc: Callable[[str], Func]


_RAW = _Source(category="section__project__category", region="section__project__region", base="base_amount",
               amount="amount", time="awarded_at", awards=lambda q: Count("pk", filter=q),
               projects=lambda q: Count("section__project", filter=q, distinct=True),
               trunc=lambda group_by: _TRUNC[group_by]("awarded_at", tzinfo=SHANGHAI))
_ROLLUP = _Source(category="category", region="region", base="base", amount="amount", time="day",
                  awards=lambda q: Sum("awards", filter=q), projects=lambda q: Sum("projects", filter=q),
                  trunc=lambda group_by: _TRUNC[group_by]("day"))


def _source(raw: bool) -> _Source:
    return _ROLLUP if rollup_in_use() and not raw else _RAW


def _filtered(qs: QuerySet, flt: StatisticsFilter, source: _Source) -> QuerySet:
    if flt.category:
        qs = qs.filter(**{source.category: flt.category})
    if flt.region:
        qs = qs.filter(**{f"{source.region}__startswith": region_prefix(flt.region)})
    return qs


def _facts(flt: StatisticsFilter, source: _Source) -> QuerySet:
    # A refused award (TL 74) keeps its row without a section; only live awards are results.
    qs = Award.objects.filter(section__isnull=False, refused_at__isnull=True).exclude(
        section__project__status=Status.CANCELLED)
    return _filtered(qs, flt, source)


def _sum_if(column: str, condition: Q) -> Sum:
    money = DecimalField(max_digits=20, decimal_places=2)
    return Sum(Case(When(condition, then=F(column)), default=Value(None), output_field=money), output_field=money)


def _sum_annotations(prefix: str, window: Q, source: _Source) -> dict:
    """The raw sums of one window: counts, Σ base and Σ amount per base
    family, as SUM(CASE WHEN ...) so that one pass over the rows gives them all."""
    savings, premium, valuation = (window & Q(base_type__in=SAVINGS_BASES), window & Q(base_type__in=PREMIUM_BASES),
                                   window & Q(base_type__in=VALUATION_BASES))
    annotations = {
        f"{prefix}awards": source.awards(window),
        f"{prefix}projects": source.projects(window),
        f"{prefix}base": _sum_if(source.base, window),
        f"{prefix}amount": _sum_if(source.amount, window),
        f"{prefix}savings_base": _sum_if(source.base, savings),
        f"{prefix}savings_amount": _sum_if(source.amount, savings),
        f"{prefix}premium_base": _sum_if(source.base, premium),
        f"{prefix}premium_amount": _sum_if(source.amount, premium),
        f"{prefix}valuation_base": _sum_if(source.base, valuation),
        f"{prefix}valuation_amount": _sum_if(source.amount, valuation),
    }
    for base_type in ALL_BASES:
        annotations[f"{prefix}n_{base_type}"] = source.awards(window & Q(base_type=base_type))
    return annotations


def _window(flt: StatisticsFilter, source: _Source) -> Q:
    start, end = _bounds(flt)
    return Q(awarded_at__gte=start, awarded_at__lt=end)


def _keyed_groups(flt: StatisticsFilter, source: _Source) -> tuple[list[GroupSums], dict]:
    """Group by category or region (or nothing): the current and the previous year's window as
    conditional sums side by side, so one query gives both. Also returns the previous window's sums
    over every group (for the total's 同比)."""
    column = {"category": source.category, "region": source.region}.get(flt.group_by)
    if source is _ROLLUP:
        return keyed_groups(flt, _rollup_sums(flt))
    current, previous = _window(flt, source), _window(flt.previous, source)
    qs = _facts(flt, source).filter(current | previous)
    annotations = {**_sum_annotations("cur_", current, source), **_sum_annotations("prev_", previous, source)}
    result = qs.values(column).annotate(**annotations).order_by(column) if column else [qs.aggregate(**annotations)]
    return keyed_groups(flt, [{**raw, "key": raw[column] if column else "total"} for raw in result])


def _rollup_sums(flt: StatisticsFilter) -> list[dict]:
    """The rollup summed per group, base type and window with four plain SUMs (no CASE per figure: the rollup's
    rows already carry one base type each), then pivoted into the raw sums the figures are derived from. Projects
    come exact from the project rollup in the same statement (stats.rollup_query)."""
    windows = [Window("cur_", flt.date_from, flt.date_to), Window("prev_", flt.previous.date_from,
                                                                  flt.previous.date_to)]
    pivot: dict = {}
    counted: dict = {}
    for group, window, kind, awards, base, amount, projects in rollup_rows(
            group_by=flt.group_by, category=flt.category, region_prefix=flt.region and region_prefix(flt.region),
            windows=windows):
        if kind == "":
            counted[(group, window)] = counted.get((group, window), 0) + int(projects)
            continue
        # from the month table and from the edge days
        _add_deals(pivot.setdefault(group, {"cur_": {}, "prev_": {}})[window], kind, awards, base, amount)
    result = []
    for key in sorted(pivot):
        raw = {"key": key}
        for prefix, by_type in pivot[key].items():
            raw.update(window_sums(by_type, prefix))
            raw[f"{prefix}projects"] = counted.get((key, prefix), 0)
        result.append(raw)
    return result


def _add_deals(by_type: dict, kind: str, awards: int, base: Decimal, amount: Decimal) -> None:
    """Add a rollup row's deals to its base type's totals ({base type: {awards, projects, base, amount}})."""
    before = by_type.get(kind)
    by_type[kind] = {"awards": awards, "projects": 0, "base": base, "amount": amount} if before is None else {
        "awards": before["awards"] + awards, "projects": 0, "base": before["base"] + base,
        "amount": before["amount"] + amount}


def window_sums(by_type: dict, prefix: str) -> dict:
    """One window's raw sums from per-base-type totals ({base type: {awards, projects, base, amount}}), named as
    the SQL path names them: None where no deal of a family counts (as SUM over no rows is NULL)."""

    def total(field: str, types) -> Decimal | None:
        present = [by_type[t][field] for t in types if t in by_type]
        return sum(present, Decimal("0")) if present else None

    sums = {
        "awards": sum(int(v["awards"]) for v in by_type.values()),
        "projects": sum(int(v["projects"]) for v in by_type.values()),
        "base": total("base", ALL_BASES), "amount": total("amount", ALL_BASES),
        "savings_base": total("base", SAVINGS_BASES), "savings_amount": total("amount", SAVINGS_BASES),
        "premium_base": total("base", PREMIUM_BASES), "premium_amount": total("amount", PREMIUM_BASES),
        "valuation_base": total("base", VALUATION_BASES), "valuation_amount": total("amount", VALUATION_BASES),
    }
    out = {f"{prefix}{name}": value for name, value in sums.items()}
    for base_type in ALL_BASES:
        out[f"{prefix}n_{base_type}"] = int(by_type[base_type]["awards"]) if base_type in by_type else 0
    return out


def keyed_groups(flt: StatisticsFilter, result: list[dict]) -> tuple[list[GroupSums], dict]:
    """Groups from each group's raw sums (``key``, ``cur_<sum>``, ``prev_<sum>``, ``cur_n_<base type>``), whoever
    computed them: the SQL above or the Elasticsearch aggregations (stats.elastic). Also returns the previous
    window's sums over every group (for the total's 同比)."""
    labels = dict(Category.choices) if flt.group_by == "category" else {}
    if flt.group_by == "region":
        labels = {raw["key"]: region_name(raw["key"]) for raw in result}
    rows, all_previous = [], {}
    for raw in result:
        _accumulate(all_previous, {name: raw[f"prev_{name}"] for name in _SUMS})
        if not raw["cur_awards"]:
            continue
        key = raw["key"]
        cur = {name: raw[f"cur_{name}"] for name in _SUMS}
        prev = {name: raw[f"prev_{name}"] for name in _SUMS} if raw["prev_awards"] else {}
        mix = {bt: raw[f"cur_n_{bt}"] or 0 for bt in ALL_BASES}
        rows.append(GroupSums(key, str(labels.get(key, key)), cur, prev, mix))
    return rows, all_previous


_TRUNC = {"month": TruncMonth, "quarter": TruncQuarter, "year": TruncYear}


def _period_groups(flt: StatisticsFilter, source: _Source) -> tuple[list[GroupSums], dict]:
    """Group by calendar period over the range and the same range a year earlier (conditional sums per
    window, so overlapping windows never mix); a period's 同比 reads the previous-window sums of the
    same period one year before, from the same result."""
    if source is _ROLLUP:
        raw = _rollup_sums(flt)
        return period_groups(flt, {_as_date(r["key"]): r for r in raw})
    current, previous = _window(flt, source), _window(flt.previous, source)
    annotations = {**_sum_annotations("cur_", current, source), **_sum_annotations("prev_", previous, source)}
    result = (_facts(flt, source).filter(current | previous).annotate(period=source.trunc(flt.group_by))
              .values("period").annotate(**annotations).order_by("period"))
    return period_groups(flt, {_as_date(raw["period"]): raw for raw in result})


def period_groups(flt: StatisticsFilter, by_period: dict) -> tuple[list[GroupSums], dict]:
    """Groups from each period's raw sums (keyed by the period's first day), whoever computed them."""
    rows, all_previous = [], {}
    for period, raw in sorted(by_period.items()):
        _accumulate(all_previous, {name: raw[f"prev_{name}"] for name in _SUMS})
        if not raw["cur_awards"]:
            continue
        before = by_period.get(_year_before(period))
        cur = {name: raw[f"cur_{name}"] for name in _SUMS}
        prev = {name: before[f"prev_{name}"] for name in _SUMS} if before and before["prev_awards"] else {}
        mix = {bt: raw[f"cur_n_{bt}"] or 0 for bt in ALL_BASES}
        rows.append(GroupSums(period.isoformat(), period_label(period, flt.group_by), cur, prev, mix))
    return rows, all_previous


def table_from_groups(flt: StatisticsFilter, groups: list[GroupSums], previous: dict) -> StatisticsTable:
    return StatisticsTable(filter=flt, rows=[_row(group) for group in groups], total=_row(_total(groups, previous)))


def period_label(period: dt.date, group_by: str) -> str:
    """A period as people name it: 2025年, 2025年第一季度, 2025年3月 (in English 2025, 2025 Q1, March 2025)."""
    return _period_label(period, group_by, get_language())


@lru_cache(maxsize=1024)
def _period_label(period: dt.date, group_by: str, _language: str | None) -> str:
    """Cached per language: a period's name never changes, and the page names two years of months each time."""
    if group_by == "year":
        return pgettext("statistics period", "%(year)s") % {"year": period.year}
    if group_by == "quarter":
        quarter = (_("Q1"), _("Q2"), _("Q3"), _("Q4"))[(period.month - 1) // 3]
        return pgettext("statistics period", "%(year)s %(quarter)s") % {"year": period.year, "quarter": quarter}
    return date_format(period, "YEAR_MONTH_FORMAT")


def _as_date(value) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.astimezone(SHANGHAI).date() if value.tzinfo else value.date()
    return value


def _total(groups: list[GroupSums], prev: dict) -> GroupSums:
    """The sum of the groups' raw sums against the whole previous window. A project is in one category and
    one region; in period views a project whose sections were awarded in two periods counts in both."""
    cur: dict = {}
    mix: dict[str, int] = {}
    for group in groups:
        _accumulate(cur, group.current)
        for base_type, n in group.mix.items():
            mix[base_type] = mix.get(base_type, 0) + n
    return GroupSums("total", _("Total"), cur, prev if prev.get("awards") else {}, mix)


def _accumulate(target: dict, raw: dict) -> None:
    for name in _SUMS:
        value = raw.get(name)
        if value is not None:
            target[name] = target.get(name, 0) + value


# ---------------------------------------------------------------------------------------- figures


def _row(group: GroupSums) -> StatisticsRow:
    now, before = derive_figures(group.current), derive_figures(group.previous)
    figures = {}
    for spec in FIGURES:
        value, previous = now.get(spec.name), before.get(spec.name)
        figures[spec.name] = Figure(name=spec.name, kind=spec.kind, value=value, previous=previous,
                                    yoy=year_on_year(value, previous, spec.kind), base_types=spec.base_types)
    return StatisticsRow(key=group.key, label=group.label, figures=figures, base_type_awards=group.mix)


def _money(value) -> Decimal | None:
    return None if value is None else Decimal(value).quantize(MONEY_PLACES, rounding=ROUND_HALF_UP)


def derive_figures(raw: dict) -> dict:
    """Figures from raw sums: savings only over budget/price-cap bases, premium only over starting prices."""
    if not raw:
        return {}
    savings_base, savings_amount = _money(raw.get("savings_base")), _money(raw.get("savings_amount"))
    premium_base, premium_amount = _money(raw.get("premium_base")), _money(raw.get("premium_amount"))
    valuation_base, valuation_amount = _money(raw.get("valuation_base")), _money(raw.get("valuation_amount"))
    savings = savings_base - savings_amount if savings_base is not None else None
    premium = premium_amount - premium_base if premium_base is not None else None
    value_added = valuation_amount - valuation_base if valuation_base is not None else None
    return {
        "projects": raw.get("projects") or 0,
        "awards": raw.get("awards") or 0,
        "total_base": _money(raw.get("base")) or Decimal("0.00"),
        "total_amount": _money(raw.get("amount")) or Decimal("0.00"),
        "savings_base": savings_base, "savings": savings, "savings_rate": _ratio(savings, savings_base),
        "premium_base": premium_base, "premium": premium, "premium_rate": _ratio(premium, premium_base),
        "valuation_base": valuation_base, "value_added": value_added,
        "value_added_rate": _ratio(value_added, valuation_base),
    }


def _ratio(part, whole) -> Decimal | None:
    if part is None or not whole:
        return None
    return (Decimal(part) / Decimal(whole)).quantize(RATE_PLACES, rounding=ROUND_HALF_UP)


def year_on_year(value, previous, kind: str) -> Decimal | None:
    """同比: growth (current − previous) / |previous| for counts and amounts; the change in
    percentage points (as a fraction) for rates. None when there is nothing to compare with."""
    if value is None or previous is None:
        return None
    if kind == "rate":
        return (Decimal(value) - Decimal(previous)).quantize(RATE_PLACES, rounding=ROUND_HALF_UP)
    if previous == 0:
        return None
    return ((Decimal(value) - Decimal(previous)) / abs(Decimal(previous))).quantize(RATE_PLACES,
                                                                                   rounding=ROUND_HALF_UP)


# ------------------------------------------------------------------------------------------ dates


def _year_before(day: dt.date) -> dt.date:
    try:
        return day.replace(year=day.year - 1)
    except ValueError:  # 29 February
        return day.replace(year=day.year - 1, day=28)


def _bounds(flt: StatisticsFilter) -> tuple[dt.datetime, dt.datetime]:
    """The range as aware datetimes: from 00:00 of the first day to 00:00 after the last, in Asia/Shanghai."""
    start = dt.datetime.combine(flt.date_from, dt.time.min, tzinfo=SHANGHAI)
    end = dt.datetime.combine(flt.date_to + dt.timedelta(days=1), dt.time.min, tzinfo=SHANGHAI)
    return start, end
