"""Template filters for what people read instead of codes: ``{% load platform %}``."""

from decimal import Decimal

from django import template

from core.regions import region_get
from core.wording import COLON, LIST_SEPARATOR

register = template.Library()


@register.filter
def region_name(code: str | None) -> str:
    """310104 → 上海市徐汇区 (an unknown code shows as it is)."""
    region = region_get(code)
    return region.full_name if region else (code or "")


@register.filter
def money(value) -> str:
    """Yuan with thousands separators and two places: 2,500,000.00 (empty for None)."""
    if value is None or value == "":
        return ""
    return f"{Decimal(value):,.2f}"


@register.simple_tag
def colon() -> str:
    """``{% translate "Tenderer" %}{% colon %}{{ name }}`` reads 招标人：… in Chinese, Tenderer: … in English."""
    return str(COLON)


@register.simple_tag
def list_separator() -> str:
    """``{% if not forloop.last %}{% list_separator %}{% endif %}``: 甲、乙 in Chinese, A, B in English."""
    return str(LIST_SEPARATOR)
