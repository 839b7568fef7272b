from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TradingConfig(AppConfig):
    name = "trading"
    verbose_name = _("Trading")

    def ready(self):
        from django.db.models.signals import post_delete, post_save

        from accounts.navigation import add_nav

        from . import desk, permissions  # noqa: F401 - registers the trading rules
        from .models import Announcement
        from .search.cache import announcement_changed

        # The search page's cache (trading.search.cache) is retired by every change of an announcement.
        post_save.connect(announcement_changed, sender=Announcement, dispatch_uid="trading-search-saved")
        post_delete.connect(announcement_changed, sender=Announcement, dispatch_uid="trading-search-deleted")

        desk.register()
        add_nav(["tenderer", "agency", "regulator", "official", "admin"], _("Projects"), "trading:desk", order=10)
        add_nav(["bidder"], _("My bids"), "trading:desk", order=10)
        add_nav(["tenderer", "agency"], _("New project"), "trading:project_create", order=11)
        add_nav(["bidder", "agency", "tenderer", "regulator", "admin"], _("Keys"), "trading:keys", order=12)
        add_nav(["bidder", "expert"], _("Certificate"), "trading:certificate", order=13)
        for role in ("tenderer", "agency", "bidder", "expert", "regulator", "official", "admin"):
            add_nav([role], _("Announcements"), "trading:portal", order=20)
