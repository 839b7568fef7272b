"""Announcements and publicity on the public portal (公告公示)."""

from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _


class Announcement(models.Model):
    """A published notice. Never edited once published: a change is a new clarification or amendment."""

    class Kind(models.TextChoices):
        TENDER = "tender", _("Tender announcement (招标公告)")
        CLARIFICATION = "clarification", _("Clarification (澄清)")
        AMENDMENT = "amendment", _("Amendment (变更公告)")
        FAILURE = "failure", _("Failed tender notice (流标公告)")
        CANCELLATION = "cancellation", _("Cancellation notice (终止公告)")
        CANDIDATES = "candidates", _("Candidate publicity (中标候选人公示)")
        AWARD = "award", _("Award notice (中标结果公告)")
        SUSPENSION = "suspension", _("Suspension notice (暂停公告)")

    project = models.ForeignKey("trading.Project", on_delete=models.PROTECT, related_name="announcements")
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    title = models.CharField(_("title"), max_length=300)
    body = models.TextField(_("body"))
    published_at = models.DateTimeField(_("published at"), db_index=True)
    publicity_ends_at = models.DateTimeField(_("publicity ends at"), null=True, blank=True)

    class Meta:
        ordering = ["-published_at", "-pk"]
        verbose_name = _("announcement")
        verbose_name_plural = _("announcements")

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("trading:announcement", args=[self.pk])
