"""Reads of enforcement: the regulator's region, leads and cases with their filters, what is due, decisions."""

import datetime as dt
from dataclasses import dataclass

from django.db.models import Case as When_
from django.db.models import IntegerField, Q, QuerySet, Value, When
from django.utils import timezone

from accounts.models import Role
from core.regions import region_prefix
from core.workdays import today
from trading.models import Project, Status

from .. import conf
from ..models import Case, Lead, Measure


def region_of(user) -> str:
    """The region prefix a regulator supervises ("" = everything)."""
    if not conf.get("SUPERVISION_REGION_SCOPE") or user.organisation_id is None:
        return ""
    return region_prefix(user.organisation.region or "")


def in_region(*, user, region: str) -> bool:
    return (region or "").startswith(region_of(user))


def _scoped(qs: QuerySet, user, field: str = "region") -> QuerySet:
    prefix = region_of(user)
    return qs.filter(**{f"{field}__startswith": prefix}) if prefix else qs


SEVERITY_RANK = When_(When(severity="high", then=Value(0)), When(severity="medium", then=Value(1)),
                      default=Value(2), output_field=IntegerField())


@dataclass(frozen=True)
class LeadFilter:
    family: str = ""
    severity: str = ""
    code: str = ""
    state: str = Lead.State.NEW
    q: str = ""


def leads_for(*, user, flt: LeadFilter = LeadFilter()) -> QuerySet[Lead]:
    """Leads of the regulator's region, most severe first, newest first."""
    qs = _scoped(Lead.objects.all(), user).select_related("project", "section__project", "organisation")
    for name in ("family", "severity", "code", "state"):
        if getattr(flt, name):
            qs = qs.filter(**{name: getattr(flt, name)})
    if flt.q:
        qs = qs.filter(Q(project__title__icontains=flt.q) | Q(project__deal_code__icontains=flt.q)
                       | Q(organisations__name__icontains=flt.q)).distinct()
    return qs.annotate(rank=SEVERITY_RANK).order_by("rank", "-detected_at", "-pk")


def cases_for(*, user, state: str = "", q: str = "") -> QuerySet[Case]:
    """Cases of the regulator's region, open ones by deadline first."""
    qs = _scoped(Case.objects.all(), user).select_related("project")
    if state:
        qs = qs.filter(state=state)
    if q:
        qs = qs.filter(Q(number__icontains=q) | Q(title__icontains=q) | Q(project__deal_code__icontains=q))
    return qs.order_by("state", "due", "-pk")


def live_rooms(*, user) -> QuerySet[Project]:
    """Projects opening now (the rooms a regulator watches)."""
    return _scoped(Project.objects.filter(status=Status.OPENING), user).order_by("bid_deadline")


def decisions_public() -> QuerySet[Measure]:
    """Published decisions, newest first (the public sees these)."""
    return Measure.objects.filter(published_at__isnull=False).select_related(
        "case__project", "organisation", "person").order_by("-published_at", "-pk")


def decisions_of(*, user) -> QuerySet[Measure]:
    """The decisions addressed to the person or its organisation (parties see their own, published or not)."""
    if not user.is_authenticated:
        return Measure.objects.none()
    mine = Q(person=user)
    if user.organisation_id:
        mine |= Q(organisation_id=user.organisation_id)
    return Measure.objects.filter(mine).select_related("case__project").order_by("-issued_at")


def may_see_decision(*, user, measure: Measure) -> bool:
    if measure.published_at is not None:
        return True
    if not user.is_authenticated:
        return False
    if user.role == Role.REGULATOR:
        return in_region(user=user, region=measure.case.region)
    return measure.person_id == user.pk or (user.organisation_id is not None
                                            and measure.organisation_id == user.organisation_id)


@dataclass(frozen=True)
class DueItem:
    """One thing a regulator must do, with its deadline and the page where it is done."""

    kind: str  # "case", "fine", "lead", "suspension"
    title: str
    due: dt.date | None
    url: str
    overdue: bool


def regulator_due(*, user, limit: int = 50) -> list[DueItem]:
    """What is due for this regulator, by deadline: open cases, unpaid fines past or near their due day, new
    high-severity leads. For the role desks (工作台)."""
    from django.utils.translation import gettext as _

    day = today()
    items = [DueItem("case", _("Decide case %(n)s: %(t)s") % {"n": c.number, "t": c.title}, c.due,
                     f"/supervision/cases/{c.pk}/", c.due < day)
             for c in cases_for(user=user, state=Case.State.OPEN)[:limit]]
    fines = _scoped(Measure.objects.filter(kind=Measure.Kind.FINE, paid_on__isnull=True), user, "case__region")
    items += [DueItem("fine", _("Fine %(n)s not yet paid") % {"n": m.number}, m.payment_due,
                      f"/supervision/cases/{m.case_id}/", m.payment_due < day)
              for m in fines.order_by("payment_due")[:limit]]
    leads = leads_for(user=user, flt=LeadFilter(severity="high"))[:limit]
    items += [DueItem("lead", _("Review: %(t)s") % {"t": lead.project.title if lead.project_id else lead.code},
                      None, f"/supervision/leads/{lead.pk}/", False) for lead in leads]
    far = dt.date.max
    return sorted(items, key=lambda i: (i.due or far, i.kind))[:limit]


def case_is_overdue(case: Case) -> bool:
    return case.state == Case.State.OPEN and case.due < timezone.localdate()
