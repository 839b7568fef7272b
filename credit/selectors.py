"""What other apps and the pages ask of credit. Credit never imports trading.

Trading, the bidding room and the expert pool call only ``organisation_refusal``,
``person_refusal`` (joint punishment, 联合惩戒) and ``grade_warning``.
"""

import datetime as dt
import itertools
from dataclasses import dataclass

from django.conf import settings
from django.db import connection
from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from accounts.models import Organisation, Role
from core.workdays import today

from . import scoring
from .models import (
    Appeal,
    Behaviour,
    BehaviourVersion,
    BlacklistEntry,
    CreditEvent,
    Decision,
    RedlistEntry,
    RepairApplication,
)

# Roles whose person acts for its organisation's credit record.
ORGANISATION_ROLES = frozenset({Role.BIDDER, Role.AGENCY, Role.TENDERER})


@dataclass(frozen=True)
class Refusal:
    """Why a subject is refused, in words to show the subject, with the legal basis."""

    reason: str
    legal_basis: str
    until: dt.date

    @property
    def message(self) -> str:
        return _("Refused under joint punishment (联合惩戒): %(reason)s (%(basis)s), restricted until %(until)s.") % {
            "reason": self.reason, "basis": self.legal_basis, "until": self.until.isoformat(),
        }


def _subject_q(*, organisation=None, person=None) -> Q:
    if (organisation is None) == (person is None):
        raise ValueError("name exactly one subject")
    return Q(organisation=organisation) if organisation is not None else Q(person=person)


def in_force_q(on: dt.date) -> Q:
    """Black-list entries restricting on ``on``."""
    return Q(starts_on__lte=on, ends_on__gte=on) & (Q(lifted_on__isnull=True) | Q(lifted_on__gt=on))


def public_q(on: dt.date) -> Q:
    """Black-list entries published on ``on`` (6 months or the restriction period if longer)."""
    return Q(starts_on__lte=on, public_until__gte=on) & (Q(lifted_on__isnull=True) | Q(lifted_on__gt=on))


def counting_q(on: dt.date) -> Q:
    """Credit events that count on ``on``: recorded by then and not corrected by then."""
    return Q(counts_from__lte=on, occurred_on__lte=on) & (Q(counts_until__isnull=True) | Q(counts_until__gt=on))


def _refusal(entries) -> Refusal | None:
    entry = entries.order_by("-ends_on").first()
    if entry is None:
        return None
    return Refusal(reason=entry.reason, legal_basis=entry.legal_basis, until=entry.ends_on)


def organisation_refusal(*, organisation, on: dt.date | None = None) -> Refusal | None:
    """Return why ``organisation`` may not register or bid on ``on`` (default: today), or None."""
    on = on or today()
    return _refusal(BlacklistEntry.objects.filter(in_force_q(on), organisation=organisation))


def person_refusal(*, person, on: dt.date | None = None) -> Refusal | None:
    """Return why ``person`` (an expert) may not be drawn on ``on`` (default: today), or None."""
    on = on or today()
    return _refusal(BlacklistEntry.objects.filter(in_force_q(on), person=person))


# --- scores -------------------------------------------------------------------------------


def grade_thresholds() -> list[tuple[str, int]]:
    """The configured grades, best first: [(grade, minimum score), ...]; the last takes the rest."""
    return [(str(grade), int(minimum)) for grade, minimum in settings.CREDIT_GRADE_THRESHOLDS]


def deductions(*, organisation=None, person=None, on: dt.date) -> list[scoring.Deduction]:
    rows = CreditEvent.objects.filter(counting_q(on), _subject_q(organisation=organisation, person=person),
                                      points__gt=0).values_list("occurred_on", "points")
    return [scoring.Deduction(occurred_on=day, points=points) for day, points in rows]


def subject_standing(*, organisation=None, person=None, on: dt.date | None = None) -> scoring.Standing:
    """Score and grade of one subject as of ``on`` (default today), as known on that day."""
    on = on or today()
    return scoring.standing_on(deductions(organisation=organisation, person=person, on=on), on, grade_thresholds())


_CYCLES_SQL = """
WITH ev AS (
    SELECT {column} AS subject_id, occurred_on, points, id
    FROM {table}
    WHERE {column} IS NOT NULL AND points > 0 AND occurred_on <= %(on)s AND counts_from <= %(on)s
      AND (counts_until IS NULL OR counts_until > %(on)s)
), flagged AS (
    SELECT subject_id, occurred_on, points, id,
           CASE WHEN occurred_on < (lag(occurred_on) OVER w + make_interval(months => %(months)s))::date
                THEN 0 ELSE 1 END AS starts_cycle
    FROM ev WINDOW w AS (PARTITION BY subject_id ORDER BY occurred_on, id)
), numbered AS (
    SELECT subject_id, occurred_on, points,
           sum(starts_cycle) OVER (PARTITION BY subject_id ORDER BY occurred_on, id) AS cycle_no
    FROM flagged
), cycles AS (
    SELECT subject_id, cycle_no, min(occurred_on) AS cycle_start, max(occurred_on) AS last_day,
           sum(points) AS points, max(cycle_no) OVER (PARTITION BY subject_id) AS last_no
    FROM numbered GROUP BY subject_id, cycle_no
)
SELECT subject_id, cycle_start, (last_day + make_interval(months => %(months)s))::date AS restores_on,
       greatest(0, %(full)s - points) AS score, {grade} AS grade
FROM cycles
WHERE cycle_no = last_no AND %(on)s < (last_day + make_interval(months => %(months)s))::date
"""


def _grade_case(score_sql: str) -> tuple[str, dict]:
    thresholds = grade_thresholds()
    parts, params = [], {}
    for n, (grade, minimum) in enumerate(thresholds[:-1]):
        parts.append(f"WHEN {score_sql} >= %(min{n})s THEN %(grade{n})s")
        params[f"min{n}"], params[f"grade{n}"] = minimum, grade
    params["grade_last"] = thresholds[-1][0]
    return "CASE " + " ".join(parts) + " ELSE %(grade_last)s END", params


def scores_below_full(*, on: dt.date, kind: str = "organisation") -> dict[int, tuple[int, str]]:
    """Score and grade as of ``on`` of every subject of ``kind`` ("organisation" or "person")
    whose score is not 100, in one set-based query: {subject id: (score, grade)}.

    Every subject missing from the answer has 100 and the top grade. On PostgreSQL one
    query with window functions does it; elsewhere one streaming pass over the events.
    """
    column = {"organisation": "organisation_id", "person": "person_id"}[kind]
    if connection.vendor == "postgresql":
        grade_sql, params = _grade_case("greatest(0, %(full)s - points)")
        sql = _CYCLES_SQL.format(column=column, table=CreditEvent._meta.db_table, grade=grade_sql)
        params.update(on=on, months=scoring.CYCLE_MONTHS, full=scoring.FULL_SCORE)
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            return {row[0]: (row[3], row[4]) for row in cursor.fetchall()}
    return scores_below_full_streaming(on=on, kind=kind)


def scores_below_full_streaming(*, on: dt.date, kind: str = "organisation") -> dict[int, tuple[int, str]]:
    """The same answer as ``scores_below_full`` from one ordered pass over the events."""
    column = {"organisation": "organisation_id", "person": "person_id"}[kind]
    thresholds = grade_thresholds()
    rows = (CreditEvent.objects.filter(counting_q(on), points__gt=0, **{f"{column}__isnull": False})
            .order_by(column, "occurred_on").values_list(column, "occurred_on", "points").iterator(chunk_size=20000))
    answer = {}
    for subject_id, group in itertools.groupby(rows, key=lambda row: row[0]):
        score = scoring.score_on([scoring.Deduction(day, points) for _id, day, points in group], on)
        if score < scoring.FULL_SCORE:
            answer[subject_id] = (score, scoring.grade_for(score, thresholds))
    return answer


def grade_warning(*, organisation, on: dt.date | None = None) -> str | None:
    """Return a warning for the tenderer when ``organisation``'s grade is one of
    settings.CREDIT_GRADE_WARNINGS on ``on`` (default today), else None."""
    standing = subject_standing(organisation=organisation, on=on)
    if standing.grade not in settings.CREDIT_GRADE_WARNINGS:
        return None
    return _("%(name)s has credit grade %(grade)s (score %(score)s on %(on)s). "
             "Check its credit record before relying on it.") % {
        "name": organisation.name, "grade": standing.grade, "score": standing.score, "on": standing.on.isoformat(),
    }


# --- lists and records ------------------------------------------------------------------------


def _search(queryset: QuerySet, q: str) -> QuerySet:
    q = (q or "").strip()
    if not q:
        return queryset
    return queryset.filter(
        Q(organisation__name__icontains=q) | Q(organisation__credit_code__iexact=q)
        | Q(person__display_name__icontains=q)
    )


def blacklist_public(*, on: dt.date | None = None, q: str = "") -> QuerySet:
    """Black-list entries public on ``on``: search by name or unified social credit code."""
    on = on or today()
    return _search(BlacklistEntry.objects.filter(public_q(on)), q).select_related("organisation", "person", "event")


def blacklist_in_force(*, on: dt.date | None = None) -> QuerySet:
    """Entries restricting on ``on``: the joint-punishment feed."""
    on = on or today()
    return BlacklistEntry.objects.filter(in_force_q(on)).select_related("organisation", "person").order_by("id")


def redlist_current(*, on: dt.date | None = None, q: str = "") -> QuerySet:
    on = on or today()
    current = Q(starts_on__lte=on, ends_on__gte=on) & (Q(lifted_on__isnull=True) | Q(lifted_on__gt=on))
    return _search(RedlistEntry.objects.filter(current), q).select_related("organisation", "person")


def catalogue_current(*, active_only: bool = False) -> list[BehaviourVersion]:
    """The newest version of every behaviour (the catalogue is small: one pass in Python)."""
    latest = {}
    for version in BehaviourVersion.objects.select_related("behaviour").order_by("behaviour__code", "version"):
        latest[version.behaviour.code] = version
    return [v for v in latest.values() if v.active or not active_only]


def behaviour_current(*, code: str) -> BehaviourVersion | None:
    versions = BehaviourVersion.objects.filter(behaviour__code=code).select_related("behaviour")
    return versions.order_by("-version").first()


def subject_record(*, organisation=None, person=None) -> dict:
    """Everything the subject's credit page shows."""
    subject = _subject_q(organisation=organisation, person=person)
    events = (CreditEvent.objects.filter(subject).select_related("behaviour_version__behaviour", "replaces")
              .prefetch_related("appeals", "documents"))
    return {
        "events": events,
        "blacklist": BlacklistEntry.objects.filter(subject).prefetch_related("repairs"),
        "redlist": RedlistEntry.objects.filter(subject),
        "appeals": Appeal.objects.filter(event__in=CreditEvent.objects.filter(subject)).select_related("event"),
        "repairs": RepairApplication.objects.filter(entry__in=BlacklistEntry.objects.filter(subject)),
    }


def subjects_of(user) -> dict:
    """The credit subjects ``user`` answers for: its organisation (bidder, agency, tenderer) and itself."""
    organisation = user.organisation if user.role in ORGANISATION_ROLES else None
    return {"organisation": organisation, "person": user}


def is_subject_of(user, obj) -> bool:
    """Whether ``user`` answers for ``obj`` (an event, an entry, an appeal or a repair application)."""
    if isinstance(obj, Appeal):
        obj = obj.event
    if isinstance(obj, RepairApplication):
        obj = obj.entry
    if obj.person_id is not None:
        return obj.person_id == user.pk
    return user.role in ORGANISATION_ROLES and user.organisation_id == obj.organisation_id


def pending_appeals() -> QuerySet:
    return Appeal.objects.filter(status=Decision.PENDING).select_related("event__organisation", "event__person",
                                                                         "event__behaviour_version")


def pending_repairs() -> QuerySet:
    return RepairApplication.objects.filter(status=Decision.PENDING).select_related("entry__organisation",
                                                                                    "entry__person")


def organisation_by_code(*, credit_code: str) -> Organisation | None:
    return Organisation.objects.filter(credit_code=(credit_code or "").strip().upper()).first()


def behaviours() -> QuerySet:
    return Behaviour.objects.prefetch_related("versions")
