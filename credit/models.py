"""Credit: the behaviour catalogue, credit events, black and red lists, appeals and repair.

A subject is either an organisation (bidder, agency, tenderer) or a person (expert,
agency staff); every subject-bearing row names exactly one of the two. Credit never
imports trading: a project is named by its deal code (统一交易标识码).
"""

import datetime as dt

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from core.dealcodes import deal_category

ONE_SUBJECT = models.Q(organisation__isnull=False, person__isnull=True) | models.Q(
    organisation__isnull=True, person__isnull=False
)


class SubjectMixin(models.Model):
    """Exactly one of ``organisation`` and ``person``."""

    organisation = models.ForeignKey(
        "accounts.Organisation", verbose_name=_("organisation"), null=True, blank=True,
        on_delete=models.PROTECT, related_name="+",
    )
    person = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("person"), null=True, blank=True,
        on_delete=models.PROTECT, related_name="+",
    )

    class Meta:
        abstract = True

    @property
    def subject(self):
        return self.organisation or self.person

    @property
    def subject_label(self) -> str:
        if self.organisation_id:
            return f"{self.organisation.name} ({self.organisation.credit_code})"
        return str(self.person)


class Behaviour(models.Model):
    """A kind of conduct the catalogue judges; its rule lives in versions (BehaviourVersion)."""

    code = models.SlugField(_("code"), max_length=60, unique=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        ordering = ["code"]
        verbose_name = _("behaviour")
        verbose_name_plural = _("behaviours")

    def __str__(self) -> str:
        return self.code

    @property
    def current(self) -> "BehaviourVersion":
        return self.versions.order_by("-version").first()


class BehaviourVersion(models.Model):
    """One version of a behaviour's rule. Never edited: a change makes a new version,
    and an event keeps the version it was judged under."""

    class Effect(models.TextChoices):
        NONE = "none", _("Points only")
        BLACK_LIST = "black", _("Black list")
        RED_LIST = "red", _("Red list")

    class Applies(models.TextChoices):
        ORGANISATION = "organisation", _("Organisations")
        PERSON = "person", _("People")
        ANY = "any", _("Organisations and people")

    behaviour = models.ForeignKey(Behaviour, verbose_name=_("behaviour"), on_delete=models.PROTECT,
                                  related_name="versions")
    version = models.PositiveIntegerField(_("version"))
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    points = models.PositiveSmallIntegerField(_("points deducted"), default=0)
    effect = models.CharField(_("effect"), max_length=8, choices=Effect.choices, default=Effect.NONE)
    months = models.PositiveSmallIntegerField(
        _("months"), default=0, help_text=_("Length of the black-list restriction or the red-list listing."),
    )
    applies_to = models.CharField(_("applies to"), max_length=12, choices=Applies.choices, default=Applies.ANY)
    legal_basis = models.CharField(_("legal basis"), max_length=200)
    # The same behaviour is judged under different laws by the project's field: 招标投标法 and its 实施条例 for
    # construction tendering, 政府采购法 and its 实施条例 for government procurement (DOMAIN.md).
    legal_basis_tendering = models.CharField(_("legal basis in construction tendering"), max_length=200,
                                             blank=True)
    legal_basis_procurement = models.CharField(_("legal basis in government procurement"), max_length=200,
                                               blank=True)
    active = models.BooleanField(_("in use"), default=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("created by"), null=True, blank=True,
                                   on_delete=models.PROTECT, related_name="+")
    change_note = models.CharField(_("reason for the change"), max_length=300, blank=True)

    class Meta:
        ordering = ["behaviour__code", "-version"]
        verbose_name = _("behaviour rule version")
        verbose_name_plural = _("behaviour rule versions")
        constraints = [
            models.UniqueConstraint(fields=["behaviour", "version"], name="credit_behaviour_version_unique"),
            models.CheckConstraint(
                condition=models.Q(effect="none", months=0) | (~models.Q(effect="none") & models.Q(months__gt=0)),
                name="credit_behaviour_months_match_effect",
            ),
            models.CheckConstraint(condition=~models.Q(effect="red") | models.Q(points=0),
                                   name="credit_red_list_deducts_nothing"),
        ]

    def __str__(self) -> str:
        return f"{self.behaviour.code} v{self.version}: {self.title}"

    def basis_for(self, deal_code: str = "") -> str:
        """The legal basis to cite for a behaviour in the deal ``deal_code``: the field's own basis where the rule
        has one (construction tendering, government procurement), else the general one."""
        field = {"construction": self.legal_basis_tendering,
                 "government": self.legal_basis_procurement}.get(deal_category(deal_code), "")
        return field or self.legal_basis


class CreditEvent(SubjectMixin):
    """One judged behaviour of one subject (信用记录).

    ``occurred_on`` dates the deduction (it anchors the scoring cycle). The event counts
    from ``counts_from`` (normally the same day; for an amendment, the correction day)
    until the day before ``counts_until`` (the correction day) when it is corrected.
    """

    class Source(models.TextChoices):
        PLATFORM = "platform", _("Recorded by the platform")
        REGULATOR = "regulator", _("Regulator's decision")

    class Status(models.TextChoices):
        EFFECTIVE = "effective", _("Effective")
        ANNULLED = "annulled", _("Annulled")
        AMENDED = "amended", _("Amended")

    behaviour_version = models.ForeignKey(BehaviourVersion, verbose_name=_("rule"), on_delete=models.PROTECT,
                                          related_name="events")
    points = models.PositiveSmallIntegerField(_("points deducted"))
    deal_code = models.CharField(_("deal code"), max_length=64, blank=True)
    evidence = models.TextField(_("facts and evidence"))
    source = models.CharField(_("source"), max_length=10, choices=Source.choices)
    decision_number = models.CharField(_("decision number"), max_length=100, blank=True)
    occurred_on = models.DateField(_("dated"))
    counts_from = models.DateField(_("counts from"))
    counts_until = models.DateField(_("stops counting on"), null=True, blank=True)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.EFFECTIVE)
    correction_reason = models.TextField(_("reason for the correction"), blank=True)
    corrected_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("corrected by"), null=True, blank=True,
                                     on_delete=models.PROTECT, related_name="+")
    replaces = models.OneToOneField("self", verbose_name=_("replaces"), null=True, blank=True,
                                    on_delete=models.PROTECT, related_name="replaced_by")
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("recorded by"), null=True, blank=True,
                                    on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(_("recorded at"), auto_now_add=True)

    class Meta:
        ordering = ["-occurred_on", "-id"]
        verbose_name = _("credit event")
        verbose_name_plural = _("credit events")
        constraints = [
            models.CheckConstraint(condition=ONE_SUBJECT, name="credit_event_one_subject"),
            models.CheckConstraint(
                condition=models.Q(counts_until__isnull=True) | models.Q(counts_until__gte=models.F("counts_from")),
                name="credit_event_count_period",
            ),
        ]
        indexes = [
            models.Index(fields=["organisation", "occurred_on"], name="credit_event_org_day"),
            models.Index(fields=["person", "occurred_on"], name="credit_event_person_day"),
            models.Index(fields=["deal_code"], name="credit_event_deal"),
        ]

    def __str__(self) -> str:
        return f"{self.subject_label}: {self.behaviour_version.title} ({self.occurred_on})"

    def counts_on(self, day: dt.date) -> bool:
        return self.counts_from <= day and (self.counts_until is None or day < self.counts_until)


class BlacklistEntry(SubjectMixin):
    """A restriction (黑名单): the organisation may not bid, the person may not be drawn,
    from ``starts_on`` to ``ends_on`` inclusive, unless lifted earlier (``lifted_on``:
    first day no longer restricted, by correction or credit repair).

    Published from ``starts_on`` to ``public_until`` inclusive (6 months or the restriction
    period if longer), then archived: kept, no longer public.
    """

    organisation = models.ForeignKey(
        "accounts.Organisation", verbose_name=_("organisation"), null=True, blank=True,
        on_delete=models.PROTECT, related_name="blacklist_entries",
    )
    person = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("person"), null=True, blank=True,
        on_delete=models.PROTECT, related_name="blacklist_entries",
    )
    event = models.OneToOneField(CreditEvent, verbose_name=_("credit event"), null=True, blank=True,
                                 on_delete=models.PROTECT, related_name="blacklist_entry")
    reason = models.CharField(_("reason"), max_length=300)
    legal_basis = models.CharField(_("legal basis"), max_length=200)
    starts_on = models.DateField(_("starts on"))
    ends_on = models.DateField(_("ends on"))
    public_until = models.DateField(_("public until"))
    lifted_on = models.DateField(_("lifted on"), null=True, blank=True)
    lift_reason = models.CharField(_("why lifted"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        ordering = ["-starts_on", "-id"]
        verbose_name = _("black-list entry")
        verbose_name_plural = _("black-list entries")
        constraints = [
            models.CheckConstraint(condition=ONE_SUBJECT, name="blacklist_one_subject"),
            models.CheckConstraint(condition=models.Q(ends_on__gte=models.F("starts_on")), name="blacklist_period"),
            models.CheckConstraint(condition=models.Q(public_until__gte=models.F("ends_on")),
                                   name="blacklist_public_covers_period"),
        ]
        indexes = [
            models.Index(fields=["organisation", "starts_on", "ends_on"], name="blacklist_org_period"),
            models.Index(fields=["person", "starts_on", "ends_on"], name="blacklist_person_period"),
        ]

    def __str__(self) -> str:
        return f"{self.subject_label}: {self.reason} ({self.starts_on} – {self.ends_on})"

    def in_force_on(self, day: dt.date) -> bool:
        return self.starts_on <= day <= self.ends_on and (self.lifted_on is None or day < self.lifted_on)

    def public_on(self, day: dt.date) -> bool:
        return self.starts_on <= day <= self.public_until and (self.lifted_on is None or day < self.lifted_on)


class RedlistEntry(SubjectMixin):
    """A commendation (红名单, 守信激励), listed from ``starts_on`` to ``ends_on`` inclusive."""

    event = models.OneToOneField(CreditEvent, verbose_name=_("credit event"), null=True, blank=True,
                                 on_delete=models.PROTECT, related_name="redlist_entry")
    reason = models.CharField(_("reason"), max_length=300)
    legal_basis = models.CharField(_("basis"), max_length=200)
    starts_on = models.DateField(_("starts on"))
    ends_on = models.DateField(_("ends on"))
    lifted_on = models.DateField(_("withdrawn on"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        ordering = ["-starts_on", "-id"]
        verbose_name = _("red-list entry")
        verbose_name_plural = _("red-list entries")
        constraints = [
            models.CheckConstraint(condition=ONE_SUBJECT, name="redlist_one_subject"),
            models.CheckConstraint(condition=models.Q(ends_on__gte=models.F("starts_on")), name="redlist_period"),
        ]

    def __str__(self) -> str:
        return f"{self.subject_label}: {self.reason}"


class Decision(models.TextChoices):
    PENDING = "pending", _("Pending")
    APPROVED = "approved", _("Approved")
    REFUSED = "refused", _("Refused")


class SubjectApplication(models.Model):
    """What an appeal and a repair application share: filed by the subject, decided by a regulator."""

    filed_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("filed by"), on_delete=models.PROTECT,
                                 related_name="+")
    filed_at = models.DateTimeField(_("filed at"), auto_now_add=True)
    status = models.CharField(_("status"), max_length=10, choices=Decision.choices, default=Decision.PENDING)
    decision_reason = models.TextField(_("reasons for the decision"), blank=True)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("decided by"), null=True, blank=True,
                                   on_delete=models.PROTECT, related_name="+")
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)

    class Meta:
        abstract = True


class Appeal(SubjectApplication):
    """The subject contests a credit event (异议申诉); a regulator upholds it (the event is
    corrected) or dismisses it with reasons."""

    event = models.ForeignKey(CreditEvent, verbose_name=_("credit event"), on_delete=models.PROTECT,
                              related_name="appeals")
    statement = models.TextField(_("grounds"))

    class Meta(SubjectApplication.Meta):
        ordering = ["-filed_at"]
        verbose_name = _("appeal")
        verbose_name_plural = _("appeals")
        constraints = [
            models.UniqueConstraint(fields=["event"], condition=models.Q(status="pending"),
                                    name="credit_one_pending_appeal"),
        ]

    def __str__(self) -> str:
        return f"{self.event.subject_label}: {self.event.behaviour_version.title} ({self.event.occurred_on})"


class RepairApplication(SubjectApplication):
    """Credit repair (信用修复): the subject asks for a black-list entry to be lifted early."""

    entry = models.ForeignKey(BlacklistEntry, verbose_name=_("black-list entry"), on_delete=models.PROTECT,
                              related_name="repairs")
    statement = models.TextField(_("what was put right"))

    class Meta(SubjectApplication.Meta):
        ordering = ["-filed_at"]
        verbose_name = _("credit repair application")
        verbose_name_plural = _("credit repair applications")
        constraints = [
            models.UniqueConstraint(fields=["entry"], condition=models.Q(status="pending"),
                                    name="credit_one_pending_repair"),
        ]

    def __str__(self) -> str:
        return f"repair #{self.pk} of entry #{self.entry_id}"


class EvidenceDocument(models.Model):
    """A file backing a decision, an appeal or a repair application; its SHA-256 is in the audit chain."""

    event = models.ForeignKey(CreditEvent, null=True, blank=True, on_delete=models.PROTECT, related_name="documents")
    appeal = models.ForeignKey(Appeal, null=True, blank=True, on_delete=models.PROTECT, related_name="documents")
    repair = models.ForeignKey(RepairApplication, null=True, blank=True, on_delete=models.PROTECT,
                               related_name="documents")
    file = models.FileField(_("file"), upload_to="credit/evidence/%Y/%m/")
    name = models.CharField(_("file name"), max_length=200)
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    size = models.PositiveIntegerField(_("size"))
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="+")
    uploaded_at = models.DateTimeField(_("uploaded at"), auto_now_add=True)

    class Meta:
        ordering = ["id"]
        verbose_name = _("evidence document")
        verbose_name_plural = _("evidence documents")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(event__isnull=False, appeal__isnull=True, repair__isnull=True)
                | models.Q(event__isnull=True, appeal__isnull=False, repair__isnull=True)
                | models.Q(event__isnull=True, appeal__isnull=True, repair__isnull=False),
                name="credit_document_one_owner",
            ),
        ]

    def __str__(self) -> str:
        return self.name
