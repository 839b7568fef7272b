"""The expert pool (评标专家库): registry, draws, committees.

A draw request names its parties (tenderer, agency, bidders, supervising regulator)
as organisations, so the draw and its rules read only this app's rows; a request made
from a trading section (services.section_draw) fills them in from the section and
keeps a link to it. The evaluation (评标) of a section by its drawn committee lives in
``expert_pool.evaluation``; its rows are defined here.
"""

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Specialty(models.Model):
    """One node of the specialty taxonomy (专业分类). Codes nest by prefix: A08 > A0801 > A080101."""

    code = models.CharField(_("code"), max_length=12, primary_key=True)
    name = models.CharField(_("name"), max_length=100)
    parent = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT, related_name="children")

    class Meta:
        ordering = ["code"]
        verbose_name = _("specialty")
        verbose_name_plural = _("specialties")

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class Title(models.TextChoices):
    SENIOR_FULL = "senior_full", _("Senior, full (正高级)")
    SENIOR = "senior", _("Senior (副高级)")
    INTERMEDIATE = "intermediate", _("Intermediate (中级)")


class Expert(models.Model):
    """An evaluation expert (评标专家): a person with the expert role, and the facts the draw needs."""

    class Status(models.TextChoices):
        ACTIVE = "active", _("Active")
        SUSPENDED = "suspended", _("Suspended")
        RETIRED = "retired", _("Retired")

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="expert")
    id_number = models.CharField(_("certificate number"), max_length=32, unique=True,
                                 help_text=_("Expert certificate number (专家证号), unique in the pool"))
    primary_specialty = models.ForeignKey(Specialty, verbose_name=_("primary specialty"), on_delete=models.PROTECT,
                                          related_name="primary_experts")
    secondary_specialties = models.ManyToManyField(Specialty, verbose_name=_("secondary specialties"), blank=True,
                                                   related_name="secondary_experts")
    title = models.CharField(_("professional title"), max_length=16, choices=Title.choices)
    years_of_practice = models.PositiveSmallIntegerField(_("years of practice"))
    employer = models.ForeignKey("accounts.Organisation", verbose_name=_("employer (registered)"), null=True,
                                 blank=True, on_delete=models.PROTECT, related_name="+")
    employer_name = models.CharField(_("employer"), max_length=200)
    region = models.CharField(_("region code"), max_length=6, help_text=_("Administrative division code, e.g. 310000"))
    status = models.CharField(_("status"), max_length=12, choices=Status.choices, default=Status.ACTIVE)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        ordering = ["id"]
        verbose_name = _("expert")
        verbose_name_plural = _("experts")
        indexes = [models.Index(fields=["region", "primary_specialty"])]

    def __str__(self) -> str:
        return str(self.user)


class Relation(models.Model):
    """A tie the expert declares with an organisation (利害关系申报).

    A relative (近亲属) working for or leading the organisation excludes the expert
    whenever; employment, directorship and shareholding exclude while current and
    for three years after they end (87号令 / PW 12).
    """

    class Kind(models.TextChoices):
        RELATIVE = "relative", _("Close relative works there or leads it")
        EMPLOYMENT = "employment", _("Employment")
        DIRECTOR = "director", _("Director or senior manager")
        SHAREHOLDER = "shareholder", _("Shareholder")

    expert = models.ForeignKey(Expert, on_delete=models.CASCADE, related_name="relations")
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices)
    organisation = models.ForeignKey("accounts.Organisation", verbose_name=_("organisation"), null=True, blank=True,
                                     on_delete=models.PROTECT, related_name="+")
    organisation_name = models.CharField(_("organisation name"), max_length=200)
    credit_code = models.CharField(_("unified social credit code"), max_length=18, blank=True, db_index=True)
    starts_on = models.DateField(_("from"), null=True, blank=True)
    ends_on = models.DateField(_("until"), null=True, blank=True, help_text=_("Leave empty while it lasts"))

    class Meta:
        ordering = ["expert", "id"]
        verbose_name = _("declared relation")
        verbose_name_plural = _("declared relations")

    def __str__(self) -> str:
        return f"{self.expert}: {self.get_kind_display()} {self.organisation_name}"


class Leave(models.Model):
    """A period in which the expert cannot evaluate (请假/回避期)."""

    expert = models.ForeignKey(Expert, on_delete=models.CASCADE, related_name="leaves")
    starts_at = models.DateTimeField(_("from"))
    ends_at = models.DateTimeField(_("until"))
    reason = models.CharField(_("reason"), max_length=200, blank=True)

    class Meta:
        ordering = ["starts_at"]
        verbose_name = _("leave")
        verbose_name_plural = _("leaves")
        indexes = [models.Index(fields=["expert", "starts_at", "ends_at"])]
        constraints = [
            models.CheckConstraint(condition=models.Q(ends_at__gt=models.F("starts_at")), name="expert_leave_period"),
        ]

    def __str__(self) -> str:
        return f"{self.expert}: {self.starts_at:%Y-%m-%d} – {self.ends_at:%Y-%m-%d}"


class ImportJob(models.Model):
    """A CSV bulk import: the page polls ``processed``/``total`` and shows ``errors`` row by row."""

    class State(models.TextChoices):
        QUEUED = "queued", _("Queued")
        RUNNING = "running", _("Running")
        FINISHED = "finished", _("Finished")

    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    file_name = models.CharField(_("file name"), max_length=200)
    content = models.TextField(_("content"))
    state = models.CharField(_("state"), max_length=10, choices=State.choices, default=State.QUEUED)
    total = models.PositiveIntegerField(_("rows"), default=0)
    processed = models.PositiveIntegerField(_("rows processed"), default=0)
    created = models.PositiveIntegerField(_("experts created"), default=0)
    errors = models.JSONField(_("errors"), default=list, help_text=_("[{row, field, message}]"))
    created_at = models.DateTimeField(_("uploaded at"), auto_now_add=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("expert import")
        verbose_name_plural = _("expert imports")

    def __str__(self) -> str:
        return f"{self.file_name} ({self.processed}/{self.total})"

    @property
    def percent(self) -> int:
        return 100 if not self.total else int(100 * self.processed / self.total)


class DrawRequest(models.Model):
    """A request to draw an evaluation committee (抽取申请) for one procedure.

    ``section`` is filled when the request comes from trading; the parties are
    stored here either way so the eligibility rules read only this app's rows.
    """

    class Mode(models.TextChoices):
        LOCAL = "local", _("Local evaluation seats")
        REMOTE = "remote", _("Remote, from the experts' own seats")
        CROSS_REGION = "cross_region", _("Cross-region remote evaluation")

    class State(models.TextChoices):
        COMMITTED = "committed", _("Commitment published, waiting to draw")
        POOL_FIXED = "pool_fixed", _("Pool fixed and published, waiting for the witness's reveal")
        DRAWN = "drawn", _("Drawn, experts being notified")
        CONFIRMED = "confirmed", _("Committee confirmed")
        ANNOUNCED = "announced", _("Result announced, seed revealed")
        CANCELLED = "cancelled", _("Cancelled")

    section = models.ForeignKey("trading.Section", verbose_name=_("section"), null=True, blank=True,
                                on_delete=models.PROTECT, related_name="draw_requests")
    title = models.CharField(_("procedure"), max_length=300)
    reference = models.CharField(_("reference"), max_length=64, blank=True,
                                 help_text=_("Deal, project and section codes of the procedure"))
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    tenderer = models.ForeignKey("accounts.Organisation", verbose_name=_("tenderer"), on_delete=models.PROTECT,
                                 related_name="+")
    agency = models.ForeignKey("accounts.Organisation", verbose_name=_("agency"), null=True, blank=True,
                               on_delete=models.PROTECT, related_name="+")
    regulator = models.ForeignKey("accounts.Organisation", verbose_name=_("supervising regulator"), null=True,
                                  blank=True, on_delete=models.PROTECT, related_name="+")
    bidders = models.ManyToManyField("accounts.Organisation", verbose_name=_("bidders"), blank=True, related_name="+")
    government_procurement = models.BooleanField(_("government procurement"), default=False)
    budget = models.DecimalField(_("budget (yuan)"), max_digits=16, decimal_places=2, null=True, blank=True)
    evaluation_starts_at = models.DateTimeField(_("evaluation starts at"))
    evaluation_ends_at = models.DateTimeField(_("evaluation ends at"))
    place = models.CharField(_("place"), max_length=200, blank=True)
    mode = models.CharField(_("mode"), max_length=14, choices=Mode.choices, default=Mode.REMOTE)
    regions = models.JSONField(_("regions drawn from"), default=list)
    composition = models.JSONField(_("composition"), default=list,
                                   help_text=_('[{"specialty": "A0801", "count": 4}, ...]'))
    tenderer_representatives = models.PositiveSmallIntegerField(_("tenderer representatives"), default=0)
    reserve_size = models.PositiveSmallIntegerField(_("reserves per specialty"), default=2)
    state = models.CharField(_("state"), max_length=10, choices=State.choices, default=State.COMMITTED)
    seed = models.CharField(max_length=64, editable=False, help_text="secret until announced")
    commitment = models.CharField(_("commitment SHA-256(seed)"), max_length=64, editable=False)
    committed_at = models.DateTimeField(_("commitment published at"))
    request_document = models.JSONField(_("request as hashed"), default=dict)
    request_hash = models.CharField(_("request hash"), max_length=64, blank=True)
    pool_hash = models.CharField(_("pool hash"), max_length=64, blank=True)
    pool = models.JSONField(_("pool snapshot"), default=list, help_text=_("eligible expert ids per group, sorted"))
    drawn_at = models.DateTimeField(_("drawn at"), null=True, blank=True)
    # Format version 2 (docs/expert-draw.md): the pool is fixed first, then the platform's and the witness's
    # committed secrets are revealed and mixed with the fixing statement's hash.
    draw_format = models.PositiveSmallIntegerField(_("draw format version"), default=2, editable=False)
    witness_commitment = models.CharField(_("witness commitment SHA-256(secret)"), max_length=64, blank=True,
                                          editable=False)
    witness_committed_at = models.DateTimeField(_("witness committed at"), null=True, blank=True, editable=False)
    witness_organisation = models.ForeignKey("accounts.Organisation", verbose_name=_("witness"), null=True,
                                             blank=True, on_delete=models.PROTECT, related_name="+", editable=False)
    witness_secret = models.CharField(_("witness secret"), max_length=64, blank=True, editable=False)
    witness_revealed_at = models.DateTimeField(_("witness revealed at"), null=True, blank=True, editable=False)
    fixing = models.JSONField(_("pool-fixing statement"), default=dict, editable=False)
    fixing_hash = models.CharField(_("pool-fixing hash"), max_length=64, blank=True, editable=False)
    pool_fixed_at = models.DateTimeField(_("pool fixed at"), null=True, blank=True, editable=False)
    reveal_deadline = models.DateTimeField(_("witness reveal deadline"), null=True, blank=True, editable=False)
    announced_at = models.DateTimeField(_("result announced at"), null=True, blank=True)

    class Meta:
        ordering = ["-committed_at"]
        verbose_name = _("draw request")
        verbose_name_plural = _("draw requests")

    def __str__(self) -> str:
        return f"{self.title} ({self.get_state_display()})"

    @property
    def committee_size(self) -> int:
        return self.expert_count + self.tenderer_representatives

    @property
    def expert_count(self) -> int:
        return sum(int(group["count"]) for group in self.composition)


class Exclusion(models.Model):
    """Why a candidate matching a group's specialty and region was not in the pool (回避/排除)."""

    class Reason(models.TextChoices):
        EMPLOYER_TENDERER = "employer_tenderer", _("Works for the tenderer")
        EMPLOYER_AGENCY = "employer_agency", _("Works for the agency of this procedure")
        EMPLOYER_BIDDER = "employer_bidder", _("Works for a bidder")
        REGULATOR_STAFF = "regulator_staff", _("Staff of the regulator supervising the procedure")
        RELATIVE = "relative", _("Close relative at a party")
        ECONOMIC_TIE = "economic_tie", _("Employment, directorship or shareholding with a party in the past 3 years")
        SUSPENDED = "suspended", _("Suspended")
        RETIRED = "retired", _("Retired")
        BLACKLISTED = "blacklisted", _("Black-listed (联合惩戒)")
        ON_LEAVE = "on_leave", _("On leave during the evaluation")
        BUSY = "busy", _("Sits on another committee at an overlapping time")
        SAME_TENDERER = "same_tenderer", _("Served this tenderer too often recently")

    request = models.ForeignKey(DrawRequest, on_delete=models.CASCADE, related_name="exclusions")
    expert = models.ForeignKey(Expert, on_delete=models.PROTECT, related_name="+")
    reason = models.CharField(_("reason"), max_length=20, choices=Reason.choices)
    reasons = models.JSONField(_("all reasons"), default=list)

    class Meta:
        ordering = ["request", "expert"]
        verbose_name = _("exclusion")
        verbose_name_plural = _("exclusions")
        constraints = [models.UniqueConstraint(fields=["request", "expert"], name="exclusion_once_per_request")]

    def __str__(self) -> str:
        return f"{self.expert_id}: {self.reason}"


class Seat(models.Model):
    """One drawn expert: a committee member or a reserve (备选), in draw order."""

    class Role(models.TextChoices):
        MEMBER = "member", _("Member")
        RESERVE = "reserve", _("Reserve")

    class State(models.TextChoices):
        WAITING = "waiting", _("Reserve, not called")
        NOTIFIED = "notified", _("Notified, waiting for an answer")
        CONFIRMED = "confirmed", _("Confirmed")
        DECLINED = "declined", _("Declined")
        EXPIRED = "expired", _("No answer in time")
        REFUSED = "refused", _("Refused by the credit check")
        REPLACED = "replaced", _("Replaced; scores void")

    request = models.ForeignKey(DrawRequest, on_delete=models.CASCADE, related_name="seats")
    expert = models.ForeignKey(Expert, on_delete=models.PROTECT, related_name="seats")
    group = models.PositiveSmallIntegerField(_("group"))
    specialty = models.ForeignKey(Specialty, on_delete=models.PROTECT, related_name="+")
    position = models.PositiveSmallIntegerField(_("draw position"))
    role = models.CharField(_("role"), max_length=8, choices=Role.choices)
    state = models.CharField(_("state"), max_length=10, choices=State.choices)
    is_leader = models.BooleanField(_("committee leader"), default=False)
    replaces = models.OneToOneField("self", null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="replaced_by")
    token = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    notified_at = models.DateTimeField(_("notified at"), null=True, blank=True)
    respond_by = models.DateTimeField(_("answer by"), null=True, blank=True)
    responded_at = models.DateTimeField(_("answered at"), null=True, blank=True)
    answer_note = models.CharField(_("note"), max_length=300, blank=True)

    class Meta:
        ordering = ["request", "group", "position"]
        verbose_name = _("seat")
        verbose_name_plural = _("seats")
        constraints = [
            models.UniqueConstraint(fields=["request", "expert"], name="seat_expert_once_per_request"),
            models.UniqueConstraint(fields=["request", "group", "position"], name="seat_position_unique"),
        ]
        indexes = [models.Index(fields=["state", "respond_by"])]

    def __str__(self) -> str:
        return f"{self.request_id}/{self.group}/{self.position} {self.get_state_display()}"

    @property
    def sitting(self) -> bool:
        return self.role == self.Role.MEMBER and self.state in (self.State.NOTIFIED, self.State.CONFIRMED)


class Evaluation(models.Model):
    """The evaluation (评标) of one section by the committee of one draw request.

    ``criteria`` and ``bids`` are snapshots taken when the room opens, so the engines
    read the same figures from start to report. ``result`` holds the aggregation.
    """

    class State(models.TextChoices):
        SCORING = "scoring", _("Members are scoring")
        AGGREGATED = "aggregated", _("Aggregated and ranked")
        REPORTED = "reported", _("Report signed, candidates sent to publicity")

    section = models.OneToOneField("trading.Section", verbose_name=_("section"), on_delete=models.PROTECT,
                                   related_name="evaluation")
    draw_request = models.ForeignKey(DrawRequest, on_delete=models.PROTECT, related_name="evaluations")
    method = models.CharField(_("evaluation method"), max_length=16)
    criteria = models.JSONField(_("criteria"), default=list)
    bids = models.JSONField(_("opened bids"), default=list,
                            help_text=_("[{bid, organisation, name, price, submitted_at, summary}]"))
    price_cap = models.DecimalField(_("price cap (yuan)"), max_digits=16, decimal_places=2, null=True, blank=True)
    state = models.CharField(_("state"), max_length=10, choices=State.choices, default=State.SCORING)
    low_price_checked = models.BooleanField(_("abnormally low prices checked"), default=False)
    result = models.JSONField(_("result"), default=dict, blank=True)
    report_pdf = models.BinaryField(_("report PDF"), null=True, blank=True, editable=False)
    report_sha256 = models.CharField(_("report SHA-256"), max_length=64, blank=True)
    opened_at = models.DateTimeField(_("opened at"))
    aggregated_at = models.DateTimeField(_("aggregated at"), null=True, blank=True)
    reported_at = models.DateTimeField(_("reported at"), null=True, blank=True)

    class Meta:
        ordering = ["-opened_at"]
        verbose_name = _("evaluation")
        verbose_name_plural = _("evaluations")

    def __str__(self) -> str:
        return f"{self.section_id} ({self.get_state_display()})"


class ScoreSheet(models.Model):
    """One member's sheet: a score per (bid, criterion); sealed from the others until submitted."""

    evaluation = models.ForeignKey(Evaluation, on_delete=models.CASCADE, related_name="sheets")
    seat = models.ForeignKey(Seat, on_delete=models.PROTECT, related_name="score_sheets")
    scores = models.JSONField(_("scores"), default=dict, help_text=_('{"<bid id>": {"<criterion>": "85.5"}}'))
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        ordering = ["evaluation", "seat"]
        verbose_name = _("score sheet")
        verbose_name_plural = _("score sheets")
        constraints = [models.UniqueConstraint(fields=["evaluation", "seat"], name="score_sheet_once_per_seat")]

    def __str__(self) -> str:
        return f"{self.evaluation_id}/{self.seat_id}"


class PriceAdjustment(models.Model):
    """An adjustment of a bid's price by the committee (价格调整), with its reason: lowest evaluated price."""

    evaluation = models.ForeignKey(Evaluation, on_delete=models.CASCADE, related_name="adjustments")
    bid = models.ForeignKey("trading.Bid", on_delete=models.PROTECT, related_name="+")
    amount = models.DecimalField(_("adjustment (yuan, + or -)"), max_digits=16, decimal_places=2)
    reason = models.CharField(_("reason"), max_length=300)
    by = models.ForeignKey(Seat, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(_("entered at"))

    class Meta:
        ordering = ["evaluation", "at", "pk"]
        verbose_name = _("price adjustment")
        verbose_name_plural = _("price adjustments")

    def __str__(self) -> str:
        return f"{self.bid_id}: {self.amount}"


class LowPriceCheck(models.Model):
    """A bid flagged as abnormally low (异常低价): the bidder explains in writing, the committee decides."""

    class Decision(models.TextChoices):
        PENDING = "pending", _("Waiting for the bidder's explanation or the committee's decision")
        ACCEPTED = "accepted", _("Explanation accepted")
        REJECTED = "rejected", _("Rejected: the bid is invalid")

    evaluation = models.ForeignKey(Evaluation, on_delete=models.CASCADE, related_name="low_price_checks")
    bid = models.ForeignKey("trading.Bid", on_delete=models.PROTECT, related_name="+")
    grounds = models.CharField(_("grounds"), max_length=300)
    explanation = models.TextField(_("bidder's written explanation"), blank=True)
    explained_at = models.DateTimeField(_("explained at"), null=True, blank=True)
    explained_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                     related_name="+")
    decision = models.CharField(_("decision"), max_length=10, choices=Decision.choices, default=Decision.PENDING)
    decision_note = models.CharField(_("committee's reasons"), max_length=500, blank=True)
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)

    class Meta:
        ordering = ["evaluation", "pk"]
        verbose_name = _("abnormally low price check")
        verbose_name_plural = _("abnormally low price checks")
        constraints = [models.UniqueConstraint(fields=["evaluation", "bid"], name="low_price_check_once_per_bid")]

    def __str__(self) -> str:
        return f"{self.bid_id}: {self.decision}"
