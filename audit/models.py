from django.db import models
from django.utils.translation import gettext_lazy as _


class AppendOnlyError(RuntimeError):
    pass


class AuditEvent(models.Model):
    """One link of the append-only, hash-chained record of every action (EB 13-14, 40)."""

    seq = models.BigIntegerField(_("sequence"), unique=True)
    created_at = models.DateTimeField(_("server time"))
    actor_id = models.BigIntegerField(_("actor id"), null=True, blank=True)
    actor_label = models.CharField(_("actor"), max_length=150)
    role = models.CharField(_("role"), max_length=20, blank=True)
    ip_address = models.CharField(_("network address"), max_length=45, blank=True)
    source = models.CharField(_("data source"), max_length=20, help_text=_("web, api, websocket, task or command"))
    action = models.CharField(_("action"), max_length=80, db_index=True)
    object_type = models.CharField(_("object type"), max_length=80, blank=True)
    object_id = models.CharField(_("object id"), max_length=64, blank=True)
    payload = models.JSONField(_("payload"), default=dict)
    payload_hash = models.CharField(_("payload hash"), max_length=64)
    prev_hash = models.CharField(_("previous hash"), max_length=64)
    hash = models.CharField(_("hash"), max_length=64, unique=True)

    class Meta:
        ordering = ["seq"]
        verbose_name = _("audit event")
        verbose_name_plural = _("audit events")
        indexes = [models.Index(fields=["object_type", "object_id"])]

    def __str__(self) -> str:
        return f"#{self.seq} {self.action} {self.object_type}:{self.object_id}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise AppendOnlyError("audit events are append-only")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AppendOnlyError("audit events are append-only")


class AuditHead(models.Model):
    """The last link of the chain: one row, locked to serialise appends."""

    id = models.PositiveSmallIntegerField(primary_key=True, default=1)
    seq = models.BigIntegerField(default=0)
    hash = models.CharField(max_length=64)

    class Meta:
        verbose_name = _("audit chain head")

    def __str__(self) -> str:
        return f"head #{self.seq}"


class AuditCheckpoint(models.Model):
    """The chain's head (seq, hash) at a time, signed by the platform key and published on the portal.

    Anyone who keeps a copy of the published checkpoints can later prove a copy of the chain against them
    (``verify_audit --checkpoints``): a chain rewritten, cut or emptied behind the application's back no
    longer contains the signed (seq, hash) pairs, and no one without the platform key can sign new ones.
    """

    seq = models.BigIntegerField(_("sequence"), db_index=True)
    hash = models.CharField(_("hash"), max_length=64)
    signed_at = models.DateTimeField(_("signed at"), db_index=True)
    signature = models.TextField(_("signature"), help_text=_("base64 signature of the platform key"))
    key_fingerprint = models.CharField(_("key fingerprint"), max_length=64)

    class Meta:
        ordering = ["-seq", "-id"]
        verbose_name = _("audit checkpoint")
        verbose_name_plural = _("audit checkpoints")

    def __str__(self) -> str:
        return f"checkpoint #{self.seq} {self.hash[:12]}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise AppendOnlyError("audit checkpoints are append-only")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AppendOnlyError("audit checkpoints are append-only")
