from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TradingConfig(AppConfig):
    name = "trading"
    verbose_name = _("Trading")

    def ready(self):
        from accounts.navigation import add_nav

        from . import desk, permissions  # noqa: F401 - registers the trading rules

        desk.register()
        add_nav(["tenderer", "agency", "regulator", "official", "admin"], _("Projects"), "trading:desk", order=10)
        add_nav(["bidder"], _("My bids"), "trading:desk", order=10)
        add_nav(["tenderer", "agency"], _("New project"), "trading:project_create", order=11)
        add_nav(["bidder", "agency", "tenderer", "regulator", "admin"], _("Keys"), "trading:keys", order=12)
        add_nav(["bidder", "expert"], _("Certificate"), "trading:certificate", order=13)
        for role in ("tenderer", "agency", "bidder", "expert", "regulator", "official", "admin"):
            add_nav([role], _("Announcements"), "trading:portal", order=20)
