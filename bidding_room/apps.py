from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class BiddingRoomConfig(AppConfig):
    name = "bidding_room"
    verbose_name = _("Online opening room")
