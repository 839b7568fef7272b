"""What the statistics page, its CSV export and its PDF report show: one bundle, three renderings."""

import csv
import datetime as dt
import io
from dataclasses import dataclass, replace
from decimal import Decimal

from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from core.regions import region_name
from trading.models import BaseType, Category

from . import charts
from .selectors import (
    FIGURES,
    FailureRow,
    StatisticsFilter,
    StatisticsTable,
    statistics_failures,
    statistics_table,
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


@dataclass(frozen=True)
class StatisticsReport:
    table: StatisticsTable
    monthly: StatisticsTable
    by_category: StatisticsTable
    failures: list[FailureRow]
    charts: list[charts.Chart]


def statistics_report(*, flt: StatisticsFilter) -> StatisticsReport:
    """The table asked for plus the monthly and by-category views the charts need (one query each)."""
    table = statistics_table(flt=flt)
    monthly = table if flt.group_by == "month" else statistics_table(flt=replace(flt, group_by="month"))
    by_category = table if flt.group_by == "category" else statistics_table(flt=replace(flt, group_by="category"))
    return StatisticsReport(table=table, monthly=monthly, by_category=by_category,
                            failures=statistics_failures(flt=flt), charts=report_charts(monthly, by_category))


def month_ticks(keys: list[str]) -> list[tuple[str, str]]:
    """Axis labels for months (keys 2025-03-01): the month's short name, the year under the first and each 一月."""
    ticks = []
    for index, key in enumerate(keys):
        month = dt.date.fromisoformat(key)
        year = pgettext("statistics period", "%(year)s") % {"year": month.year}
        ticks.append((date_format(month, "M"), year if index == 0 or month.month == 1 else ""))
    return ticks


def report_charts(monthly: StatisticsTable, by_category: StatisticsTable) -> list[charts.Chart]:
    categories = [row.label for row in by_category.rows]
    return [
        charts.bar_line_chart(
            key="chart-monthly", title=_("Award amount by month, with the savings rate"),
            labels=[row.label for row in monthly.rows],
            bars=[row["total_amount"].value / TEN_THOUSAND for row in monthly.rows], bar_unit=_("10k yuan"),
            bar_name=_("Award amount"), line=[row["savings_rate"].value for row in monthly.rows],
            line_name=_("Savings rate"), ticks=month_ticks([row.key for row in monthly.rows])),
        charts.bar_chart(
            key="chart-savings", title=_("Savings by category"), labels=categories,
            values=[None if row["savings"].value is None else row["savings"].value / TEN_THOUSAND
                    for row in by_category.rows],
            unit=_("10k yuan"), name=_("Savings")),
        charts.bar_chart(
            key="chart-premium", title=_("Premium rate by category"), labels=categories,
            values=[row["premium_rate"].value for row in by_category.rows], unit="%", name=_("Premium rate"),
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


# The PDF's table: the page's columns, each figure with its 同比 under it as on the page.
PDF_COLUMNS = ("projects", "awards", "total_base", "total_amount", "savings", "savings_rate", "premium",
               "premium_rate", "value_added")


def statistics_pdf(*, report: StatisticsReport, title: str) -> bytes:
    """A PDF report: title, filters, the summary table and the charts, the same figures as the page."""
    from core import pdf

    from .templatetags.statistics_tags import figure_value, figure_yoy, percent

    table = report.table
    labels = figure_labels()
    columns = [pdf.Column(group_labels()[table.filter.group_by]),
               *[pdf.Column(labels[name], kind=pdf.FIGURE) for name in PDF_COLUMNS]]
    rows = []
    for row in [*table.rows, table.total]:
        cells = [row.label]
        for name in PDF_COLUMNS:
            figure = row[name]
            yoy = figure_yoy(figure)
            cells.append(figure_value(figure) + (f"\n{_('YoY')} {yoy}" if yoy else ""))
        rows.append(cells)
    story = [pdf.title(title), pdf.text(filter_summary(table.filter)),
             pdf.small(_("Amounts in yuan. Under each figure: year-on-year change (同比) against the same period "
                         "of the previous year; rates change in percentage points.")), pdf.space(2),
             pdf.table(columns, rows, total=True) if table.rows else pdf.text(_("No awards in this range.")),
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
