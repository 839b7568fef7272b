"""Submitted bid envelopes (投标文件), recorded but never read before the opening."""

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class ClientFields(models.Model):
    """Where an upload came from (``trading.client``): kept for the collusion signals, never shown before opening."""

    client_address = models.CharField(_("network address"), max_length=45, blank=True)
    client_agent = models.CharField(_("user agent"), max_length=300, blank=True)
    client_installation = models.CharField(_("installation id of the bid page or bidder tool"), max_length=64,
                                           blank=True)

    class Meta:
        abstract = True


class Bid(ClientFields):
    """One uploaded envelope of one bidder organisation for one section.

    The file is a sealed envelope (docs/crypto.md), verified on upload (format, the
    bidder's signature by its registered key, the section's labels) and stored under
    PROTECTED_ROOT; the platform cannot read it. ``receipt`` is the platform-signed 回执.
    A new upload supersedes the previous one; at most one bid per
    (section, organisation) is ``submitted`` at any time.
    """

    class State(models.TextChoices):
        SUBMITTED = "submitted", _("Submitted")
        SUPERSEDED = "superseded", _("Superseded by a later upload")
        WITHDRAWN = "withdrawn", _("Withdrawn by the bidder before the deadline")
        OPENED = "opened", _("Opened")
        REVOKED = "revoked", _("Revoked: not decrypted through the bidder's fault (撤销)")
        WITHDRAWN_AT_OPENING = "withdrawn_at_opening", _(
            "Withdrawn at the opening: not decrypted, not the bidder's fault (撤回)")

    # States that count as a valid bid when the deadline passes and at the opening.
    VALID = (State.SUBMITTED, State.OPENED)

    section = models.ForeignKey("trading.Section", on_delete=models.PROTECT, related_name="bids")
    organisation = models.ForeignKey("accounts.Organisation", on_delete=models.PROTECT, related_name="bids")
    submitted_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    state = models.CharField(_("state"), max_length=24, choices=State.choices, default=State.SUBMITTED)
    original_name = models.CharField(_("file name"), max_length=200)
    storage_path = models.CharField(max_length=500, editable=False)
    size = models.PositiveBigIntegerField(_("size (bytes)"))
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    submitted_at = models.DateTimeField(_("received at (server time)"))
    receipt_no = models.UUIDField(_("receipt number"), default=uuid.uuid4, unique=True, editable=False)
    ended_at = models.DateTimeField(_("superseded or withdrawn at"), null=True, blank=True)
    signer_fingerprint = models.CharField(_("signer's key fingerprint"), max_length=64, blank=True)
    receipt = models.JSONField(_("signed receipt"), null=True, blank=True)
    # At the opening: the content key the bidder released (kept only until decrypted), and the outcome.
    released_key = models.BinaryField(null=True, blank=True, editable=False)
    key_released_at = models.DateTimeField(_("key released at"), null=True, blank=True)
    opened_summary = models.JSONField(_("opening summary (开标一览表)"), null=True, blank=True)
    opened_at = models.DateTimeField(_("decrypted at"), null=True, blank=True)
    decrypt_error = models.TextField(_("why it could not be decrypted"), blank=True)
    decrypt_bidder_fault = models.BooleanField(null=True, blank=True)

    class Meta:
        ordering = ["section", "-submitted_at"]
        verbose_name = _("bid")
        verbose_name_plural = _("bids")
        constraints = [
            models.UniqueConstraint(
                fields=["section", "organisation"], condition=models.Q(state="submitted"),
                name="bid_one_live_per_bidder",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.organisation} → {self.section} ({self.get_state_display()})"


class OpenedDocument(models.Model):
    """One document found in a bid at its opening: its hash and the authoring metadata it carries.

    Recorded when the bid is decrypted (``trading.services.opening``); identical hashes or authors across the bids
    of different bidders are collusion signals (TL 40: documents prepared by the same unit or person).
    """

    bid = models.ForeignKey(Bid, on_delete=models.CASCADE, related_name="opened_documents")
    name = models.CharField(_("file name"), max_length=255)
    size = models.PositiveBigIntegerField(_("size (bytes)"))
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    author = models.CharField(_("author"), max_length=200, blank=True)
    last_modified_by = models.CharField(_("last modified by"), max_length=200, blank=True)
    company = models.CharField(_("company"), max_length=200, blank=True)
    producer = models.CharField(_("made with"), max_length=200, blank=True)

    class Meta:
        ordering = ["bid", "name"]
        verbose_name = _("opened document")
        verbose_name_plural = _("opened documents")

    def __str__(self) -> str:
        return self.name
