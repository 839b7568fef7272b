from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AuctionsConfig(AppConfig):
    name = "auctions"
    verbose_name = _("Land, mining-right and state-property sales")

    def ready(self):
        from . import permissions  # noqa: F401  (registers the rules)
