"""Enforcement (案件查办): cases, the parties and evidence of a case, and the measures decided in it.

A case is opened on a project, a party or an expert — from a complaint, a signal or red flag, a report (举报) or
ex officio — and has a decision deadline on the working-day calendar, stored on the row. Each measure is one
decision (处理决定) addressed to one party: a warning talk (约谈提醒), a fine (罚款), an expert's suspension or
disqualification, an award declared void (中标无效) or a referral (移送). Every measure names its legal basis, is
issued as a signed PDF decision document and feeds credit; a published one is public.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from .complaints import Complaint

ONE_SUBJECT = models.Q(organisation__isnull=False, person__isnull=True) | models.Q(
    organisation__isnull=True, person__isnull=False)


class Case(models.Model):
    """A case under investigation (案件), from its opening (立案) to its closing (结案)."""

    class Origin(models.TextChoices):
        COMPLAINT = "complaint", _("A complaint (投诉)")
        LEAD = "lead", _("A signal or red flag of the platform")
        REPORT = "report", _("A report from the public (举报)")
        EX_OFFICIO = "ex_officio", _("Ex officio (依职权)")

    class State(models.TextChoices):
        OPEN = "open", _("Under investigation")
        CLOSED = "closed", _("Closed with decisions")
        DISMISSED = "dismissed", _("Closed without a measure")

    number = models.CharField(_("case number"), max_length=60, unique=True)
    title = models.CharField(_("title"), max_length=200)
    origin = models.CharField(_("origin"), max_length=12, choices=Origin.choices)
    project = models.ForeignKey("trading.Project", null=True, blank=True, on_delete=models.PROTECT,
                                related_name="cases", verbose_name=_("project"))
    complaint = models.ForeignKey(Complaint, null=True, blank=True, on_delete=models.PROTECT, related_name="cases",
                                  verbose_name=_("complaint"))
    lead = models.ForeignKey("supervision.Lead", null=True, blank=True, on_delete=models.PROTECT,
                             related_name="cases", verbose_name=_("signal or red flag"))
    facts = models.TextField(_("facts and grounds for opening"))
    region = models.CharField(_("region code"), max_length=6, blank=True)
    category = models.CharField(_("category"), max_length=16, blank=True)
    regulator = models.ForeignKey("accounts.Organisation", null=True, blank=True, on_delete=models.PROTECT,
                                  related_name="+", verbose_name=_("regulator"))
    opened_at = models.DateTimeField(_("opened at"))
    opened_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    due = models.DateField(_("decision due by"))
    state = models.CharField(_("state"), max_length=10, choices=State.choices, default=State.OPEN)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    closing_note = models.TextField(_("closing note"), blank=True)
    overdue_since = models.DateTimeField(_("flagged overdue at"), null=True, blank=True)

    class Meta:
        ordering = ["-opened_at", "-pk"]
        verbose_name = _("case")
        verbose_name_plural = _("cases")
        indexes = [models.Index(fields=["state", "due"], name="case_state_due"),
                   models.Index(fields=["opened_at"], name="case_opened")]

    def __str__(self) -> str:
        return f"{self.number} {self.title}"


class CaseParty(models.Model):
    """Whom a case concerns: an organisation (bidder, tenderer, agency) or a person (an expert, a manager)."""

    class Role(models.TextChoices):
        BIDDER = "bidder", _("Bidder")
        TENDERER = "tenderer", _("Tenderer")
        AGENCY = "agency", _("Agency")
        EXPERT = "expert", _("Evaluation expert")
        OTHER = "other", _("Other")

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="parties")
    role = models.CharField(_("role"), max_length=10, choices=Role.choices)
    organisation = models.ForeignKey("accounts.Organisation", null=True, blank=True, on_delete=models.PROTECT,
                                     related_name="+")
    person = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                               related_name="+")

    class Meta:
        ordering = ["case", "pk"]
        verbose_name = _("party to a case")
        verbose_name_plural = _("parties to cases")
        constraints = [models.CheckConstraint(condition=ONE_SUBJECT, name="case_party_one_subject")]

    def __str__(self) -> str:
        return str(self.organisation or self.person)


class CaseEvidence(models.Model):
    """A piece of evidence: a file, a bid, an opening-room event, an audit event or a reference, with a note."""

    class Kind(models.TextChoices):
        FILE = "file", _("File")
        BID = "bid", _("Bid")
        ROOM_EVENT = "room_event", _("Opening room event")
        AUDIT_EVENT = "audit_event", _("Audit record")
        NOTE = "note", _("Finding or reference")

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="evidence")
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices)
    note = models.TextField(_("what it shows"))
    bid = models.ForeignKey("trading.Bid", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    room_event = models.ForeignKey("bidding_room.RoomEvent", null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="+")
    # No database constraint: a foreign key would put referential triggers on the append-only audit table.
    audit_event = models.ForeignKey("audit.AuditEvent", null=True, blank=True, on_delete=models.DO_NOTHING,
                                    related_name="+", db_constraint=False)
    name = models.CharField(_("file name"), max_length=200, blank=True)
    path = models.CharField(max_length=300, blank=True)
    size = models.PositiveBigIntegerField(null=True, blank=True)
    sha256 = models.CharField(max_length=64, blank=True)
    added_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    added_at = models.DateTimeField(_("added at"))

    class Meta:
        ordering = ["case", "added_at", "pk"]
        verbose_name = _("evidence")
        verbose_name_plural = _("evidence")

    def __str__(self) -> str:
        return self.name or self.get_kind_display()


class Measure(models.Model):
    """One decision (处理决定) of a case against one party, issued as a signed PDF; it feeds credit."""

    class Kind(models.TextChoices):
        WARNING_TALK = "warning_talk", _("Warning talk (约谈提醒)")
        FINE = "fine", _("Fine (罚款)")
        EXPERT_SUSPENSION = "expert_suspension", _("Expert suspended (暂停评标资格)")
        EXPERT_DISQUALIFICATION = "expert_disqualification", _("Expert disqualified (取消评标资格)")
        AWARD_VOIDED = "award_voided", _("Award declared void (中标无效)")
        REFERRAL = "referral", _("Referral (移送)")

    EXPERT_KINDS = (Kind.EXPERT_SUSPENSION, Kind.EXPERT_DISQUALIFICATION)

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="measures")
    kind = models.CharField(_("measure"), max_length=24, choices=Kind.choices)
    number = models.CharField(_("decision number"), max_length=80, unique=True)
    organisation = models.ForeignKey("accounts.Organisation", null=True, blank=True, on_delete=models.PROTECT,
                                     related_name="+", verbose_name=_("organisation"))
    person = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                               related_name="+", verbose_name=_("person"))
    legal_basis = models.CharField(_("legal basis"), max_length=300)
    findings = models.TextField(_("findings and reasons"))
    behaviour_code = models.CharField(_("credit behaviour"), max_length=60, blank=True)
    credit_event = models.ForeignKey("credit.CreditEvent", null=True, blank=True, on_delete=models.PROTECT,
                                     related_name="+")
    talked_to = models.JSONField(_("people talked to"), default=list, blank=True,
                                 help_text=_('[{"name": ..., "position": ...}]'))
    talk_on = models.DateField(_("talk held on"), null=True, blank=True)
    amount = models.DecimalField(_("fine (yuan)"), max_digits=16, decimal_places=2, null=True, blank=True)
    payment_due = models.DateField(_("payment due by"), null=True, blank=True)
    paid_amount = models.DecimalField(_("paid (yuan)"), max_digits=16, decimal_places=2, null=True, blank=True)
    paid_on = models.DateField(_("paid on"), null=True, blank=True)
    payment_reference = models.CharField(_("payment reference"), max_length=100, blank=True)
    expert = models.ForeignKey("expert_pool.Expert", null=True, blank=True, on_delete=models.PROTECT,
                               related_name="+", verbose_name=_("expert"))
    ends_on = models.DateField(_("suspended until"), null=True, blank=True)
    lifted_at = models.DateTimeField(_("suspension ended at"), null=True, blank=True)
    award = models.ForeignKey("trading.Award", null=True, blank=True, on_delete=models.PROTECT, related_name="+",
                              verbose_name=_("award"))
    referred_to = models.CharField(_("referred to"), max_length=200, blank=True)
    issued_at = models.DateTimeField(_("issued at"))
    issued_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    pdf_path = models.CharField(max_length=300, blank=True)
    pdf_sha256 = models.CharField(_("document SHA-256"), max_length=64, blank=True)
    signature = models.TextField(_("platform signature"), blank=True)
    key_fingerprint = models.CharField(_("signing key"), max_length=64, blank=True)
    published_at = models.DateTimeField(_("published at"), null=True, blank=True)

    class Meta:
        ordering = ["-issued_at", "-pk"]
        verbose_name = _("decision")
        verbose_name_plural = _("decisions")
        constraints = [models.CheckConstraint(condition=ONE_SUBJECT, name="measure_one_subject")]
        indexes = [models.Index(fields=["kind", "issued_at"], name="measure_kind_issued"),
                   models.Index(fields=["published_at"], name="measure_published")]

    def __str__(self) -> str:
        return f"{self.number} {self.get_kind_display()}"

    @property
    def subject(self):
        return self.organisation or self.person
