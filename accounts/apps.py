from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = _("Accounts")

    def ready(self):
        from .models import Role
        from .navigation import add_nav

        for role in Role:
            add_nav([role.value], _("My desk"), "accounts:dashboard", order=0)
