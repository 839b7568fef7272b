"""Announcements and publicity on the public portal (公告公示), by category × notice type as on the national portal.

Every app publishes its notices through ``trading.services.notices.notice_publish`` (docs/portal.md): trading's
own (tender, changes, candidates, results, contracts) carry their project; another app's (an auction's, a
marketplace purchase's) carry their category, region, deal code and a link to their own page instead.
"""

from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from .projects import Category


class PortalType(models.TextChoices):
    """The national portal's notice types (全国公共资源交易平台): what a visitor chooses between."""

    TRADING = "trading", _("Trading notice (交易公告)")
    CHANGE = "change", _("Change notice (变更公告)")
    CANDIDATES = "candidates", _("Candidate publicity (中标候选人公示)")
    RESULT = "result", _("Result notice (中标结果公告)")
    CONTRACT = "contract", _("Contract publicity (合同公示)")


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
        CONTRACT = "contract", _("Contract publicity (合同公示)")

    project = models.ForeignKey("trading.Project", on_delete=models.PROTECT, related_name="announcements",
                                null=True, blank=True)
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    # Copied from the project when there is one; given by the publishing app when there is none.
    category = models.CharField(_("category"), max_length=16, choices=Category.choices, db_index=True)
    region = models.CharField(_("region code"), max_length=6, blank=True)
    deal_code = models.CharField(_("unified deal code"), max_length=24, blank=True, db_index=True)
    link = models.CharField(_("procedure page"), max_length=300, blank=True,
                            help_text=_("The page of the procedure the notice is about, when it has no project."))
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

    @property
    def portal_type(self) -> str:
        return PORTAL_TYPE[self.kind]

    def get_portal_type_display(self) -> str:
        return PortalType(self.portal_type).label

    # The lists show these for every row: one label each, where Django's own get_FOO_display (and an enum's
    # ``values``) translates every choice of the field on each call.
    def get_kind_display(self) -> str:
        return _label(self.Kind, self.kind)

    def get_category_display(self) -> str:
        return _label(Category, self.category)

    @property
    def procedure_url(self) -> str:
        return self.project.get_absolute_url() if self.project_id else self.link


def _label(choices, value: str) -> str:
    """The label of ``value`` among ``choices`` (translated now), or the value itself if it is not one of them."""
    try:
        return choices(value).label
    except ValueError:
        return value


PORTAL_TYPE = {
    Announcement.Kind.TENDER: PortalType.TRADING,
    Announcement.Kind.CLARIFICATION: PortalType.CHANGE, Announcement.Kind.AMENDMENT: PortalType.CHANGE,
    Announcement.Kind.SUSPENSION: PortalType.CHANGE, Announcement.Kind.CANCELLATION: PortalType.CHANGE,
    Announcement.Kind.CANDIDATES: PortalType.CANDIDATES,
    Announcement.Kind.AWARD: PortalType.RESULT, Announcement.Kind.FAILURE: PortalType.RESULT,
    Announcement.Kind.CONTRACT: PortalType.CONTRACT,
}


def kinds_of(portal_type: str) -> list[str]:
    return [kind for kind, of in PORTAL_TYPE.items() if of == portal_type]


class NoticeAttachment(models.Model):
    """A file published with a notice (公告附件), public like the notice; stored under PROTECTED_ROOT."""

    announcement = models.ForeignKey(Announcement, on_delete=models.PROTECT, related_name="attachments")
    name = models.CharField(_("file name"), max_length=200)
    storage_path = models.CharField(max_length=500, editable=False)
    size = models.PositiveBigIntegerField(_("size (bytes)"))
    sha256 = models.CharField(_("SHA-256"), max_length=64)

    class Meta:
        ordering = ["announcement", "pk"]
        verbose_name = _("notice attachment")
        verbose_name_plural = _("notice attachments")

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("trading:notice_attachment", args=[self.announcement_id, self.pk])
