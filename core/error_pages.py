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


def server_error(request=None):
    """Rendered without the request's context: whatever broke may be what the context needs."""
    reason = _("Something went wrong on our side and your request was not completed. Nothing was half-saved: "
               "try again in a minute; if it happens again, tell the platform operator the time it happened.")
    if _wants_json(request):
        return JsonResponse({"detail": reason}, status=500)
    return HttpResponse(loader.get_template("core/error.html").render({"status": 500, "reasons": [reason]}),
                        status=500)


def csrf_failure(request, reason=""):
    return _page(request, 403, _("This form was open too long or came from another site, so it was not accepted. "
                                 "Go back, reload the page and send the form again."))
