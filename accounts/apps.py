from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = _("Accounts")

    def ready(self):
        from django.contrib.auth import signals

        from . import signals as handlers
        from .models import Role

        signals.user_logged_in.connect(handlers.on_logged_in, dispatch_uid="audit-login")
        signals.user_logged_out.connect(handlers.on_logged_out, dispatch_uid="audit-logout")
        signals.user_login_failed.connect(handlers.on_login_failed, dispatch_uid="audit-login-failed")
        from axes.signals import user_locked_out

        from .lockout import on_locked_out

        user_locked_out.connect(on_locked_out, dispatch_uid="audit-login-locked-out")
        from . import health
        from .navigation import add_nav

        health.register()

        for role in Role:
            add_nav([role.value], _("My desk"), "accounts:dashboard", order=0)
