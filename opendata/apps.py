from urllib.parse import urlsplit

from django.apps import AppConfig
from django.conf import settings
from django.core import checks
from django.utils.translation import gettext_lazy as _

LOOPBACK = ("127.0.0.1", "localhost", "::1", "0.0.0.0")  # noqa: S104 - names compared, nothing bound


def site_url_check(app_configs, **kwargs) -> list[checks.CheckMessage]:
    """A deployment publishes document links under SITE_URL into releases that are never changed: refuse the default
    loopback address (or a malformed one) before anything is published with it."""
    parts = urlsplit(settings.SITE_URL)
    if parts.scheme in ("http", "https") and parts.hostname and parts.hostname not in LOOPBACK:
        return []
    return [checks.Warning(f"SITE_URL is {settings.SITE_URL!r}: open data would link every signed document there, "
                           "and a published release is never changed.",
                           hint="Set SITE_URL to the address the public reaches, e.g. https://jy.example.gov.cn "
                                "(docs/opendata.md \"Documents\").", id="opendata.W001")]


class OpendataConfig(AppConfig):
    name = "opendata"
    verbose_name = _("Open data")

    def ready(self):
        checks.register(site_url_check, deploy=True)
