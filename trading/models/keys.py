"""Public keys people register with the platform, and the opening keys of projects with their custodians' shares."""

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from .bids import ClientFields


class BidderKey(models.Model):
    """A person's registered public key (SubjectPublicKeyInfo PEM, see docs/crypto.md).

    Bidders sign their envelopes with it and receive their own content key through it;
    custodians (agency, regulator, platform security officer) receive opening-key shares
    through it. At most one key per person is current (``revoked_at`` null); replacing a
    key revokes the old one, which stays on record.
    """

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="public_keys")
    organisation = models.ForeignKey("accounts.Organisation", on_delete=models.PROTECT, related_name="+",
                                     null=True, blank=True)
    suite = models.CharField(_("suite"), max_length=8)
    public_key_pem = models.TextField(_("public key (PEM)"))
    fingerprint = models.CharField(_("fingerprint"), max_length=64, db_index=True)
    registered_at = models.DateTimeField(_("registered at"))
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)
    # A key registered as an X.509 certificate from a configured CA (trading.services.certificates): the
    # certificate is checked again (validity, revocation) at sign-in and at bid submission.
    certificate_pem = models.TextField(_("certificate (PEM)"), blank=True)
    certificate_issuer = models.CharField(_("certificate issuer"), max_length=500, blank=True)
    certificate_serial = models.CharField(_("certificate serial number"), max_length=64, blank=True)
    certificate_not_after = models.DateTimeField(_("certificate valid until"), null=True, blank=True)

    class Meta:
        ordering = ["user", "-registered_at"]
        verbose_name = _("registered public key")
        verbose_name_plural = _("registered public keys")
        constraints = [
            models.UniqueConstraint(fields=["user"], condition=models.Q(revoked_at__isnull=True),
                                    name="bidder_key_one_current"),
        ]

    def __str__(self) -> str:
        return f"{self.user} {self.suite} {self.fingerprint[:16]}…"


class OpeningKey(models.Model):
    """A project's opening key pair: the public half, and the private half only as a sealed key plus k-of-n shares.

    ``sealed_key`` is sealing.SealedKey.to_dict(): the private key encrypted under a key
    that exists only as the custodians' Shamir shares (CustodianShare). The whole private
    key is never stored.
    """

    project = models.OneToOneField("trading.Project", on_delete=models.CASCADE, related_name="opening_key")
    suite = models.CharField(_("suite"), max_length=8)
    public_key_pem = models.TextField(_("opening public key (PEM)"))
    fingerprint = models.CharField(_("fingerprint"), max_length=64)
    sealed_key = models.JSONField()
    threshold = models.PositiveSmallIntegerField(_("shares needed (k)"))
    share_count = models.PositiveSmallIntegerField(_("shares (n)"))
    created_at = models.DateTimeField(_("created at"))

    class Meta:
        verbose_name = _("opening key")
        verbose_name_plural = _("opening keys")

    def __str__(self) -> str:
        return f"{self.project} {self.fingerprint[:16]}… ({self.threshold} of {self.share_count})"


class Custodian(models.Model):
    """A person holding one share of a project's opening key (or designated to, before publication).

    ``share`` is sealing.EncryptedShare.to_dict(), readable only with the custodian's
    private key, stored wrapped again under the platform's wrapping key (trading.services.custody.share_wrap;
    its ``index`` in clear). ``submitted_secret`` is the decrypted share the custodian hands in after
    the deadline for a backup decryption (hex); refused before the deadline. ``check_challenge`` is the latest
    key check (a random secret wrapped to the custodian's key, nothing of the share), ``key_proven_at`` when the
    custodian last opened one.
    """

    project = models.ForeignKey("trading.Project", on_delete=models.CASCADE, related_name="custodians")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="custodies")
    position = models.PositiveSmallIntegerField(_("position"))
    key_fingerprint = models.CharField(_("custodian key fingerprint"), max_length=64, blank=True)
    share = models.JSONField(null=True, blank=True)
    submitted_secret = models.CharField(max_length=32, blank=True)
    submitted_at = models.DateTimeField(_("share handed in at"), null=True, blank=True)
    check_challenge = models.JSONField(null=True, blank=True)
    check_secret_sha256 = models.CharField(max_length=64, blank=True)
    key_proven_at = models.DateTimeField(_("key proven at"), null=True, blank=True)

    class Meta:
        ordering = ["project", "position"]
        verbose_name = _("opening-key custodian")
        verbose_name_plural = _("opening-key custodians")
        constraints = [
            models.UniqueConstraint(fields=["project", "user"], name="custodian_once_per_project"),
        ]

    def __str__(self) -> str:
        return f"{self.project} custodian {self.position}: {self.user}"


class UploadSession(ClientFields):
    """A resumable upload of one bid envelope: create → append chunks at offsets → complete.

    The bytes go to a temporary file under PROTECTED_ROOT/uploads; its length on disk is
    the offset to resume from. Only ``complete`` turns a verified, whole file into a Bid.
    """

    class State(models.TextChoices):
        OPEN = "open", _("Receiving")
        COMPLETE = "complete", _("Complete: a bid")
        ABANDONED = "abandoned", _("Abandoned")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    section = models.ForeignKey("trading.Section", on_delete=models.CASCADE, related_name="upload_sessions")
    organisation = models.ForeignKey("accounts.Organisation", on_delete=models.PROTECT, related_name="+")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    size = models.PositiveBigIntegerField(_("declared size (bytes)"))
    file_name = models.CharField(max_length=200, blank=True)
    state = models.CharField(max_length=12, choices=State.choices, default=State.OPEN)
    created_at = models.DateTimeField()
    bid = models.ForeignKey("trading.Bid", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"upload {self.pk} ({self.state})"

    @property
    def temp_path(self) -> str:
        return f"uploads/{self.pk}.part"
