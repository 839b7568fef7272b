"""Every access decision of the platform goes through ``can``/``require``.

Rules are named actions (``"dashboard.bidder"``, ``"project.edit"``) mapped to a
function of the person and, for object-level checks, the object. Each app
registers its own rules in its ``permissions`` module, imported by its
AppConfig.ready(); views, API views and consumers only ever ask ``can``.
"""

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _
from rest_framework.permissions import BasePermission

from .models import Role

Rule = Callable[[Any, Any], bool]
_RULES: dict[str, Rule] = {}


def register(action: str, rule: Rule) -> None:
    if action in _RULES:
        raise ValueError(f"rule {action!r} registered twice")
    _RULES[action] = rule


def roles(*allowed: str) -> Rule:
    """A rule that allows people acting in one of ``allowed`` roles."""
    allowed_set = frozenset(allowed)
    return lambda user, obj=None: user.role in allowed_set


def can(user, action: str, obj: Any = None) -> bool:
    """Return whether ``user`` may perform ``action`` (on ``obj``)."""
    if user is None or not user.is_authenticated or not user.is_active:
        return False
    return bool(_RULES[action](user, obj))


def require(user, action: str, obj: Any = None) -> None:
    """Raise PermissionDenied with a message the person can act on unless ``can``."""
    if not can(user, action, obj):
        role = user.get_role_display() if user.is_authenticated else _("not signed in")
        raise PermissionDenied(
            _("Your account (%(role)s) may not do this. "
              "Sign in with an account that may, or ask the platform operator.") % {"role": role}
        )


def permission_required(action: str):
    """View decorator: anonymous people go to the log-in page; refused ones get a 403 that says why."""

    def decorator(view):
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            require(request.user, action)
            return view(request, *args, **kwargs)

        return wrapped

    return decorator


class Allowed(BasePermission):
    """DRF permission: the view names ``permission_action`` (and ``object_permission_action``)."""

    def has_permission(self, request, view):
        action = getattr(view, "permission_action", None)
        return request.user.is_authenticated and (action is None or can(request.user, action))

    def has_object_permission(self, request, view, obj):
        action = getattr(view, "object_permission_action", None)
        return action is None or can(request.user, action, obj)


for _role in Role:
    register(f"dashboard.{_role.value}", roles(_role.value))
register("admin.site", roles(Role.ADMIN))
