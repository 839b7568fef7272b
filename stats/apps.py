from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class StatsConfig(AppConfig):
    name = "stats"
    verbose_name = _("Statistics")

    def ready(self):
        from accounts.navigation import add_nav

        from . import permissions  # noqa: F401 - registers statistics.view

        add_nav(["official", "regulator"], _("Statistics"), "stats:statistics", order=30)
