"""Who may be drawn for a request, and why the others may not: one set-based query per group.

Every rule is an EXISTS (or a comparison) evaluated by the database over the
candidates that match a group's specialty and regions, so the cost grows with the
candidates, not with the rules run one expert at a time. The query returns each
candidate with the reasons that exclude it; the eligible are those with none.
"""

import datetime as dt
from dataclasses import dataclass

from dateutil.relativedelta import relativedelta
from django.db.models import BooleanField, Count, Exists, ExpressionWrapper, IntegerField, OuterRef, Q, Subquery, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from .. import conf
from ..models import DrawRequest, Exclusion, Expert, Leave, Relation, Seat
from .credit_tables import blacklisted_people

R = Exclusion.Reason
# The order in which reasons are reported; the first is the one recorded as ``reason``.
REASON_ORDER = [r.value for r in R]
TIE_KINDS = [Relation.Kind.EMPLOYMENT, Relation.Kind.DIRECTOR, Relation.Kind.SHAREHOLDER]
TIE_YEARS = 3


@dataclass(frozen=True)
class Parties:
    """The organisations an expert must have no tie with, with their names and credit codes."""

    tenderer_ids: frozenset[int]
    agency_ids: frozenset[int]
    bidder_ids: frozenset[int]
    regulator_ids: frozenset[int]
    names: dict[str, frozenset[str]]
    codes: frozenset[str]

    @property
    def all_ids(self) -> frozenset[int]:
        return self.tenderer_ids | self.agency_ids | self.bidder_ids | self.regulator_ids

    @classmethod
    def of(cls, request: DrawRequest) -> "Parties":
        tenderers = [request.tenderer]
        agencies = [request.agency] if request.agency_id else []
        regulators = [request.regulator] if request.regulator_id else []
        bidders = list(request.bidders.all())
        everyone = tenderers + agencies + regulators + bidders
        return cls(
            tenderer_ids=frozenset(o.pk for o in tenderers),
            agency_ids=frozenset(o.pk for o in agencies),
            bidder_ids=frozenset(o.pk for o in bidders),
            regulator_ids=frozenset(o.pk for o in regulators),
            names={
                "tenderer": frozenset(o.name for o in tenderers),
                "agency": frozenset(o.name for o in agencies),
                "bidder": frozenset(o.name for o in bidders),
                "regulator": frozenset(o.name for o in regulators),
            },
            codes=frozenset(o.credit_code for o in everyone),
        )


def _works_for(ids: frozenset[int], names: frozenset[str]) -> ExpressionWrapper:
    # An employer not registered on the platform is matched by its exact name.
    condition = Q(employer_id__in=list(ids)) | Q(employer__isnull=True, employer_name__in=list(names))
    if not ids and not names:
        condition = Q(pk__in=[])
    return ExpressionWrapper(condition, output_field=BooleanField())


def specialty_candidates(*, code: str, regions: list[str]):
    """Experts whose primary or a secondary specialty is ``code`` or below it, in ``regions``."""
    secondary = Expert.secondary_specialties.through.objects.filter(
        expert_id=OuterRef("pk"), specialty__code__startswith=code
    )
    return Expert.objects.filter(region__in=regions).filter(
        Q(primary_specialty__code__startswith=code) | Exists(secondary)
    )


def annotate_reasons(queryset, *, request: DrawRequest, parties: Parties):
    """Annotate each expert with one boolean per exclusion rule (``x_<reason>``)."""
    start, end = request.evaluation_starts_at, request.evaluation_ends_at
    on_day = timezone.localtime(start).date()
    limit, months = conf.get("EXPERT_DRAW_MAX_SAME_TENDERER")
    party_relation = Q(organisation_id__in=list(parties.all_ids)) | Q(credit_code__in=list(parties.codes))
    relations = Relation.objects.filter(party_relation, expert_id=OuterRef("pk"))
    tie_since: dt.date = on_day - relativedelta(years=TIE_YEARS)
    served = (
        Seat.objects.filter(
            expert_id=OuterRef("pk"), role=Seat.Role.MEMBER, state=Seat.State.CONFIRMED,
            request__tenderer_id__in=list(parties.tenderer_ids),
            request__evaluation_starts_at__gte=start - relativedelta(months=months),
            request__evaluation_starts_at__lt=start,
        )
        .exclude(request_id=request.pk)
        .values("expert_id").annotate(n=Count("id")).values("n")
    )
    return queryset.annotate(
        **{
            f"x_{R.EMPLOYER_TENDERER}": _works_for(parties.tenderer_ids, parties.names["tenderer"]),
            f"x_{R.EMPLOYER_AGENCY}": _works_for(parties.agency_ids, parties.names["agency"]),
            f"x_{R.EMPLOYER_BIDDER}": _works_for(parties.bidder_ids, parties.names["bidder"]),
            f"x_{R.REGULATOR_STAFF}": _works_for(parties.regulator_ids, parties.names["regulator"]),
            f"x_{R.RELATIVE}": Exists(relations.filter(kind=Relation.Kind.RELATIVE)),
            f"x_{R.ECONOMIC_TIE}": Exists(relations.filter(kind__in=TIE_KINDS).filter(
                Q(ends_on__isnull=True) | Q(ends_on__gte=tie_since))),
            f"x_{R.SUSPENDED}": ExpressionWrapper(Q(status=Expert.Status.SUSPENDED), output_field=BooleanField()),
            f"x_{R.RETIRED}": ExpressionWrapper(Q(status=Expert.Status.RETIRED), output_field=BooleanField()),
            f"x_{R.BLACKLISTED}": Exists(blacklisted_people(on=on_day).filter(person_id=OuterRef("user_id"))),
            f"x_{R.ON_LEAVE}": Exists(Leave.objects.filter(expert_id=OuterRef("pk"), starts_at__lt=end,
                                                           ends_at__gt=start)),
            f"x_{R.BUSY}": Exists(
                Seat.objects.filter(
                    expert_id=OuterRef("pk"), role=Seat.Role.MEMBER,
                    state__in=[Seat.State.NOTIFIED, Seat.State.CONFIRMED],
                    request__evaluation_starts_at__lt=end, request__evaluation_ends_at__gt=start,
                ).exclude(request_id=request.pk)
            ),
            "served_tenderer": Coalesce(Subquery(served, output_field=IntegerField()), Value(0)),
        }
    ).annotate(**{f"x_{R.SAME_TENDERER}": ExpressionWrapper(Q(served_tenderer__gte=limit),
                                                              output_field=BooleanField())})


@dataclass(frozen=True)
class GroupScreening:
    specialty: str
    eligible: list[int]
    excluded: dict[int, list[str]]


def screen_group(*, request: DrawRequest, parties: Parties, code: str) -> GroupScreening:
    """Return the eligible expert ids (ascending) and the excluded ones with their reasons, for one group."""
    columns = [f"x_{reason}" for reason in REASON_ORDER]
    rows = (
        annotate_reasons(specialty_candidates(code=code, regions=list(request.regions)),
                         request=request, parties=parties)
        .order_by("pk").values_list("pk", *columns)
    )
    eligible, excluded = [], {}
    for pk, *flags in rows:
        reasons = [reason for reason, flag in zip(REASON_ORDER, flags, strict=True) if flag]
        if reasons:
            excluded[pk] = reasons
        else:
            eligible.append(pk)
    return GroupScreening(specialty=code, eligible=eligible, excluded=excluded)


def expert_reasons(*, request: DrawRequest, expert: Expert) -> list[str]:
    """The reasons that exclude one expert from ``request`` now (used before calling a reserve)."""
    row = (
        annotate_reasons(Expert.objects.filter(pk=expert.pk), request=request, parties=Parties.of(request))
        .values_list(*[f"x_{reason}" for reason in REASON_ORDER]).get()
    )
    return [reason for reason, flag in zip(REASON_ORDER, row, strict=True) if flag]


__all__ = ["GroupScreening", "Parties", "annotate_reasons", "expert_reasons", "screen_group",
           "specialty_candidates"]
