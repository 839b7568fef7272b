from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AuctionsConfig(AppConfig):
    name = "auctions"
    verbose_name = _("Land, mining-right and state-property sales")

    def ready(self):
        from accounts.models import Role
        from accounts.navigation import add_nav

        from . import permissions  # noqa: F401  (registers the rules)

        add_nav(list(Role), _("Land and property sales"), "auctions:list", order=35)
        add_nav([Role.REGULATOR, Role.OFFICIAL, Role.ADMIN], _("Sales bidding now"), "auctions:watch", order=36)
