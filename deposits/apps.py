from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DepositsConfig(AppConfig):
    name = "deposits"
    verbose_name = _("Deposits and bid bonds")

    def ready(self):
        from . import permissions  # noqa: F401  (registers the rules)
