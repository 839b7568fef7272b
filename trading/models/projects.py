"""Projects (交易项目), their sections (标段) and the history of their lifecycle."""

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from core.dealcodes import CATEGORY_DIGITS


class Category(models.TextChoices):
    """Transaction categories of 《公共资源交易平台系统数据规范》; the value's code goes into the deal code."""

    CONSTRUCTION = "construction", _("Construction tendering (工程建设)")
    GOVERNMENT = "government", _("Government procurement (政府采购)")
    LAND = "land", _("Land and mining rights (土地矿业权)")
    PROPERTY = "property", _("State property rights (国有产权)")
    OTHER = "other", _("Other (其他)")


# Two digits per category in the unified deal code (统一交易标识码), as core.dealcodes reads them back.
CATEGORY_CODE = {Category(category): digits for category, digits in CATEGORY_DIGITS.items()}


class ProcurementMethod(models.TextChoices):
    OPEN = "open", _("Open tendering (公开招标)")
    INVITED = "invited", _("Invited tendering (邀请招标)")
    NEGOTIATION = "negotiation", _("Competitive negotiation (竞争性谈判)")
    AUCTION = "auction", _("Auction (拍卖)")
    LISTING = "listing", _("Listing (挂牌)")


class ProcurementObject(models.TextChoices):
    """What government procurement buys; sets the minimum price weight (财政部令第87号 art. 55)."""

    GOODS = "goods", _("Goods (货物)")
    SERVICES = "services", _("Services (服务)")
    WORKS = "works", _("Works (工程)")


class EvaluationMethod(models.TextChoices):
    LOWEST_PRICE = "lowest_price", _("Lowest evaluated price (经评审的最低投标价法)")
    COMPREHENSIVE = "comprehensive", _("Comprehensive scoring (综合评估法)")


class BaseType(models.TextChoices):
    """What a section's base figure is; statistics read savings or premium from it."""

    BUDGET = "budget", _("Budget (预算)")
    PRICE_CAP = "price_cap", _("Price cap (招标控制价)")
    STARTING_PRICE = "starting_price", _("Starting/reserve price (起始价/底价)")
    VALUATION = "valuation", _("Valuation (评估价)")


class Status(models.TextChoices):
    """The lifecycle states; trading.lifecycle holds every allowed transition between them."""

    DRAFT = "draft", _("Draft")
    PUBLISHED = "published", _("Published (accepting bids)")
    DEADLINE_PASSED = "deadline_passed", _("Bid deadline passed")
    OPENING = "opening", _("Opening (开标)")
    EVALUATION = "evaluation", _("Evaluation (评标)")
    PUBLICITY = "publicity", _("Candidates publicised (公示)")
    READY_TO_AWARD = "ready_to_award", _("Publicity ended, ready to award")
    AWARDED = "awarded", _("Awarded (中标/成交)")
    CONTRACT_SIGNED = "contract_signed", _("Contract signed")
    ARCHIVED = "archived", _("Archived")
    FAILED = "failed", _("Failed (流标)")
    CANCELLED = "cancelled", _("Cancelled")
    SUSPENDED = "suspended", _("Suspended by a regulator")


class CancelReason(models.TextChoices):
    """Coded reasons for cancelling a project or failing a tender."""

    TOO_FEW_BIDS = "too_few_bids", _("Fewer valid bids than the law requires")
    ALL_BIDS_REJECTED = "all_bids_rejected", _("Every bid rejected in evaluation")
    DEMAND_CHANGED = "demand_changed", _("The tenderer's need changed or ended")
    FUNDING_WITHDRAWN = "funding_withdrawn", _("Funding withdrawn")
    UNLAWFUL_PROCEDURE = "unlawful_procedure", _("Procedure found unlawful by a regulator")
    FORCE_MAJEURE = "force_majeure", _("Force majeure")
    OTHER = "other", _("Other (explain in the note)")


class Project(models.Model):
    """A trading project (交易项目): one procedure, from registration to contract.

    ``deal_code`` is the unified deal code (统一交易标识码), assigned once when the
    project is created and never changed: ``RRRRRRCCYYYYNNNNNNNK`` =
    region code (6) + category code (2) + year of registration (4) + serial (7,
    the row id) + check digit (1, ISO 7064 MOD 11-10 over the first 19 digits).
    """

    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    category = models.CharField(_("category"), max_length=16, choices=Category.choices)
    deal_code = models.CharField(_("unified deal code"), max_length=24, unique=True, editable=False, null=True)
    tenderer = models.ForeignKey(
        "accounts.Organisation", verbose_name=_("tenderer"), on_delete=models.PROTECT, related_name="projects_owned"
    )
    agency = models.ForeignKey(
        "accounts.Organisation", verbose_name=_("agency"), on_delete=models.PROTECT, related_name="projects_run",
        null=True, blank=True,
    )
    region = models.CharField(_("region code"), max_length=6, help_text=_("Administrative division code, e.g. 310000"))
    procurement_method = models.CharField(_("procurement method"), max_length=16, choices=ProcurementMethod.choices)
    procurement_object = models.CharField(
        _("procurement object"), max_length=10, choices=ProcurementObject.choices, blank=True,
        help_text=_("Government procurement only: goods, services or works."),
    )
    evaluation_method = models.CharField(_("evaluation method"), max_length=16, choices=EvaluationMethod.choices)
    evaluation_criteria = models.JSONField(
        _("evaluation criteria"), default=list, blank=True,
        help_text=_('A list of {"name": ..., "weight": ..., "kind": "price"|"technical"|"business"}; '
                    "weights sum to 100 for comprehensive scoring."),
    )
    announcement_at = models.DateTimeField(_("announcement time"), null=True, blank=True)
    documents_start = models.DateTimeField(_("documents available from"), null=True, blank=True)
    documents_end = models.DateTimeField(_("documents available until"), null=True, blank=True)
    clarification_deadline = models.DateTimeField(_("clarification deadline"), null=True, blank=True)
    bid_deadline = models.DateTimeField(_("bid deadline (= opening time)"), null=True, blank=True)
    decryption_window_minutes = models.PositiveIntegerField(_("decryption window (minutes)"), default=30)
    objection_window_minutes = models.PositiveIntegerField(_("objection window (minutes)"), default=10)
    allow_backup_decryption = models.BooleanField(_("allow backup decryption by custodians"), default=False)
    key_files_allowed = models.BooleanField(
        _("key files allowed"), default=True,
        help_text=_("Bidders may sign with a bare key file; unticked, only a certificate from a CA the platform "
                    "accepts signs envelopes and opening-room sign-ins (docs/certificates.md)."))
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.DRAFT)
    suspended_from = models.CharField(_("state before suspension"), max_length=16, choices=Status.choices, blank=True)
    publicity_ends_at = models.DateTimeField(_("publicity ends at"), null=True, blank=True)
    end_reason = models.CharField(_("reason for failure or cancellation"), max_length=24,
                                  choices=CancelReason.choices, blank=True)
    imported = models.BooleanField(
        _("imported from earlier records"), default=False, db_default=False,
        help_text=_("A past deal brought in by the history import (stats), not run on this platform."),
    )
    retender_of = models.ForeignKey(
        "self", verbose_name=_("re-tender of"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="retenders",
    )
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("project")
        verbose_name_plural = _("projects")
        indexes = [
            models.Index(fields=["status", "bid_deadline"], name="project_status_deadline"),
            models.Index(fields=["status", "publicity_ends_at"], name="project_status_publicity"),
        ]

    def __str__(self) -> str:
        return f"{self.deal_code} {self.title}"

    def get_absolute_url(self) -> str:
        return reverse("trading:project", args=[self.pk])

    @property
    def host(self):
        """Who runs the procedure: the agency, or the tenderer itself when there is none."""
        return self.agency or self.tenderer


class Section(models.Model):
    """A section (标段/包): bid, opened, evaluated and awarded on its own."""

    project = models.ForeignKey(Project, verbose_name=_("project"), on_delete=models.CASCADE, related_name="sections")
    code = models.CharField(_("section code"), max_length=8)
    name = models.CharField(_("name"), max_length=200)
    base_amount = models.DecimalField(_("base amount (yuan)"), max_digits=16, decimal_places=2)
    base_type = models.CharField(_("base type"), max_length=16, choices=BaseType.choices)
    announced_items = models.JSONField(
        _("announced items"), default=list, blank=True,
        help_text=_("Items read out at the opening besides name and price (开标一览表), e.g. 工期, 质量, 项目经理."),
    )
    failed_at = models.DateTimeField(_("failed at"), null=True, blank=True)
    bond_amount = models.DecimalField(
        _("bid bond (yuan)"), max_digits=16, decimal_places=2, null=True, blank=True,
        help_text=_("投标保证金 each bidder pays into its virtual sub-account (or covers by an electronic guarantee) "
                    "before the bid deadline; at most two per cent of the base amount. Empty: no bond."),
    )

    class Meta:
        ordering = ["project", "code"]
        verbose_name = _("section")
        verbose_name_plural = _("sections")
        constraints = [
            models.UniqueConstraint(fields=["project", "code"], name="section_unique_code",
                                    violation_error_message=_("This project already has a section with this code.")),
            models.CheckConstraint(condition=models.Q(base_amount__gt=Decimal("0")), name="section_base_positive",
                                   violation_error_message=_("The base amount must be above 0 yuan.")),
        ]
        indexes = [
            # 流标 statistics read failed sections by date; few sections fail, so the index stays small.
            models.Index(fields=["failed_at"], name="section_failed_at", condition=models.Q(failed_at__isnull=False)),
        ]

    def __str__(self) -> str:
        return f"{self.full_code} {self.name}"

    @property
    def full_code(self) -> str:
        """The section code as published: deal code + section code."""
        return f"{self.project.deal_code}-{self.code}"


class ProjectTransition(models.Model):
    """One step of a project's lifecycle, kept forever next to the audit chain."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="transitions")
    from_status = models.CharField(max_length=16, choices=Status.choices)
    to_status = models.CharField(max_length=16, choices=Status.choices)
    reason_code = models.CharField(max_length=24, blank=True)
    note = models.TextField(blank=True)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    by_label = models.CharField(max_length=150)
    at = models.DateTimeField()

    class Meta:
        ordering = ["project", "at", "pk"]
        verbose_name = _("lifecycle step")
        verbose_name_plural = _("lifecycle steps")

    def __str__(self) -> str:
        return f"{self.project_id}: {self.from_status} → {self.to_status}"

    @property
    def by_name(self) -> str:
        """Who took the step as the history shows it: the person's name, or the platform for its own steps (at a
        deadline, after the opening room closed), whose recorded label is a log-in or "system"."""
        return str(self.by) if self.by_id else str(_("the platform"))

    @property
    def reason_label(self) -> str:
        known = self.reason_code in CancelReason.values
        return str(CancelReason(self.reason_code).label) if known else self.reason_code
