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
    """When the facts and leads of a section were last computed: the incremental sweep recomputes only what changed
    since; ``facts`` names the extraction the stored facts come from (``indicators.facts.version``)."""

    section = models.OneToOneField("trading.Section", primary_key=True, on_delete=models.CASCADE, related_name="+")
    scanned_at = models.DateTimeField()
    facts = models.CharField(max_length=16, blank=True)

    class Meta:
        verbose_name = _("section scan")
        verbose_name_plural = _("section scans")

    def __str__(self) -> str:
        return f"{self.section_id} @ {self.scanned_at}"


class BidValue(models.Model):
    """One value a bid yields for a shared-value signal (its upload address, installation, project manager,
    submitter's phone, agent; each document's hash and authors), stored when its section is scanned so that a full
    run groups stored values instead of re-reading every bid. ``digest`` is a 64-bit hash of ``value``: the covering
    index groups by it (a value of any length fits), equal digests are then checked by the value itself.

    ``bid_id`` and ``organisation_id`` are the ids as recorded (bids are never deleted once opened)."""

    section = models.ForeignKey("trading.Section", on_delete=models.CASCADE, related_name="+", db_index=False,
                                db_constraint=False)
    kind = models.PositiveSmallIntegerField()  # position in indicators.facts.VALUE_CODES
    digest = models.BigIntegerField()
    organisation_id = models.BigIntegerField()
    bid_id = models.BigIntegerField()
    value = models.TextField()

    class Meta:
        indexes = [models.Index(fields=["section", "kind", "digest", "organisation_id", "bid_id"],
                                name="bidvalue_group")]

    def __str__(self) -> str:
        return f"{self.section_id}/{self.kind}: {self.value}"


class ExactDecimalField(models.DecimalField):
    """``numeric`` without a fixed scale on PostgreSQL: a price stored as a bid wrote it (500000 stays 500000, the
    evidence shows what the bid said); ``max_digits``/``decimal_places`` elsewhere."""

    def db_type(self, connection):
        return "numeric" if connection.vendor == "postgresql" else super().db_type(connection)


class BidFact(models.Model):
    """One bid that reached the deadline, with its state and price (the red flags' per-section outcomes, the price
    patterns and identical prices read these), and one row per price-capped section for its cap (``bid_id`` 0, no
    organisation): stored when the section is scanned. The index keeps each section's points in price order."""

    section = models.ForeignKey("trading.Section", on_delete=models.CASCADE, related_name="+", db_index=False,
                                db_constraint=False)
    bid_id = models.BigIntegerField()
    organisation_id = models.BigIntegerField(null=True)
    state = models.CharField(max_length=24)
    price = ExactDecimalField(max_digits=18, decimal_places=2, null=True)
    # For a price point (an opened bid's price or the cap): the price and the two next lower points' (in price,
    # bid order) as floats, for the first pass of the price signals (decided on ``price``). None elsewhere.
    approx = models.FloatField(null=True)
    lower1 = models.FloatField(null=True)
    lower2 = models.FloatField(null=True)
    repeated = models.BooleanField(default=False)  # some bidder of the section has two or more received bids

    class Meta:
        indexes = [models.Index(fields=["section", "price", "bid_id"],
                                include=["organisation_id", "state", "approx", "lower1", "lower2", "repeated"],
                                name="bidfact_order")]

    def __str__(self) -> str:
        return f"{self.section_id}/{self.bid_id}: {self.price}"
