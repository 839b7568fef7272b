"""Reads of the trading domain: what pages, the API, the lifecycle and statistics ask."""

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.conf import settings
from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from accounts.models import Role

from .models import Award, BaseType, Bid, BidderKey, DocumentDownload, Project, Registration, Section, Status


def section_valid_bid_count(*, section: Section) -> int:
    """Valid bids of a section: submitted (before the opening) or opened. Fewer than 3 → 流标."""
    return Bid.objects.filter(section=section, state__in=Bid.VALID).count()


def project_valid_bid_counts(*, project: Project) -> dict[int, int]:
    rows = Bid.objects.filter(section__project=project, state__in=Bid.VALID).values("section").annotate(n=Count("pk"))
    return {row["section"]: row["n"] for row in rows}


def live_sections(*, project: Project) -> QuerySet[Section]:
    """Sections still in the procedure (not failed)."""
    return project.sections.filter(failed_at__isnull=True).order_by("code")


def is_party(*, user, project: Project) -> bool:
    """Whether ``user`` acts for the project's tenderer or agency."""
    return (
        user.is_authenticated and user.role in (Role.TENDERER, Role.AGENCY) and user.organisation_id is not None
        and user.organisation_id in (project.tenderer_id, project.agency_id)
    )


def projects_for(*, user) -> QuerySet[Project]:
    """Projects a person works on: its own (tenderer/agency), all (regulator, official, admin), joined (bidder)."""
    qs = Project.objects.select_related("tenderer", "agency")
    if user.role in (Role.TENDERER, Role.AGENCY):
        return qs.filter(Q(tenderer_id=user.organisation_id) | Q(agency_id=user.organisation_id))
    if user.role == Role.REGULATOR:
        return qs
    if user.role in (Role.OFFICIAL, Role.ADMIN):  # drafts are their parties' and the regulators' only
        return qs.exclude(status=Status.DRAFT)
    if user.role == Role.BIDDER:
        return qs.filter(sections__registrations__organisation_id=user.organisation_id).distinct()
    return qs.none()


def bidding_sealed(*, project: Project) -> bool:
    """Whether who takes part in ``project``, and how many, is still secret: until the bid deadline, by the server
    clock (EB 23/24, DOMAIN.md "Submission"). A project with no deadline yet is sealed."""
    return project.bid_deadline is None or timezone.now() < project.bid_deadline


def sealed_projects() -> QuerySet[Project]:
    """Every project whose bidders are still secret (see ``bidding_sealed``)."""
    return Project.objects.filter(Q(bid_deadline__isnull=True) | Q(bid_deadline__gt=timezone.now()))


def public_projects() -> QuerySet[Project]:
    """Projects anyone may see: every one past draft."""
    return Project.objects.exclude(status=Status.DRAFT).select_related("tenderer", "agency")


def registration_of(*, section: Section, organisation) -> Registration | None:
    if organisation is None:
        return None
    return Registration.objects.filter(section=section, organisation=organisation).first()


def participation_visible(*, user, project: Project) -> bool:
    """Whether ``user`` may learn who registered, downloaded the documents or bid for ``project``, or how many
    (DOMAIN.md "Submission", EB 23/24, ZB 22).

    Until the bid deadline: nobody — tenderer, agency, admin, official and other bidders alike (each bidder sees only
    its own); ``TRADING_PARTIES_SEE_DOWNLOADS`` is the EB 24 reading, letting the tenderer and its agency see it. The
    regulator looks before the deadline only through the audited supervision view. After the deadline: the parties,
    regulators and officials.
    """
    if not user.is_authenticated:
        return False
    if bidding_sealed(project=project):
        return bool(getattr(settings, "TRADING_PARTIES_SEE_DOWNLOADS", False)) and is_party(user=user, project=project)
    return is_party(user=user, project=project) or user.role in (Role.REGULATOR, Role.OFFICIAL)


def project_downloads(*, project: Project) -> QuerySet[DocumentDownload]:
    return DocumentDownload.objects.filter(document__project=project).select_related("organisation", "document", "user")


def project_downloader_count(*, project: Project) -> int:
    return project_downloads(project=project).exclude(organisation=None).values("organisation").distinct().count()


def bids_of(*, organisation, section: Section | None = None) -> QuerySet[Bid]:
    qs = Bid.objects.filter(organisation=organisation).select_related("section__project")
    return qs.filter(section=section) if section is not None else qs


def live_bid(*, section: Section, organisation) -> Bid | None:
    return Bid.objects.filter(section=section, organisation=organisation, state=Bid.State.SUBMITTED).first()


@dataclass(frozen=True)
class AwardFigures:
    """The statistical facts of one award, by the base type stored next to it.

    savings (节约资金) = base − award and savings rate (节资率) = savings / base, for a
    budget (预算) or price cap (招标控制价); premium (溢价) = deal − starting price and
    premium rate (溢价率) = premium / starting price, for a starting/reserve price
    (起始价/底价); value added (增值) = deal − valuation for a valuation (评估价).
    Figures that do not apply to the base type are None. Rates are fractions with 4 places.
    """

    base_type: str
    base_amount: Decimal
    amount: Decimal
    savings: Decimal | None
    savings_rate: Decimal | None
    premium: Decimal | None
    premium_rate: Decimal | None
    value_added: Decimal | None


def _rate(part: Decimal, whole: Decimal) -> Decimal:
    return (part / whole).quantize(Decimal("0.0001"), rounding=ROUND_HALF_UP)


def award_figures(*, award: Award) -> AwardFigures:
    base, amount = award.base_amount, award.amount
    savings = savings_rate = premium = premium_rate = value_added = None
    if award.base_type in (BaseType.BUDGET, BaseType.PRICE_CAP):
        savings = base - amount
        savings_rate = _rate(savings, base)
    elif award.base_type == BaseType.STARTING_PRICE:
        premium = amount - base
        premium_rate = _rate(premium, base)
    elif award.base_type == BaseType.VALUATION:
        value_added = amount - base
    return AwardFigures(award.base_type, base, amount, savings, savings_rate, premium, premium_rate, value_added)


def bidder_key_current(*, user) -> BidderKey | None:
    """The person's registered public key in force (None if it has none)."""
    if user is None or not getattr(user, "is_authenticated", False):
        return None
    return BidderKey.objects.filter(user=user, revoked_at__isnull=True).first()


def signs_with_tool(*, user) -> bool:
    """Whether the person's registered key is SM2 (an SM2 certificate's): a browser cannot sign with it (WebCrypto has
    no SM2), so the person signs in and bids with the bidder tool (docs/certificates.md)."""
    key = bidder_key_current(user=user)
    return key is not None and key.suite == "gm"
