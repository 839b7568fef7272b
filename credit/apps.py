from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CreditConfig(AppConfig):
    name = "credit"
    verbose_name = _("Credit")

    def ready(self):
        from accounts.models import Role
        from accounts.navigation import add_nav

        from . import permissions  # noqa: F401  (registers the rules)

        add_nav([Role.BIDDER, Role.AGENCY, Role.TENDERER, Role.EXPERT], _("My credit"), "credit:mine", order=80)
        add_nav([Role.REGULATOR], _("Credit management"), "credit:manage", order=80)
        add_nav([role.value for role in Role], _("Red and black lists"), "credit:lists", order=90)
