from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class BiddingRoomConfig(AppConfig):
    name = "bidding_room"
    verbose_name = _("Online opening room")

    def ready(self):
        from accounts.models import Role
        from accounts.navigation import add_nav

        from . import desk, permissions  # noqa: F401  (registers the rules)

        desk.register()

        add_nav([Role.TENDERER, Role.AGENCY, Role.BIDDER, Role.REGULATOR, Role.OFFICIAL], _("Openings"),
                "bidding_room:list", order=30)
        add_nav([Role.REGULATOR, Role.OFFICIAL, Role.ADMIN], _("Live supervision"), "bidding_room:board", order=31)
