"""What the statistics page, its CSV export and its PDF report show: one bundle, three renderings."""

import csv
import datetime as dt
import io
from dataclasses import dataclass
from decimal import Decimal
from typing import NamedTuple

from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from core.regions import region_name
from trading.models import BaseType, Category

from . import charts
from .selectors import (
    FIGURE_SPECS,
    FIGURES,
    ChartSums,
    FailureRow,
    GroupSums,
    StatisticsFilter,
    StatisticsTable,
    derive_figures,
    period_label,
    statistics_chart_sums,
    statistics_failures,
    statistics_groups,
    year_on_year,
)

TEN_THOUSAND = Decimal("10000")


def figure_labels() -> dict[str, str]:
    return {
        "projects": _("Projects"), "awards": _("Awarded sections"), "total_base": _("Total base (yuan)"),
        "total_amount": _("Total award amount (yuan)"), "savings_base": _("Savings base (yuan)"),
        "savings": _("Savings 节约资金 (yuan)"), "savings_rate": _("Savings rate 节资率"),
        "premium_base": _("Starting price total (yuan)"), "premium": _("Premium 溢价 (yuan)"),
        "premium_rate": _("Premium rate 溢价率"), "valuation_base": _("Valuation total (yuan)"),
        "value_added": _("Value added 增值 (yuan)"), "value_added_rate": _("Value added rate"),
    }


def group_labels() -> dict[str, str]:
    return {"category": _("Category"), "region": _("Region"), "month": _("Month"), "quarter": _("Quarter"),
            "year": _("Year")}


# The figures the page's table shows (and the PDF's), each with its 同比 under it.
SHOWN = ("projects", "awards", "total_base", "total_amount", "savings", "savings_rate", "premium", "premium_rate",
         "value_added")


class ShownRow(NamedTuple):
    """A row of the page's (and the PDF's) table as text: the group's label and, per figure of ``SHOWN``, its value
    and its 同比 ("" when not comparable), formatted as the CSV's and API's figures read."""

    key: str
    label: str
    cells: tuple[tuple[str, str], ...]


@dataclass(frozen=True)
class StatisticsReport:
    filter: StatisticsFilter
    rows: list[ShownRow]
    total: ShownRow
    failures: list[FailureRow]
    charts: list[charts.Chart]


def statistics_report(*, flt: StatisticsFilter) -> StatisticsReport:
    """What the page and the PDF show: the table asked for (one query, only the figures shown), the charts' months and
    categories (one query: the current range's deals by category × month, summed both ways) and the 流标 table (its
    awarded sections from the same sums; one query for the failed ones)."""
    groups, total = statistics_groups(flt=flt)
    chart_sums = statistics_chart_sums(flt=flt)
    points = _("%(sign)s%(points).2f pp")
    return StatisticsReport(
        filter=flt, rows=[shown_row(group, points) for group in groups], total=shown_row(total, points),
        failures=statistics_failures(flt=flt, awarded={key: raw["awards"] for key, raw in chart_sums.by_category}),
        charts=report_charts(chart_sums))


def shown_row(group: GroupSums, points: str | None = None) -> ShownRow:
    """The figures of ``SHOWN`` of one group as text, derived from its raw sums as ``statistics_table`` derives them.
    ``points``: the translated "%(sign)s%(points).2f pp" (looked up once per table)."""
    points = points or _("%(sign)s%(points).2f pp")
    now, before = derive_figures(group.current), derive_figures(group.previous)
    cells = []
    for name in SHOWN:
        kind = FIGURE_SPECS[name].kind
        value = now.get(name)
        cells.append((value_text(kind, value), yoy_text(kind, year_on_year(value, before.get(name), kind), points)))
    return ShownRow(group.key, group.label, tuple(cells))


def value_text(kind: str, value) -> str:
    """Counts as integers, money with thousands separators, rates in percent; — when not applicable."""
    if value is None:
        return "—"
    if kind == "rate":
        return percent(value)
    if kind == "money":
        return f"{value:,.2f}"
    return str(value)


def yoy_text(kind: str, yoy: Decimal | None, points: str | None = None) -> str:
    """同比: growth in percent, or the change in percentage points for a rate; empty when not comparable."""
    if yoy is None:
        return ""
    sign = "+" if yoy >= 0 else ""
    if kind == "rate":
        return (points or _("%(sign)s%(points).2f pp")) % {"sign": sign, "points": yoy * 100}
    return f"{sign}{yoy * 100:.2f}%"


def percent(value: Decimal | None) -> str:
    return "—" if value is None else f"{value * 100:.2f}%"


def month_ticks(months: list[dt.date]) -> list[tuple[str, str]]:
    """Axis labels for months: the month's short name, the year under the first and each 一月."""
    ticks = []
    for index, month in enumerate(months):
        year = pgettext("statistics period", "%(year)s") % {"year": month.year}
        ticks.append((date_format(month, "M"), year if index == 0 or month.month == 1 else ""))
    return ticks


def report_charts(sums: ChartSums) -> list[charts.Chart]:
    """The three charts from the range's sums by month and by category."""
    return figure_charts(monthly=[(month, derive_figures(raw)) for month, raw in sums.monthly],
                         by_category=[(key, derive_figures(raw)) for key, raw in sums.by_category])


def figure_charts(*, monthly: list[tuple[dt.date, dict]], by_category: list[tuple[str, dict]]) -> list[charts.Chart]:
    """Award amount and savings rate by month, savings and premium rate by category, from each group's figures."""
    labels = dict(Category.choices)
    categories = [str(labels.get(key, key)) for key, _figures in by_category]
    return [
        charts.bar_line_chart(
            key="chart-monthly", title=_("Award amount by month, with the savings rate"),
            labels=[period_label(month, "month") for month, _figures in monthly],
            bars=[figures["total_amount"] / TEN_THOUSAND for _month, figures in monthly], bar_unit=_("10k yuan"),
            bar_name=_("Award amount"), line=[figures["savings_rate"] for _month, figures in monthly],
            line_name=_("Savings rate"), ticks=month_ticks([month for month, _figures in monthly])),
        charts.bar_chart(
            key="chart-savings", title=_("Savings by category"), labels=categories,
            values=[None if figures["savings"] is None else figures["savings"] / TEN_THOUSAND
                    for _key, figures in by_category],
            unit=_("10k yuan"), name=_("Savings")),
        charts.bar_chart(
            key="chart-premium", title=_("Premium rate by category"), labels=categories,
            values=[figures["premium_rate"] for _key, figures in by_category], unit="%", name=_("Premium rate"),
            color=charts.LINE),
    ]


def _text(value) -> str:
    return "" if value is None else str(value)


def statistics_csv(*, table: StatisticsTable) -> str:
    """The table as CSV: per figure its value, the previous year's and the 同比; base types in the header."""
    labels = figure_labels()
    base_names = dict(BaseType.choices)
    out = io.StringIO()
    writer = csv.writer(out)
    group = group_labels()[table.filter.group_by]
    previous, yoy = _("previous year"), _("YoY")  # outside the f-strings, where xgettext does not look
    header = [_("%(group)s code") % {"group": group}, group]
    for spec in FIGURES:
        bases = "/".join(str(base_names[b]) for b in spec.base_types)
        header += [f"{labels[spec.name]} [{bases}]", f"{labels[spec.name]} {previous}", f"{labels[spec.name]} {yoy}"]
    writer.writerow(header)
    for row in [*table.rows, table.total]:
        line = [row.key, row.label]
        for spec in FIGURES:
            figure = row[spec.name]
            line += [_text(figure.value), _text(figure.previous), _text(figure.yoy)]
        writer.writerow(line)
    return out.getvalue()


def filter_summary(flt: StatisticsFilter) -> str:
    parts = [_("Grouped by %(group)s") % {"group": group_labels()[flt.group_by]},
             _("from %(start)s to %(end)s") % {"start": flt.date_from.isoformat(), "end": flt.date_to.isoformat()}]
    if flt.category:
        parts.append(str(Category(flt.category).label))
    if flt.region:
        parts.append(_("region %(name)s") % {"name": region_name(flt.region)})
    return _("; ").join(parts)


def statistics_pdf(*, report: StatisticsReport, title: str) -> bytes:
    """A PDF report: title, filters, the summary table and the charts, the same figures as the page (the same
    ``ShownRow`` texts, the same charts)."""
    from core import pdf

    labels = figure_labels()
    columns = [pdf.Column(group_labels()[report.filter.group_by]),
               *[pdf.Column(labels[name], kind=pdf.FIGURE) for name in SHOWN]]
    yoy_word = _("YoY")
    rows = [[row.label, *(value + (f"\n{yoy_word} {yoy}" if yoy else "") for value, yoy in row.cells)]
            for row in [*report.rows, report.total]]
    story = [pdf.title(title), pdf.text(filter_summary(report.filter)),
             pdf.small(_("Amounts in yuan. Under each figure: year-on-year change (同比) against the same period "
                         "of the previous year; rates change in percentage points.")), pdf.space(2),
             pdf.table(columns, rows, total=True) if report.rows else pdf.text(_("No awards in this range.")),
             pdf.space(5)]
    for chart in report.charts:
        story.append(pdf.together(pdf.heading(chart.title), charts.to_drawing(chart, font=pdf.font_name())))
    if report.failures:
        story.append(pdf.heading(_("Failed tenders (流标) by category")))
        story.append(pdf.table(
            [pdf.Column(_("Category")), pdf.Column(_("Failed sections"), kind=pdf.FIGURE),
             pdf.Column(_("Awarded sections"), kind=pdf.FIGURE), pdf.Column(_("Failure rate"), kind=pdf.FIGURE)],
            [[row.label, str(row.failed), str(row.awarded), percent(row.rate)] for row in report.failures],
            width=pdf.LANDSCAPE[0] / 2))
    return pdf.document_build(story, title=title, pagesize=pdf.LANDSCAPE, subject=_("Statistics report"))
