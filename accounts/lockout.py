"""Log-in lock-out (django-axes): the answer a locked-out person gets, and its record in the audit chain.

After ``AXES_FAILURE_LIMIT`` wrong passwords for one user name from one address, that pair may not log in for
``AXES_COOLOFF_TIME`` — on the log-in page (the form again, with a message saying until when and what to do) and on
``/api/trading/token/`` (a 429 with ``{"detail": …}``, as every API 429). A platform admin unlocks earlier from
the back office (Access attempts → "Unlock", ``accounts.services.login_unlock``); both are audited.
"""

from django.conf import settings
from django.contrib.auth.forms import AuthenticationForm
from django.http import JsonResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.formats import time_format
from django.utils.translation import gettext as _

from audit.services import audit_record


def lockout_message() -> str:
    until = timezone.localtime(timezone.now() + settings.AXES_COOLOFF_TIME)
    return _("Too many wrong passwords for this account from your address: logging in is locked until %(time)s "
             "(%(minutes)d minutes). Wait until then, or ask the platform operator to unlock it; if you forgot the "
             "password, ask your organisation's administrator for a new one.") % {
        "time": time_format(until, "H:i"), "minutes": settings.AXES_COOLOFF_TIME.total_seconds() // 60}


def lockout_response(request, original_response=None, credentials=None):
    """AXES_LOCKOUT_CALLABLE: a 429 the person can act on, {"detail": …} for the API, the log-in form for people."""
    message = lockout_message()
    retry_after = str(int(settings.AXES_COOLOFF_TIME.total_seconds()))
    if request.path.startswith("/api/"):
        response = JsonResponse({"detail": message}, status=429)  # as every 429 of the API (core.schema)
    else:
        form = AuthenticationForm(request, initial={"username": request.POST.get("username", "")})
        response = render(request, "accounts/login.html", {"form": form, "locked_out": message,
                                                           "next": request.POST.get("next", "")}, status=429)
    response["Retry-After"] = retry_after
    return response


def on_locked_out(sender, request, username, ip_address, **kwargs):
    """axes' user_locked_out signal: the lock-out lands in the audit chain."""
    audit_record(action="accounts.login_locked_out", object_type="accounts.user",
                 payload={"username": str(username or "")[:150], "ip_address": ip_address or "",
                          "minutes": int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)})
