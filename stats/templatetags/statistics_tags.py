"""Formatting of statistics figures, and the headline tile of the official's desk."""

from decimal import Decimal

from django import template
from django.utils.translation import gettext as _

from accounts.permissions import can
from core.workdays import today
from stats.selectors import Figure, statistics_headline

register = template.Library()


@register.filter
def percent(value: Decimal | None) -> str:
    return "—" if value is None else f"{value * 100:.2f}%"


@register.filter
def figure_value(figure: Figure) -> str:
    """Counts as integers, money with thousands separators, rates in percent; — when not applicable."""
    if figure.value is None:
        return "—"
    if figure.kind == "rate":
        return percent(figure.value)
    if figure.kind == "money":
        return f"{figure.value:,.2f}"
    return str(figure.value)


@register.filter
def figure_yoy(figure: Figure) -> str:
    """同比: growth in percent, or the change in percentage points for a rate; empty when not comparable."""
    if figure.yoy is None:
        return ""
    if figure.kind == "rate":
        return _("%(sign)s%(points).2f pp") % {"sign": "+" if figure.yoy >= 0 else "", "points": figure.yoy * 100}
    return f"{'+' if figure.yoy >= 0 else ''}{figure.yoy * 100:.2f}%"


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
