"""Template filters of the supervision pages: indicator names, money, lead values, report cells."""

from decimal import Decimal, InvalidOperation

from django import template
from django.utils.translation import gettext as _

from ..indicators.catalogue import indicator_title as _title

register = template.Library()


@register.filter
def indicator_title(code: str) -> str:
    return _title(code)


@register.filter
def money(value) -> str:
    """1234567.8 → 1,234,567.80 (yuan); "" stays empty."""
    if value in (None, ""):
        return "—"
    try:
        return f"{Decimal(str(value)):,.2f}"
    except InvalidOperation:
        return str(value)


@register.filter
def normalize(value) -> str:
    if value is None:
        return "—"
    text = format(Decimal(value).normalize(), "f")
    return text


@register.filter
def lead_value(value: str) -> str:
    """A shared value as people read it: "author:张工" → "作者：张工"."""
    labels = {"author": _("author"), "editor": _("last modified by"), "company": _("company"),
              "phone": _("phone"), "agent": _("agent")}
    kind, sep, rest = str(value).partition(":")
    if sep and kind in labels:
        return f"{labels[kind]}：{rest}"
    return str(value)


@register.filter
def report_groups(report) -> list:
    return [(_("By measure"), report.by_kind), (_("By category"), report.by_category),
            (_("By region"), report.by_region), (_("Total"), [report.total])]


@register.filter
def cell(row, column: str) -> str:
    value = getattr(row, column)
    return money(value) if column.startswith("fines_") else str(value)
