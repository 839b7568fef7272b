"""The online intermediary marketplace (网上中介超市): intermediaries, purchases, selection, contract and rating."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from accounts.models import Organisation
from credit.models import CreditEvent

from . import conf


class Intermediary(models.Model):
    """An organisation registered in the marketplace (入驻中介机构), with the services it offers and where."""

    class Status(models.TextChoices):
        ACTIVE = "active", _("Active")
        SUSPENDED = "suspended", _("Suspended")

    organisation = models.OneToOneField(Organisation, verbose_name=_("organisation"), on_delete=models.PROTECT,
                                        related_name="intermediary")
    service_types = models.JSONField(_("service types"), default=list)
    regions = models.JSONField(_("regions served"), default=list)
    contact_name = models.CharField(_("contact person"), max_length=60)
    contact_phone = models.CharField(_("contact phone"), max_length=20)
    contact_email = models.EmailField(_("contact e-mail"), blank=True)
    introduction = models.TextField(_("introduction"), blank=True)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.ACTIVE)
    status_reason = models.CharField(_("reason of the status"), max_length=300, blank=True)
    registered_at = models.DateTimeField(_("registered at"), auto_now_add=True)

    class Meta:
        ordering = ["organisation__name"]
        verbose_name = _("intermediary")
        verbose_name_plural = _("intermediaries")

    def __str__(self) -> str:
        return self.organisation.name

    def service_type_names(self) -> list[str]:
        return [conf.service_type_name(code) for code in self.service_types]


class Qualification(models.Model):
    """A qualification certificate (资质证书) for one service type, valid between two dates."""

    intermediary = models.ForeignKey(Intermediary, verbose_name=_("intermediary"), on_delete=models.CASCADE,
                                     related_name="qualifications")
    service_type = models.CharField(_("service type"), max_length=8)
    name = models.CharField(_("qualification"), max_length=120)
    number = models.CharField(_("certificate number"), max_length=60)
    level = models.CharField(_("grade"), max_length=30, blank=True)
    issuer = models.CharField(_("issued by"), max_length=120, blank=True)
    valid_from = models.DateField(_("valid from"))
    valid_until = models.DateField(_("valid until"))

    class Meta:
        ordering = ["service_type", "-valid_until"]
        verbose_name = _("qualification")
        verbose_name_plural = _("qualifications")
        constraints = [models.UniqueConstraint(fields=["intermediary", "number"], name="qualification_unique_number")]

    def __str__(self) -> str:
        return f"{self.name} {self.number}"

    @property
    def service_type_name(self) -> str:
        return conf.service_type_name(self.service_type)


class Method(models.TextChoices):
    DIRECT = conf.DIRECT, _("Direct selection (直接选取)")
    RANDOM = conf.RANDOM, _("Random draw (随机抽取)")
    BIDDING = conf.BIDDING, _("Lowest price (竞价选取)")
    COMPARISON = conf.COMPARISON, _("Quality comparison (比选)")


class Purchase(models.Model):
    """An owner's selection notice (选取公告) for one intermediary service, and where its selection stands."""

    class State(models.TextChoices):
        OPEN = "open", _("Open for applications")
        POOL_FIXED = "pool_fixed", _("Pool fixed, awaiting the witness's reveal")
        SCORING = "scoring", _("Committee scoring")
        PUBLICISED = "publicised", _("Result publicised")
        CONTRACTED = "contracted", _("Contract signed")
        DELIVERED = "delivered", _("Service delivered")
        FAILED = "failed", _("Failed (no intermediary selected)")
        CANCELLED = "cancelled", _("Cancelled")

    class QuoteMode(models.TextChoices):
        SEALED = "sealed", _("Sealed quotes")
        OPEN = "open", _("Open quotes")

    number = models.CharField(_("number"), max_length=20, unique=True)
    title = models.CharField(_("title"), max_length=200)
    owner = models.ForeignKey(Organisation, verbose_name=_("owner"), on_delete=models.PROTECT,
                              related_name="marketplace_purchases")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("posted by"), on_delete=models.PROTECT,
                                   related_name="+")
    service_type = models.CharField(_("service type"), max_length=8)
    scope = models.TextField(_("scope of service"))
    requirements = models.TextField(_("requirements"), blank=True)
    region = models.CharField(_("region"), max_length=6)
    fee_cap = models.DecimalField(_("fee cap (yuan)"), max_digits=14, decimal_places=2)
    method = models.CharField(_("selection method"), max_length=12, choices=Method.choices)
    quote_mode = models.CharField(_("quotes"), max_length=8, choices=QuoteMode.choices, blank=True)
    weights = models.JSONField(_("published weights"), default=dict, blank=True)
    deadline = models.DateTimeField(_("deadline"))
    state = models.CharField(_("state"), max_length=12, choices=State.choices, default=State.OPEN)
    posted_at = models.DateTimeField(_("posted at"), auto_now_add=True)
    direct_reason = models.TextField(_("reason for direct selection"), blank=True)
    winner = models.ForeignKey(Intermediary, verbose_name=_("selected intermediary"), null=True, blank=True,
                               on_delete=models.PROTECT, related_name="won_purchases")
    amount = models.DecimalField(_("selected fee (yuan)"), max_digits=14, decimal_places=2, null=True, blank=True)
    selected_at = models.DateTimeField(_("selected at"), null=True, blank=True)
    publicity_until = models.DateField(_("publicised until"), null=True, blank=True)
    failure_reason = models.CharField(_("why it failed"), max_length=300, blank=True)
    refused = models.JSONField(_("intermediaries who refused"), default=list)
    voided = models.JSONField(_("selections voided by an upheld complaint"), default=list)

    class Meta:
        ordering = ["-posted_at", "-pk"]
        verbose_name = _("purchase")
        verbose_name_plural = _("purchases")

    def __str__(self) -> str:
        return f"{self.number} {self.title}"

    @property
    def service_type_name(self) -> str:
        return conf.service_type_name(self.service_type)

    @property
    def savings(self):
        return None if self.amount is None else self.fee_cap - self.amount


class Application(models.Model):
    """An intermediary's application (报名) to a purchase: its quote and, for 比选, its proposal."""

    class State(models.TextChoices):
        APPLIED = "applied", _("Applied")
        WITHDRAWN = "withdrawn", _("Withdrawn")
        EXCLUDED = "excluded", _("Excluded at selection")

    purchase = models.ForeignKey(Purchase, verbose_name=_("purchase"), on_delete=models.CASCADE,
                                 related_name="applications")
    intermediary = models.ForeignKey(Intermediary, verbose_name=_("intermediary"), on_delete=models.PROTECT,
                                     related_name="applications")
    quote = models.DecimalField(_("quote (yuan)"), max_digits=14, decimal_places=2, null=True, blank=True)
    proposal = models.TextField(_("proposal"), blank=True)
    state = models.CharField(_("state"), max_length=10, choices=State.choices, default=State.APPLIED)
    applied_at = models.DateTimeField(_("applied at"), auto_now_add=True)
    quoted_at = models.DateTimeField(_("quoted at"), null=True, blank=True)
    rank = models.PositiveSmallIntegerField(_("rank"), null=True, blank=True)
    score = models.DecimalField(_("score"), max_digits=6, decimal_places=2, null=True, blank=True)

    class Meta:
        ordering = ["purchase", "rank", "applied_at"]
        verbose_name = _("application")
        verbose_name_plural = _("applications")
        constraints = [models.UniqueConstraint(fields=["purchase", "intermediary"], name="application_once")]

    def __str__(self) -> str:
        return f"{self.purchase.number} · {self.intermediary}"


class Exclusion(models.Model):
    """An intermediary left out of a selection, with the reasons (资质过期, 失信黑名单, 暂停 …)."""

    class Reason(models.TextChoices):
        SUSPENDED = "suspended", _("Suspended in the marketplace")
        BLACKLISTED = "blacklisted", _("On the credit black list")
        NO_QUALIFICATION = "no_qualification", _("No qualification for the service type")
        QUALIFICATION_EXPIRED = "qualification_expired", _("Qualification expired")

    purchase = models.ForeignKey(Purchase, verbose_name=_("purchase"), on_delete=models.CASCADE,
                                 related_name="exclusions")
    intermediary = models.ForeignKey(Intermediary, verbose_name=_("intermediary"), on_delete=models.PROTECT,
                                     related_name="exclusions")
    reasons = models.JSONField(_("reasons"), default=list)
    detail = models.CharField(_("detail"), max_length=300, blank=True)
    recorded_at = models.DateTimeField(_("recorded at"), auto_now_add=True)

    class Meta:
        ordering = ["purchase", "intermediary_id"]
        verbose_name = _("exclusion")
        verbose_name_plural = _("exclusions")
        constraints = [models.UniqueConstraint(fields=["purchase", "intermediary"], name="exclusion_once")]

    def __str__(self) -> str:
        return f"{self.purchase_id} · {self.intermediary_id}: {', '.join(self.reasons)}"

    def reason_labels(self) -> list[str]:
        return [str(self.Reason(r).label) if r in self.Reason.values else r for r in self.reasons]


class Draw(models.Model):
    """The verifiable random draw of a purchase (core.draw): the platform's commitment at posting, the witness's
    before the pool is fixed, the record after the draw. Rows drawn before format 2 keep ``draw_format`` 1."""

    purchase = models.OneToOneField(Purchase, verbose_name=_("purchase"), on_delete=models.CASCADE,
                                    related_name="draw")
    seed = models.CharField(_("seed"), max_length=64)
    commitment = models.CharField(_("commitment"), max_length=64)
    committed_at = models.DateTimeField(_("committed at"))
    request_document = models.JSONField(_("request"), null=True, blank=True)
    pool = models.JSONField(_("pool"), null=True, blank=True)
    request_hash = models.CharField(_("request hash"), max_length=64, blank=True)
    pool_hash = models.CharField(_("pool hash"), max_length=64, blank=True)
    order = models.JSONField(_("drawn order"), default=list)
    drawn_at = models.DateTimeField(_("drawn at"), null=True, blank=True)
    # Format 2 (docs/expert-draw.md): a regulator witnesses; the pool is fixed before either secret is revealed.
    draw_format = models.PositiveSmallIntegerField(_("format version"), default=2)
    witness_organisation = models.ForeignKey(Organisation, verbose_name=_("witness"), null=True, blank=True,
                                             on_delete=models.PROTECT, related_name="+")
    witness_commitment = models.CharField(_("witness commitment"), max_length=64, blank=True)
    witness_committed_at = models.DateTimeField(_("witness committed at"), null=True, blank=True)
    witness_secret = models.CharField(_("witness secret"), max_length=64, blank=True)
    witness_revealed_at = models.DateTimeField(_("witness revealed at"), null=True, blank=True)
    fixing = models.JSONField(_("pool-fixing statement"), null=True, blank=True)
    fixing_hash = models.CharField(_("fixing hash"), max_length=64, blank=True)
    pool_fixed_at = models.DateTimeField(_("pool fixed at"), null=True, blank=True)
    reveal_deadline = models.DateTimeField(_("reveal deadline"), null=True, blank=True)

    class Meta:
        verbose_name = _("draw")
        verbose_name_plural = _("draws")

    def __str__(self) -> str:
        return f"{self.purchase_id} · {self.commitment[:12]}"


class CommitteeMember(models.Model):
    """A member of a 比选 committee; scores each proposal on the published criteria."""

    purchase = models.ForeignKey(Purchase, verbose_name=_("purchase"), on_delete=models.CASCADE,
                                 related_name="committee")
    person = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("member"), on_delete=models.PROTECT,
                               related_name="+")
    submitted_at = models.DateTimeField(_("scores submitted at"), null=True, blank=True)

    class Meta:
        ordering = ["purchase", "pk"]
        verbose_name = _("committee member")
        verbose_name_plural = _("committee members")
        constraints = [models.UniqueConstraint(fields=["purchase", "person"], name="committee_member_once")]

    def __str__(self) -> str:
        return f"{self.purchase_id} · {self.person_id}"


class Score(models.Model):
    """One member's marks (0–100) for one application, per criterion other than price."""

    member = models.ForeignKey(CommitteeMember, verbose_name=_("member"), on_delete=models.CASCADE,
                               related_name="scores")
    application = models.ForeignKey(Application, verbose_name=_("application"), on_delete=models.CASCADE,
                                    related_name="scores")
    marks = models.JSONField(_("marks"))

    class Meta:
        verbose_name = _("score")
        verbose_name_plural = _("scores")
        constraints = [models.UniqueConstraint(fields=["member", "application"], name="score_once")]

    def __str__(self) -> str:
        return f"{self.member_id} · {self.application_id}"


class Objection(models.Model):
    """An objection (质疑) to a publicised result, answered by the owner."""

    purchase = models.ForeignKey(Purchase, verbose_name=_("purchase"), on_delete=models.CASCADE,
                                 related_name="objections")
    filed_by = models.ForeignKey(Organisation, verbose_name=_("filed by"), on_delete=models.PROTECT, related_name="+")
    text = models.TextField(_("objection"))
    filed_at = models.DateTimeField(_("filed at"), auto_now_add=True)
    reply_due = models.DateField(_("answer due by"), null=True, blank=True)
    answer = models.TextField(_("answer"), blank=True)
    answered_at = models.DateTimeField(_("answered at"), null=True, blank=True)

    class Meta:
        ordering = ["purchase", "filed_at"]
        verbose_name = _("objection")
        verbose_name_plural = _("objections")

    def __str__(self) -> str:
        return f"{self.purchase_id} · {self.filed_by_id}"


class Contract(models.Model):
    """The service contract and its delivery (合同与履约)."""

    purchase = models.OneToOneField(Purchase, verbose_name=_("purchase"), on_delete=models.PROTECT,
                                    related_name="contract")
    signed_on = models.DateField(_("signed on"))
    amount = models.DecimalField(_("contract amount (yuan)"), max_digits=14, decimal_places=2)
    due_on = models.DateField(_("due on"))
    deliverables = models.TextField(_("deliverables"))
    delivered_on = models.DateField(_("delivered on"), null=True, blank=True)
    delivery_note = models.TextField(_("delivery note"), blank=True)
    recorded_at = models.DateTimeField(_("recorded at"), auto_now_add=True)

    class Meta:
        verbose_name = _("contract")
        verbose_name_plural = _("contracts")

    def __str__(self) -> str:
        return f"{self.purchase_id} · {self.amount}"


class Rating(models.Model):
    """The owner's rating of the service (好差评), 1–5 stars on four marks, weighted to 0–100."""

    contract = models.OneToOneField(Contract, verbose_name=_("contract"), on_delete=models.PROTECT,
                                    related_name="rating")
    timeliness = models.PositiveSmallIntegerField(_("timeliness"))
    quality = models.PositiveSmallIntegerField(_("quality"))
    attitude = models.PositiveSmallIntegerField(_("attitude"))
    fees = models.PositiveSmallIntegerField(_("fees"))
    score = models.DecimalField(_("score"), max_digits=5, decimal_places=2)
    poor = models.BooleanField(_("poor rating"), default=False)
    comment = models.TextField(_("comment"), blank=True)
    rated_at = models.DateTimeField(_("rated at"), auto_now_add=True)
    credit_events = models.JSONField(_("credit events"), default=list)

    class Meta:
        verbose_name = _("rating")
        verbose_name_plural = _("ratings")

    def __str__(self) -> str:
        return f"{self.contract_id} · {self.score}"


class Breach(models.Model):
    """A breach of contract the owner reports (违约); it is a credit event of the intermediary."""

    contract = models.ForeignKey(Contract, verbose_name=_("contract"), on_delete=models.PROTECT,
                                 related_name="breaches")
    description = models.TextField(_("what happened"))
    reported_at = models.DateTimeField(_("reported at"), auto_now_add=True)
    credit_event = models.ForeignKey(CreditEvent, verbose_name=_("credit event"), null=True, blank=True,
                                     on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["-reported_at"]
        verbose_name = _("breach")
        verbose_name_plural = _("breaches")

    def __str__(self) -> str:
        return f"{self.contract_id} · {self.reported_at:%Y-%m-%d}"
