from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MarketplaceConfig(AppConfig):
    name = "marketplace"
    verbose_name = _("Intermediary marketplace")

    def ready(self):
        from accounts.models import Role
        from accounts.navigation import add_nav

        from . import desk, permissions  # noqa: F401

        desk.register()
        add_nav([Role.TENDERER], _("Intermediary purchases"), "marketplace:owner", order=50)
        add_nav([Role.BIDDER], _("Intermediary marketplace"), "marketplace:intermediary", order=50)
        add_nav([Role.REGULATOR, Role.ADMIN, Role.OFFICIAL], _("Intermediary marketplace"), "marketplace:oversight",
                order=50)
        add_nav([Role.EXPERT], _("Comparison committees"), "marketplace:committee", order=50)
