"""Per-role navigation: each app adds its entries in AppConfig.ready()."""

from dataclasses import dataclass

from django.urls import reverse
from django.utils.functional import Promise


@dataclass(frozen=True)
class NavItem:
    label: str | Promise
    url_name: str
    order: int = 100


_NAV: dict[str, list[NavItem]] = {}


def add_nav(roles: list[str], label, url_name: str, order: int = 100) -> None:
    for role in roles:
        items = _NAV.setdefault(role, [])
        items.append(NavItem(label, url_name, order))
        items.sort(key=lambda item: item.order)


def nav_for(user) -> list[dict]:
    if not user.is_authenticated:
        return []
    return [{"label": item.label, "url": reverse(item.url_name)} for item in _NAV.get(user.role, [])]


def navigation(request) -> dict:
    """Template context processor."""
    return {"nav_items": nav_for(request.user)}
