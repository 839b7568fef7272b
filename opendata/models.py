"""Published OCDS releases: append-only, in publication order (the change feed's cursor is the row id)."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Release(models.Model):
    """One OCDS 1.1 release as published. Never changed or deleted once stored (a PostgreSQL trigger refuses
    UPDATE and DELETE; the model refuses to save an existing row): a correction is a new release."""

    release_id = models.CharField(max_length=120, unique=True)
    ocid = models.CharField(max_length=80, db_index=True)
    deal_code = models.CharField(max_length=24)
    tag = models.CharField(max_length=32, help_text="The release's first tag (the event)")
    date = models.DateTimeField(help_text="When the event happened")
    published_at = models.DateTimeField(db_index=True, help_text="When the platform stored and published it")
    imported = models.BooleanField(default=False)
    data = models.JSONField()

    class Meta:
        ordering = ["pk"]
        verbose_name = _("OCDS release")
        verbose_name_plural = _("OCDS releases")
        indexes = [models.Index(fields=["date"], name="opendata_release_date")]

    def __str__(self) -> str:
        return self.release_id

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise ValueError("a published release is never changed; publish a new one")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ValueError("a published release is never deleted")
