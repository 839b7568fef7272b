"""Leads for regulators (线索): collusion signals (TL 40) and red flags, computed by the platform after openings.

A lead is never a sanction: a regulator opens a case from it or dismisses it with a reason, both audited. Leads
are computed only for sections whose opening is over (nothing reveals bidders before the deadline), each with the
evidence that raised it; ``key`` makes the computation idempotent (the same finding is stored once).
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Severity(models.TextChoices):
    HIGH = "high", _("High")
    MEDIUM = "medium", _("Medium")
    LOW = "low", _("Low")


SEVERITY_ORDER = {Severity.HIGH: 0, Severity.MEDIUM: 1, Severity.LOW: 2}


class Lead(models.Model):
    """One signal or red flag, on a section (most), a project, or an organisation (repeated winner, 流标 rate)."""

    class Family(models.TextChoices):
        SIGNAL = "signal", _("Collusion signal (TL 40)")
        FLAG = "flag", _("Red flag")

    class State(models.TextChoices):
        NEW = "new", _("To review")
        CASE_OPENED = "case_opened", _("Case opened")
        DISMISSED = "dismissed", _("Dismissed")

    family = models.CharField(_("family"), max_length=8, choices=Family.choices)
    code = models.CharField(_("indicator"), max_length=24)
    key = models.CharField(max_length=200, unique=True)
    severity = models.CharField(_("severity"), max_length=8, choices=Severity.choices)
    project = models.ForeignKey("trading.Project", null=True, blank=True, on_delete=models.CASCADE,
                                related_name="leads", verbose_name=_("project"))
    section = models.ForeignKey("trading.Section", null=True, blank=True, on_delete=models.CASCADE,
                                related_name="leads", verbose_name=_("section"))
    organisation = models.ForeignKey("accounts.Organisation", null=True, blank=True, on_delete=models.CASCADE,
                                     related_name="+", verbose_name=_("organisation"))
    organisations = models.ManyToManyField("accounts.Organisation", blank=True, related_name="+",
                                           verbose_name=_("organisations named"))
    value = models.DecimalField(_("value"), max_digits=20, decimal_places=6, null=True, blank=True)
    evidence = models.JSONField(_("evidence"), default=dict)
    region = models.CharField(_("region code"), max_length=6, blank=True)
    detected_at = models.DateTimeField(_("detected at"))
    state = models.CharField(_("state"), max_length=12, choices=State.choices, default=State.NEW)
    reason = models.TextField(_("reason for dismissal"), blank=True)
    handled_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="+")
    handled_at = models.DateTimeField(_("handled at"), null=True, blank=True)

    class Meta:
        ordering = ["-detected_at", "-pk"]
        verbose_name = _("signal or red flag")
        verbose_name_plural = _("signals and red flags")
        indexes = [models.Index(fields=["state", "family", "severity"], name="lead_state_family"),
                   models.Index(fields=["code", "detected_at"], name="lead_code_detected")]

    def __str__(self) -> str:
        return f"{self.code} {self.key}"


class SectionScan(models.Model):
    """When the leads of a section were last computed: the incremental sweep recomputes only what changed since."""

    section = models.OneToOneField("trading.Section", primary_key=True, on_delete=models.CASCADE, related_name="+")
    scanned_at = models.DateTimeField()

    class Meta:
        verbose_name = _("section scan")
        verbose_name_plural = _("section scans")

    def __str__(self) -> str:
        return f"{self.section_id} @ {self.scanned_at}"
