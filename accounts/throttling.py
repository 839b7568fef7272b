"""Request rates (DRF throttles): anonymous callers, signed-in callers, and the expensive endpoints by scope.

Rates come from ``REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]`` (environment ``THROTTLE_<SCOPE>``), read when a
request is counted, so a changed setting takes effect at once. A caller is counted by account when signed in,
else by address — the address core.proxy believes, never a client-sent X-Forwarded-For. The first refusal of a
caller in each window lands in the audit chain (``throttle.refused``); the refusals after it in the same window
do not, so a flood cannot flood the chain too. Plain Django views (the portal's search, the statistics page and
its exports) use ``throttle_view(scope)``, which answers 429 with a page that says how long to wait.
"""

from functools import wraps

from django.conf import settings
from django.core.cache import cache
from django.shortcuts import render
from rest_framework import throttling

from audit.services import audit_record
from core.api import throttled_message


class _Throttle(throttling.SimpleRateThrottle):
    scope: str

    def get_rate(self):
        return settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"].get(self.scope)

    def get_ident(self, request):
        return request.META.get("REMOTE_ADDR") or "unknown"

    def get_cache_key(self, request, view):
        user = getattr(request, "user", None)
        ident = f"user-{user.pk}" if user is not None and user.is_authenticated else self.get_ident(request)
        return self.cache_format % {"scope": self.scope, "ident": ident}

    def throttle_failure(self):
        if cache.add(f"{self.key}:audited", 1, timeout=int(self.duration)):
            audit_record(action="throttle.refused", object_type="throttle", object_id=self.scope,
                         payload={"scope": self.scope, "rate": self.rate})
        return False


class AnonThrottle(_Throttle):
    scope = "anon"

    def get_cache_key(self, request, view):
        if request.user and request.user.is_authenticated:
            return None
        return super().get_cache_key(request, view)


class UserThrottle(_Throttle):
    scope = "user"

    def get_cache_key(self, request, view):
        if not (request.user and request.user.is_authenticated):
            return None
        return super().get_cache_key(request, view)


def scoped(scope_name: str) -> type[_Throttle]:
    """A throttle class for one expensive scope (``search``, ``statistics``, ``export``, ``upload``)."""
    return type(f"{scope_name.title()}Throttle", (_Throttle,), {"scope": scope_name})


SearchThrottle = scoped("search")
StatisticsThrottle = scoped("statistics")
ExportThrottle = scoped("export")
UploadThrottle = scoped("upload")


def with_scope(throttle_class: type[_Throttle]) -> list[type[_Throttle]]:
    """The throttles of a DRF view in an expensive scope: the per-caller ones plus the scope's own."""
    return [AnonThrottle, UserThrottle, throttle_class]


def throttle_view(throttle_class: type[_Throttle]):
    """Decorator for a plain Django view: count the request; over the rate, a 429 page that says how long."""

    def decorator(view):
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            throttle = throttle_class()
            if not throttle.allow_request(request, None):
                wait = throttle.wait()
                response = render(request, "core/error.html",
                                  {"status": 429, "reasons": [throttled_message(wait)]}, status=429)
                response["Retry-After"] = str(max(1, int(wait or 1)))
                return response
            return view(request, *args, **kwargs)

        return wrapped

    return decorator
