"""The platform's answers when something stops a request: 400, 403, 404, 500 and a failed CSRF check.

Each says, in the person's language, why and what to do next; a 403 shows the reason the permission layer gave
(accounts.permissions.require). Under /api/ the same answers are JSON, in the API's error shape.
"""

from django.http import HttpResponse, JsonResponse
from django.shortcuts import render
from django.template import loader
from django.utils.translation import gettext as _


def _wants_json(request) -> bool:
    return request is not None and request.path.startswith("/api/")


def _reason(exception, default: str) -> str:
    message = exception.args[0] if exception is not None and exception.args else ""
    return str(message) if message else default


def _page(request, status: int, reason: str):
    if _wants_json(request):
        body = {"errors": {"detail": [reason]}} if status == 400 else {"detail": reason}
        return JsonResponse(body, status=status)
    return render(request, "core/error.html", {"status": status, "reasons": [reason]}, status=status)


def bad_request(request, exception=None):
    return _page(request, 400, _("The request could not be understood: a field or the address is malformed. "
                                 "Go back, check what you entered and send it again."))


def permission_denied(request, exception=None):
    return _page(request, 403, _reason(exception, _(
        "You may not open this page. Log in with an account that may, or ask the platform operator.")))


def page_not_found(request, exception=None):
    return _page(request, 404, _("There is no page at this address. It may have moved or been withdrawn; "
                                 "check the address, or start again from the home page."))


# Seconds a client is asked to wait when the database has no connection free (the pool is full, or PostgreSQL
# refuses more clients): the bidder tool and the bid page retry after it; an upload resumes from its offset.
OVERLOAD_RETRY_SECONDS = 5


def database_overloaded(exc: BaseException | None) -> bool:
    """Whether ``exc`` (or what caused it) is a database with no connection free now — not a bug, a busy moment."""
    from django.db import OperationalError
    from psycopg_pool import PoolTimeout, TooManyRequests

    seen = 0
    while exc is not None and seen < 5:
        if isinstance(exc, (PoolTimeout, TooManyRequests)):
            return True
        if isinstance(exc, OperationalError) or type(exc).__name__ == "OperationalError":
            text = str(exc).lower()
            if any(sign in text for sign in ("too many clients", "remaining connection slots",
                                              "couldn't get a connection")):
                return True
        exc, seen = exc.__cause__ or exc.__context__, seen + 1
    return False


def overloaded(request=None):
    """503 + Retry-After: the platform is busy for a moment (the deadline rush); nothing was saved, try again."""
    reason = _("The platform is very busy this moment and could not take your request; nothing of it was saved. "
               "Try again in %(seconds)d seconds: the bidder tool and the bid page retry by themselves, and an upload "
               "resumes where it stopped. Bids are accepted until the deadline.") % {"seconds": OVERLOAD_RETRY_SECONDS}
    if _wants_json(request):
        response = JsonResponse({"detail": reason}, status=503)
    else:
        response = HttpResponse(loader.get_template("core/error.html").render({"status": 503, "reasons": [reason]}),
                                status=503)
    response["Retry-After"] = str(OVERLOAD_RETRY_SECONDS)
    return response


def server_error(request=None):
    """Rendered without the request's context: whatever broke may be what the context needs.

    Django calls it inside the ``except`` of the request: a database with no connection free is answered 503 with
    ``Retry-After`` (``overloaded``), never 500.
    """
    import sys

    if database_overloaded(sys.exc_info()[1]):
        return overloaded(request)
    reason = _("Something went wrong on our side and your request was not completed. Nothing was half-saved: "
               "try again in a minute; if it happens again, tell the platform operator the time it happened.")
    if _wants_json(request):
        return JsonResponse({"detail": reason}, status=500)
    return HttpResponse(loader.get_template("core/error.html").render({"status": 500, "reasons": [reason]}),
                        status=500)


def csrf_failure(request, reason=""):
    return _page(request, 403, _("This form was open too long or came from another site, so it was not accepted. "
                                 "Go back, reload the page and send the form again."))
