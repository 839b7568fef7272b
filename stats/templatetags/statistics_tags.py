"""Formatting of statistics figures, and the headline tile of the official's desk."""

from decimal import Decimal
from html import escape

from django import template
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from accounts.permissions import can
from core.workdays import today
from stats import reports
from stats.selectors import Figure, statistics_headline

register = template.Library()


@register.filter
def percent(value: Decimal | None) -> str:
    return reports.percent(value)


@register.filter
def figure_value(figure: Figure) -> str:
    """Counts as integers, money with thousands separators, rates in percent; — when not applicable."""
    return reports.value_text(figure.kind, figure.value)


@register.filter
def figure_yoy(figure: Figure) -> str:
    """同比: growth in percent, or the change in percentage points for a rate; empty when not comparable."""
    return reports.yoy_text(figure.kind, figure.yoy)


@register.simple_tag
def figure_cells(row: reports.ShownRow) -> SafeString:
    """A table row's figures (``ShownRow.cells``, already text): each in its cell with its 同比 under it. One tag per
    row instead of a variable and a filter per figure: two years of months are 25 rows of 9 figures."""
    return mark_safe("".join(  # noqa: S308 - every text is escaped
        f'<td>{escape(value)}<span class="yoy">{escape(yoy)}</span></td>' for value, yoy in row.cells))


@register.inclusion_tag("stats/_headline.html", takes_context=True)
def statistics_headline_tile(context):
    """This year's headline figures (awards, amount, savings rate, premium rate, 同比) with a link."""
    user = context["request"].user
    if not can(user, "statistics.view"):
        return {"allowed": False}
    row = statistics_headline(today=today())
    return {"allowed": True, "year": today().year, "figures": [
        (_("Awarded sections"), row["awards"]), (_("Total award amount (yuan)"), row["total_amount"]),
        (_("Savings rate 节资率"), row["savings_rate"]), (_("Premium rate 溢价率"), row["premium_rate"])]}
