from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ExpertPoolConfig(AppConfig):
    name = "expert_pool"
    verbose_name = _("Expert pool")

    def ready(self):
        from accounts.models import Role
        from accounts.navigation import add_nav
        from trading.services.keys import certificate_holder_register

        from . import desk, permissions  # noqa: F401
        from .selectors.certificates import expert_certificate_holder

        desk.register()
        certificate_holder_register(Role.EXPERT, expert_certificate_holder)

        add_nav([Role.EXPERT], _("My expert profile"), "expert_pool:profile", order=20)
        add_nav([Role.EXPERT], _("My draws"), "expert_pool:my_seats", order=21)
        add_nav([Role.AGENCY, Role.TENDERER, Role.REGULATOR], _("Expert draws"), "expert_pool:draws", order=40)
        add_nav([Role.BIDDER], _("Abnormally low prices"), "expert_pool:low_prices", order=45)
        add_nav([Role.ADMIN, Role.REGULATOR], _("Import experts"), "expert_pool:import", order=41)
