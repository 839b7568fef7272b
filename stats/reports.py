"""What the statistics page, its CSV export and its PDF report show: one bundle, three renderings."""

import csv
import io
from dataclasses import dataclass, replace
from decimal import Decimal

from django.utils.translation import gettext as _

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


def report_charts(monthly: StatisticsTable, by_category: StatisticsTable) -> list[charts.Chart]:
    categories = [row.label for row in by_category.rows]
    return [
        charts.bar_line_chart(
            key="chart-monthly", title=_("Award amount by month, with the savings rate"),
            labels=[row.label for row in monthly.rows],
            bars=[row["total_amount"].value / TEN_THOUSAND for row in monthly.rows], bar_unit=_("10k yuan"),
            bar_name=_("Award amount"), line=[row["savings_rate"].value for row in monthly.rows],
            line_name=_("Savings rate")),
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
    header = [group_labels()[table.filter.group_by] + " (key)", group_labels()[table.filter.group_by]]
    for spec in FIGURES:
        bases = "/".join(str(base_names[b]) for b in spec.base_types)
        header += [f"{labels[spec.name]} [{bases}]", f"{labels[spec.name]} {_('previous year')}",
                   f"{labels[spec.name]} {_('YoY')}"]
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
    return "; ".join(parts)


def _percent(value: Decimal | None) -> str:
    return "—" if value is None else f"{value * 100:.2f}%"


def _money(value: Decimal | None) -> str:
    return "—" if value is None else f"{value:,.2f}"


def statistics_pdf(*, report: StatisticsReport, title: str) -> bytes:
    """A PDF report: title, filters, the summary table and the charts, Chinese in the CID font STSong-Light."""
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4, landscape
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.lib.units import mm
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

    font = "STSong-Light"
    if font not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(UnicodeCIDFont(font))
    heading = ParagraphStyle("heading", fontName=font, fontSize=18, leading=24)
    normal = ParagraphStyle("normal", fontName=font, fontSize=9, leading=13)
    buffer = io.BytesIO()
    doc = SimpleDocTemplate(buffer, pagesize=landscape(A4), title=title, subject="statistics report",
                            author="Sunshine Trading Platform", leftMargin=12 * mm, rightMargin=12 * mm,
                            topMargin=12 * mm, bottomMargin=12 * mm)
    table = report.table
    labels = figure_labels()
    columns = ["projects", "awards", "total_amount", "savings", "savings_rate", "premium", "premium_rate",
               "value_added"]
    data = [[group_labels()[table.filter.group_by], *[labels[c] for c in columns], _("YoY (amount)")]]
    for row in [*table.rows, table.total]:
        cells = [row.label]
        for name in columns:
            figure = row[name]
            cells.append(_percent(figure.value) if figure.kind == "rate" else (
                str(figure.value) if figure.kind == "count" else _money(figure.value)))
        cells.append(_percent(row["total_amount"].yoy))
        data.append(cells)
    grid = Table([[Paragraph(str(cell), normal) for cell in line] for line in data], repeatRows=1)
    grid.setStyle(TableStyle([
        ("GRID", (0, 0), (-1, -1), 0.25, colors.grey), ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#fef3c7")),
        ("BACKGROUND", (0, -1), (-1, -1), colors.HexColor("#f3f4f6")), ("VALIGN", (0, 0), (-1, -1), "TOP")]))
    story = [Paragraph(title, heading), Paragraph(filter_summary(table.filter), normal), Spacer(1, 4 * mm), grid,
             Spacer(1, 6 * mm)]
    for chart in report.charts:
        story += [Paragraph(chart.title, normal), charts.to_drawing(chart, font=font), Spacer(1, 4 * mm)]
    if report.failures:
        story.append(Paragraph(_("Failed tenders (流标) by category"), normal))
        failures = [[_("Category"), _("Failed sections"), _("Awarded sections"), _("Failure rate")]]
        failures += [[row.label, str(row.failed), str(row.awarded), _percent(row.rate)] for row in report.failures]
        failure_table = Table([[Paragraph(cell, normal) for cell in line] for line in failures])
        failure_table.setStyle(TableStyle([("GRID", (0, 0), (-1, -1), 0.25, colors.grey)]))
        story.append(failure_table)
    doc.build(story)
    return buffer.getvalue()
