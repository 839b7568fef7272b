"""Leads for regulators (线索): collusion signals (TL 40) and red flags, computed by the platform after openings.

A lead is never a sanction: a regulator opens a case from it or dismisses it with a reason, both audited. Leads
are computed only for sections whose opening is over (nothing reveals bidders before the deadline), each with the
evidence that raised it; ``key`` makes the computation idempotent (the same finding is stored once).
"""

from decimal import Decimal

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
    """One value a bid shares with a bid of another bidder of its section, for a shared-value signal (its upload
    address, installation, project manager, submitter's phone, agent; each document's hash and authors): when a
    section is scanned, every value of its bids is compared and only those two or more bidders share are kept
    (``indicators.facts``). These rows are a section's shared-value signals with their evidence.

    ``bid_id`` and ``organisation_id`` are the ids as recorded (bids are never deleted once opened)."""

    section = models.ForeignKey("trading.Section", on_delete=models.CASCADE, related_name="+", db_index=False,
                                db_constraint=False)
    kind = models.PositiveSmallIntegerField()  # position in indicators.facts.VALUE_CODES
    organisation_id = models.BigIntegerField()
    bid_id = models.BigIntegerField()
    value = models.TextField()

    class Meta:
        indexes = [models.Index(fields=["section", "kind"], name="bidvalue_section")]

    def __str__(self) -> str:
        return f"{self.section_id}/{self.kind}: {self.value}"


class ExactDecimalField(models.DecimalField):
    """A price stored as a bid wrote it (500000 stays 500000, 980100.00 stays 980100.00: the evidence shows what the
    bid said): ``numeric`` without a fixed scale on PostgreSQL, text on SQLite (whose NUMERIC affinity would keep
    980100.00 as the integer 980100). SQL computes with it through ``indicators.sql.stored_number``."""

    def db_type(self, connection):
        return "numeric" if connection.vendor == "postgresql" else "text"

    def get_internal_type(self) -> str:
        return "TextField"  # no decimal conversion by the backend: ``from_db_value`` reads numeric and text alike

    def from_db_value(self, value, expression, connection):
        return None if value is None else Decimal(str(value))


class BidFact(models.Model):
    """One bid that reached the deadline, with its state and price, and one row per price-capped section for its cap
    (``bid_id`` 0, no organisation): stored when the section is scanned. The red flags read these only for the
    sections whose outcome ``SectionFact`` cannot give (rejected bids, revoked ones, a bidder with two bids); the
    price signals for the sections where their first pass found a candidate. The index keeps each section's prices
    in order."""

    section = models.ForeignKey("trading.Section", on_delete=models.CASCADE, related_name="+", db_index=False,
                                db_constraint=False)
    bid_id = models.BigIntegerField()
    organisation_id = models.BigIntegerField(null=True)
    state = models.CharField(max_length=24)
    price = ExactDecimalField(max_digits=18, decimal_places=2, null=True)

    class Meta:
        # organisation and state as key columns rather than INCLUDE ones, which SQLite lacks (models.W040 on
        # `make run`): the index still answers the per-bid reads alone.
        indexes = [models.Index(fields=["section", "price", "bid_id", "organisation_id", "state"],
                                name="bidfact_order")]

    def __str__(self) -> str:
        return f"{self.section_id}/{self.bid_id}: {self.price}"


class SectionFact(models.Model):
    """A section's order statistics, computed from its ``BidFact`` rows when it is scanned: what the per-section red
    flags (R018, R024, R035, R036) read for a section whose outcome does not need its bids one by one, and the first
    pass of the price signals. "Opened" bids are valid until an evaluation rejects one: a section with a rejected
    bid (read at every run) or with ``per_bid`` set is computed from its bids instead (``indicators.flags``)."""

    section = models.OneToOneField("trading.Section", primary_key=True, on_delete=models.CASCADE, related_name="+",
                                   db_constraint=False)
    tenderers = models.PositiveIntegerField()  # bidders whose bids reached the deadline
    opened = models.PositiveIntegerField()  # bidders with an opened bid
    # The lowest and second-lowest opened bids with a price (in price, bid order) and their bidders.
    lowest = ExactDecimalField(max_digits=18, decimal_places=2, null=True)
    lowest_organisation_id = models.BigIntegerField(null=True)
    second = ExactDecimalField(max_digits=18, decimal_places=2, null=True)
    second_organisation_id = models.BigIntegerField(null=True)
    # The outcome needs the bids themselves: a bidder has two received bids, a bid was revoked (disqualified), or
    # three or more opened bids share the lowest price (the winner's price is then not among the two kept).
    per_bid = models.BooleanField()
    # First pass of the price signals (floats, a superset): a price point ends two equal steps (``ladder``), or lies
    # less than a fen above the next lower one (``same``); decided exactly by ``indicators.signals.prices``.
    ladder = models.BooleanField()
    same = models.BooleanField()

    def __str__(self) -> str:
        return f"{self.section_id}: {self.tenderers} tenderers, lowest {self.lowest}"
