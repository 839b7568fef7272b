from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class BlacklistEntry(models.Model):
    """A restriction: the subject may not bid (organisation) or be drawn (person) from start to end, inclusive."""

    organisation = models.ForeignKey(
        "accounts.Organisation", verbose_name=_("organisation"), null=True, blank=True,
        on_delete=models.PROTECT, related_name="blacklist_entries",
    )
    person = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("person"), null=True, blank=True,
        on_delete=models.PROTECT, related_name="blacklist_entries",
    )
    reason = models.CharField(_("reason"), max_length=300)
    legal_basis = models.CharField(_("legal basis"), max_length=200)
    starts_on = models.DateField(_("starts on"))
    ends_on = models.DateField(_("ends on"))
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        ordering = ["-starts_on"]
        verbose_name = _("black-list entry")
        verbose_name_plural = _("black-list entries")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(organisation__isnull=False, person__isnull=True)
                | models.Q(organisation__isnull=True, person__isnull=False),
                name="blacklist_one_subject",
            ),
            models.CheckConstraint(condition=models.Q(ends_on__gte=models.F("starts_on")), name="blacklist_period"),
        ]

    def __str__(self) -> str:
        return f"{self.organisation or self.person}: {self.reason} ({self.starts_on} – {self.ends_on})"
