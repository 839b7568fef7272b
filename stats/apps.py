from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class StatsConfig(AppConfig):
    name = "stats"
    verbose_name = _("Statistics")

    def ready(self):
        from accounts.navigation import add_nav
        from core.deals import deal_recorder_register

        from . import permissions  # noqa: F401 - registers statistics.view
        from .deals import external_deal_record, external_deal_withdraw

        add_nav(["official", "regulator"], _("Statistics"), "stats:statistics", order=30)
        add_nav(["official", "admin"], _("History import"), "stats:history_import", order=31)
        deal_recorder_register(record=external_deal_record, withdraw=external_deal_withdraw)
