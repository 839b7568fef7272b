"""Objections (异议), challenges (质疑) and complaints (投诉), with their deadlines stored on the row.

Construction (工程建设, 《招标投标法实施条例》22/44/54/60–62): a bidder objects to the tenderer
first, then complains to the regulator. Government procurement (财政部令第94号): a supplier
challenges (质疑) the purchaser or agency first, then complains. The deadlines are computed by
``supervision.services.complaints`` with ``core.workdays`` and stored when each step happens, so a
later change of the holiday calendar never moves a deadline someone has already been told.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Track(models.TextChoices):
    """Which body of rules applies: construction tendering law, or government procurement (94号令)."""

    CONSTRUCTION = "construction", _("Tendering law (招标投标法实施条例)")
    GOVERNMENT = "government", _("Government procurement (财政部令第94号)")


class Subject(models.TextChoices):
    """What the objection or complaint is about."""

    DOCUMENTS = "documents", _("Tender documents (招标文件)")
    OPENING = "opening", _("The opening (开标)")
    RESULT = "result", _("The evaluation result (评标结果)")
    SELECTION = "selection", _("The marketplace selection result (中介选取结果)")
    PROCEDURE = "procedure", _("Another step of the procedure")


# What a tender project's objection or complaint may be about (the selection result is the marketplace's).
PROJECT_SUBJECTS = [(value, label) for value, label in Subject.choices if value != Subject.SELECTION]


class Objection(models.Model):
    """An objection (异议, construction) or challenge (质疑, government procurement) to the tenderer/agency.

    ``filing_deadline`` is the last day it could be filed; ``reply_due`` the last day of the
    answer. ``holds_procedure``: filed on the evaluation result during candidate publicity,
    it holds the procedure (no award) until answered (TL 54).
    """

    class Kind(models.TextChoices):
        OBJECTION = "objection", _("Objection (异议)")
        CHALLENGE = "challenge", _("Challenge (质疑)")

    class State(models.TextChoices):
        OPEN = "open", _("Awaiting the answer")
        ANSWERED = "answered", _("Answered")

    project = models.ForeignKey("trading.Project", on_delete=models.PROTECT, related_name="objections")
    section = models.ForeignKey("trading.Section", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    subject = models.CharField(_("subject"), max_length=10, choices=Subject.choices)
    organisation = models.ForeignKey("accounts.Organisation", on_delete=models.PROTECT, related_name="objections")
    filed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    grounds = models.TextField(_("grounds and requests"))
    known_on = models.DateField(_("known on"), help_text=_("The day the bidder knew or should have known."))
    filed_at = models.DateTimeField(_("filed at"))
    filing_deadline = models.DateField(_("last day to file"))
    reply_due = models.DateField(_("answer due by"))
    holds_procedure = models.BooleanField(_("holds the procedure"), default=False)
    state = models.CharField(_("state"), max_length=10, choices=State.choices, default=State.OPEN)
    answer = models.TextField(_("answer"), blank=True)
    answered_at = models.DateTimeField(_("answered at"), null=True, blank=True)
    answered_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="+")
    overdue_since = models.DateTimeField(_("flagged overdue at"), null=True, blank=True)

    class Meta:
        ordering = ["-filed_at"]
        verbose_name = _("objection or challenge")
        verbose_name_plural = _("objections and challenges")
        indexes = [models.Index(fields=["state", "reply_due"], name="objection_state_due")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} #{self.pk} {self.project.deal_code}"

    @property
    def deal_code(self) -> str:
        return self.project.deal_code

    @property
    def title(self) -> str:
        return self.project.title


class Complaint(models.Model):
    """A complaint (投诉) to the regulator, from filing to a written decision.

    ``acceptance_due``: the last day to decide whether to accept (3 working days, TL 61;
    5 working days, 94号令 21). ``decision_due``: the last day of the decision (30 working
    days, TL 61 from acceptance / 94号令 28 from receipt), pushed back by pauses for
    testing, inspection or expert review (time not counted).
    """

    class State(models.TextChoices):
        RECEIVED = "received", _("Received, acceptance pending")
        ACCEPTED = "accepted", _("Accepted, under investigation")
        PAUSED = "paused", _("Paused for testing or expert review")
        DECIDED = "decided", _("Decided")
        REJECTED = "rejected", _("Not accepted")

    class Outcome(models.TextChoices):
        UPHELD = "upheld", _("Upheld (投诉成立)")
        DISMISSED = "dismissed", _("Dismissed (投诉不成立，驳回)")
        REJECTED = "rejected", _("Not accepted (不予受理)")

    OPEN_STATES = (State.RECEIVED, State.ACCEPTED, State.PAUSED)

    # A complaint is about a tender project, or about the selection result of a marketplace purchase (中介超市).
    project = models.ForeignKey("trading.Project", null=True, blank=True, on_delete=models.PROTECT,
                                related_name="complaints")
    purchase = models.ForeignKey("marketplace.Purchase", null=True, blank=True, on_delete=models.PROTECT,
                                 related_name="complaints", verbose_name=_("marketplace purchase"))
    section = models.ForeignKey("trading.Section", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    track = models.CharField(_("rules"), max_length=12, choices=Track.choices)
    subject = models.CharField(_("subject"), max_length=10, choices=Subject.choices)
    objection = models.ForeignKey(Objection, null=True, blank=True, on_delete=models.PROTECT,
                                  related_name="complaints", verbose_name=_("prior objection or challenge"))
    purchase_objection = models.ForeignKey("marketplace.Objection", null=True, blank=True, on_delete=models.PROTECT,
                                           related_name="complaints", verbose_name=_("prior challenge to the owner"))
    organisation = models.ForeignKey("accounts.Organisation", on_delete=models.PROTECT, related_name="complaints")
    filed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    grounds = models.TextField(_("facts, grounds and requests"))
    known_on = models.DateField(_("counted from"))
    filed_at = models.DateTimeField(_("filed at"))
    filing_deadline = models.DateField(_("last day to file"))
    state = models.CharField(_("state"), max_length=10, choices=State.choices, default=State.RECEIVED)
    acceptance_due = models.DateField(_("acceptance decided by"))
    accepted_at = models.DateTimeField(_("accepted at"), null=True, blank=True)
    decision_due = models.DateField(_("decision due by"), null=True, blank=True)
    outcome = models.CharField(_("outcome"), max_length=10, choices=Outcome.choices, blank=True)
    decision = models.TextField(_("decision and reasons"), blank=True)
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    malicious = models.BooleanField(_("judged malicious"), default=False)
    credit_event = models.ForeignKey("credit.CreditEvent", null=True, blank=True, on_delete=models.PROTECT,
                                     related_name="+")
    handled_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="+")
    overdue_since = models.DateTimeField(_("flagged overdue at"), null=True, blank=True)

    class Meta:
        ordering = ["-filed_at"]
        verbose_name = _("complaint")
        verbose_name_plural = _("complaints")
        indexes = [models.Index(fields=["state", "acceptance_due", "decision_due"], name="complaint_state_due")]
        constraints = [models.CheckConstraint(
            condition=models.Q(project__isnull=False, purchase__isnull=True)
            | models.Q(project__isnull=True, purchase__isnull=False), name="complaint_project_or_purchase")]

    def __str__(self) -> str:
        return f"{_('Complaint')} #{self.pk} {self.deal_code}"

    @property
    def deal_code(self) -> str:
        """The project's deal code, or the marketplace purchase's number."""
        return self.project.deal_code if self.project_id else self.purchase.number

    @property
    def title(self) -> str:
        return self.project.title if self.project_id else self.purchase.title

    @property
    def due(self):
        """The deadline of the step now pending, or None when closed or paused."""
        if self.state == self.State.RECEIVED:
            return self.acceptance_due
        if self.state == self.State.ACCEPTED:
            return self.decision_due
        return None


class ComplaintPause(models.Model):
    """Time excluded from the decision period: testing, inspection, appraisal or expert review."""

    complaint = models.ForeignKey(Complaint, on_delete=models.CASCADE, related_name="pauses")
    reason = models.TextField(_("reason"))
    started_at = models.DateTimeField(_("paused at"))
    ended_at = models.DateTimeField(_("resumed at"), null=True, blank=True)
    working_days = models.PositiveIntegerField(_("working days excluded"), default=0)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["complaint", "started_at"]
        verbose_name = _("complaint pause")
        verbose_name_plural = _("complaint pauses")

    def __str__(self) -> str:
        return f"{self.complaint_id}: {self.started_at:%Y-%m-%d}"


class ComplaintEvidence(models.Model):
    """A file attached to an objection, its answer or a complaint, kept under PROTECTED_ROOT."""

    objection = models.ForeignKey(Objection, null=True, blank=True, on_delete=models.CASCADE, related_name="evidence")
    complaint = models.ForeignKey(Complaint, null=True, blank=True, on_delete=models.CASCADE, related_name="evidence")
    name = models.CharField(_("file name"), max_length=200)
    path = models.CharField(max_length=300)
    size = models.PositiveBigIntegerField()
    sha256 = models.CharField(max_length=64)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    uploaded_at = models.DateTimeField()

    class Meta:
        ordering = ["uploaded_at", "pk"]
        verbose_name = _("evidence file")
        verbose_name_plural = _("evidence files")
        constraints = [models.CheckConstraint(
            condition=models.Q(objection__isnull=False, complaint__isnull=True)
            | models.Q(objection__isnull=True, complaint__isnull=False), name="evidence_one_owner")]

    def __str__(self) -> str:
        return self.name
