"""``{% load experts %}``: specialties by name."""

from django import template

from ..selectors.specialties import specialty_names

register = template.Library()


@register.filter
def specialty_name(code: str | None) -> str:
    """A0801 → 房屋建筑 (an unknown code shows as it is)."""
    return specialty_names().get(code or "", code or "")
