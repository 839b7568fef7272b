from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DepositsConfig(AppConfig):
    name = "deposits"
    verbose_name = _("Deposits and bid bonds")

    def ready(self):
        from accounts.models import Role
        from accounts.navigation import add_nav

        from . import desk, permissions  # noqa: F401  (registers the rules)

        add_nav([Role.BIDDER], _("My deposits"), "deposits:mine", order=14)
        add_nav([Role.ADMIN, Role.AGENCY, Role.TENDERER, Role.REGULATOR], _("Deposits"), "deposits:manage", order=14)
        desk.register()
