"""Error reports that keep secrets: passwords inside URLs (DATABASE_URL, REDIS_URL, …) and secret settings masked.

Django's SafeExceptionReporterFilter masks settings and variables whose *names* look secret (KEY, PASS, TOKEN…);
a password inside ``postgres://user:password@host/db`` sits in a value named DATABASE_URL, and in local variables
of any frame that handled it. This filter masks the password part of every such URL in settings, request data
and frame variables, on the debug page (DJANGO_DEBUG=1) and in every report built from it.
"""

import re

from django.views.debug import SafeExceptionReporterFilter

URL_PASSWORD = re.compile(r"(?P<head>[a-zA-Z][a-zA-Z0-9+.-]*://[^:/@\s]*:)[^\s/]+@")
CONNINFO_PASSWORD = re.compile(r"(?P<head>\bpassword\s*=\s*)(?:'[^']*'|\S+)", flags=re.I)
MASK = SafeExceptionReporterFilter.cleansed_substitute
SECRET_NAME = re.compile("API|TOKEN|KEY|SECRET|PASS|SIGNATURE|HTTP_COOKIE|DSN|CREDENTIAL", flags=re.I)


def mask_url_passwords(text: str) -> str:
    text = URL_PASSWORD.sub(lambda m: f"{m.group('head')}{MASK}@", text)
    return CONNINFO_PASSWORD.sub(lambda m: f"{m.group('head')}{MASK}", text)


def _mask(value):
    if isinstance(value, str):  # lazy strings too (their __class__ says str)
        return mask_url_passwords(str(value))
    if isinstance(value, dict):
        return {k: MASK if isinstance(k, str) and SECRET_NAME.search(k) else _mask(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return type(value)(_mask(v) for v in value)
    return value


class SecretSafeReporterFilter(SafeExceptionReporterFilter):
    hidden_settings = SECRET_NAME

    def cleanse_setting(self, key, value):
        return _mask(super().cleanse_setting(key, value))

    def get_safe_request_meta(self, request):
        return {k: _mask(v) for k, v in super().get_safe_request_meta(request).items()}

    def get_traceback_frame_variables(self, request, tb_frame):
        return [(name, MASK if SECRET_NAME.search(name) else _mask(value)
                 if isinstance(value, str | dict | list | tuple) else value)
                for name, value in super().get_traceback_frame_variables(request, tb_frame)]
