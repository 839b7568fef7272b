from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SupervisionConfig(AppConfig):
    name = "supervision"
    verbose_name = _("Supervision")

    def ready(self):
        from django.contrib.auth import get_user_model
        from django.db.models.signals import post_save

        from accounts.navigation import add_nav
        from marketplace.holds import contract_hold_register
        from trading.lifecycle import award_hold_register

        from . import desk, permissions  # noqa: F401 - registers the supervision rules
        from .indicators import facts
        from .selectors import objection_holds
        from .services.purchase_complaints import purchase_complaint_holds

        # The stored facts of the indicators: a submitter's phone change makes their sections due again.
        post_save.connect(facts.submitter_changed, sender=get_user_model(), dispatch_uid="supervision-facts-phone")

        award_hold_register(objection_holds)
        contract_hold_register(purchase_complaint_holds)
        desk.register()
        add_nav(["bidder", "tenderer", "agency", "regulator"], _("Objections and complaints"),
                "supervision:complaints_desk", order=15)
        add_nav(["regulator"], _("Supervision"), "supervision:desk", order=12)
