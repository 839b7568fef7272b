"""Bidders joining a section, and tender documents with their download record."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Registration(models.Model):
    """A bidder organisation registered for one section; it may bid once it signed the credit commitment."""

    section = models.ForeignKey("trading.Section", on_delete=models.CASCADE, related_name="registrations")
    organisation = models.ForeignKey("accounts.Organisation", on_delete=models.PROTECT, related_name="registrations")
    registered_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    registered_at = models.DateTimeField(_("registered at"))
    commitment_text = models.TextField(_("credit commitment (信用承诺) as signed"), blank=True)
    commitment_signed_at = models.DateTimeField(_("commitment signed at"), null=True, blank=True)
    commitment_signed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["section", "registered_at"]
        verbose_name = _("registration")
        verbose_name_plural = _("registrations")
        constraints = [
            models.UniqueConstraint(fields=["section", "organisation"], name="registration_once_per_section",
                                    violation_error_message=_("Your organisation is already registered.")),
        ]

    def __str__(self) -> str:
        return f"{self.organisation} @ {self.section}"

    @property
    def commitment_signed(self) -> bool:
        return self.commitment_signed_at is not None


class TenderDocument(models.Model):
    """A tender document file (招标文件) uploaded by the host; stored under PROTECTED_ROOT."""

    project = models.ForeignKey("trading.Project", on_delete=models.CASCADE, related_name="documents")
    name = models.CharField(_("file name"), max_length=200)
    storage_path = models.CharField(max_length=500, editable=False)
    size = models.PositiveBigIntegerField(_("size (bytes)"))
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    uploaded_at = models.DateTimeField(_("uploaded at"))

    class Meta:
        ordering = ["project", "uploaded_at"]
        verbose_name = _("tender document")
        verbose_name_plural = _("tender documents")

    def __str__(self) -> str:
        return self.name


class DocumentDownload(models.Model):
    """Who downloaded a tender document, when. Hidden before the deadline except from tenderer and agency (EB 21)."""

    document = models.ForeignKey(TenderDocument, on_delete=models.CASCADE, related_name="downloads")
    organisation = models.ForeignKey("accounts.Organisation", null=True, on_delete=models.PROTECT, related_name="+")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    downloaded_at = models.DateTimeField()
    ip_address = models.CharField(max_length=45, blank=True)

    class Meta:
        ordering = ["document", "downloaded_at"]
        verbose_name = _("document download")
        verbose_name_plural = _("document downloads")

    def __str__(self) -> str:
        return f"{self.organisation or self.user} ↓ {self.document}"
