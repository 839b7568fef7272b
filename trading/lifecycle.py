"""The project lifecycle: every allowed transition, who may trigger it, and its guard. Nothing else moves a project.

::

    draft ─▶ published ─▶ deadline_passed ─▶ opening ─▶ evaluation ─▶ publicity ─▶ ready_to_award
                                 │               │            │                                 │
                                 ▼               ▼            ▼                                 ▼
                               failed ◀──────────┴────────────┘        archived ◀─ contract_signed ◀─ awarded
                                 │ (re-tender: a new linked draft, see services.projects.project_retender)
                                 ▼
                              archived
    any active state ─▶ cancelled (coded reason) ─▶ archived
    any active state ─▶ suspended (regulator) ─▶ back to the state it was in (regulator lifts)

``TRANSITIONS`` is the table. ``project_transition`` refuses anything not in it,
or whose guard fails, with a message that says why, and leaves the project as
it was. Time-driven steps (deadline, end of publicity) are taken by
``project_advance_due``, which the Celery tasks in ``trading.tasks`` call.
"""

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.models import Role
from audit.context import current_actor
from audit.services import audit_record
from core.effects import task_on_commit
from core.workdays import add_working_days, end_of_day, today

from . import selectors
from .bonds import bonds_after_award_notice, bonds_after_failure
from .models import CancelReason, Project, ProjectTransition, Status
from .services.notices import announcement_publish, announcement_reindex_project

# Who may trigger a transition.
SYSTEM = "system"  # the platform itself: Celery tasks, the opening room
OWNER = "owner"  # a tenderer or agency person of the project's tenderer or agency
HOST = "host"  # a person of the organisation running the procedure (the agency, else the tenderer)
REGULATOR = "regulator"  # a person acting as regulator

TRIGGER_LABELS = {
    SYSTEM: gettext_lazy("the platform (automatically)"),
    OWNER: gettext_lazy("the tenderer or its agency"),
    HOST: gettext_lazy("the host of the procedure (the agency)"),
    REGULATOR: gettext_lazy("a regulator"),
}

Guard = Callable[[Project, dt.datetime], str | None]

# States a project can still be cancelled or suspended in.
ACTIVE = (
    Status.DRAFT, Status.PUBLISHED, Status.DEADLINE_PASSED, Status.OPENING, Status.EVALUATION,
    Status.PUBLICITY, Status.READY_TO_AWARD, Status.AWARDED,
)


def min_valid_bids() -> int:
    return getattr(settings, "TRADING_MIN_VALID_BIDS", 3)


# Guards: return None when the step may be taken, else why not (and what to do).

def publish_problems(*, project: Project, now: dt.datetime) -> list[str]:
    """What keeps a draft from being published (empty when nothing does): the project page lists them at its
    publish button, and the transition refuses with them."""
    from .services.custody import custody_problems
    from .services.projects import project_publish_problems

    return project_publish_problems(project=project, now=now) + custody_problems(project=project)


def _ready_to_publish(project: Project, now: dt.datetime) -> str | None:
    return " ".join(publish_problems(project=project, now=now)) or None


def _deadline_passed(project: Project, now: dt.datetime) -> str | None:
    if project.bid_deadline is None or now < project.bid_deadline:
        return _("The bid deadline has not passed yet.")
    return None


def _too_few_bids(project: Project, now: dt.datetime) -> str | None:
    if any(selectors.section_valid_bid_count(section=s) >= min_valid_bids() for s in project.sections.all()):
        return _("At least one section has enough valid bids to open.")
    return None


def _enough_bids(project: Project, now: dt.datetime) -> str | None:
    if not any(selectors.section_valid_bid_count(section=s) >= min_valid_bids() for s in project.sections.all()):
        return _("No section has the %(n)d valid bids needed to open; the tender fails.") % {"n": min_valid_bids()}
    return None


def _candidates_entered(project: Project, now: dt.datetime) -> str | None:
    missing = [s.code for s in selectors.live_sections(project=project) if not s.candidates.exists()]
    if missing:
        return _("Enter the candidates of section(s) %(codes)s before publicising them.") % {
            "codes": ", ".join(missing)}
    return None


def _publicity_over(project: Project, now: dt.datetime) -> str | None:
    if project.publicity_ends_at is None or now < project.publicity_ends_at:
        return _("The candidate publicity has not ended yet.")
    for hold in _AWARD_HOLDS:
        reason = hold(project)
        if reason:
            return reason
    return None


_AWARD_HOLDS: list[Callable[[Project], str | None]] = []


def award_hold_register(hold: Callable[[Project], str | None]) -> None:
    """Register a check that may hold a project at the end of its publicity (e.g. an unanswered objection, TL 54).

    ``hold(project)`` returns why the award must wait, or None. Apps above trading (supervision) register theirs in
    ``AppConfig.ready()``, so trading never imports them.
    """
    if hold not in _AWARD_HOLDS:
        _AWARD_HOLDS.append(hold)


def _no_live_award(project: Project, now: dt.datetime) -> str | None:
    if any(hasattr(s, "award") for s in selectors.live_sections(project=project)):
        return _("Some section still has a live award; a project fails here only after every winner refused.")
    return None


def _awards_entered(project: Project, now: dt.datetime) -> str | None:
    missing = [s.code for s in selectors.live_sections(project=project) if not hasattr(s, "award")]
    if missing:
        return _("Enter the award of section(s) %(codes)s first.") % {"codes": ", ".join(missing)}
    return None


def _contracts_entered(project: Project, now: dt.datetime) -> str | None:
    missing = [s.code for s in selectors.live_sections(project=project)
               if not hasattr(s, "award") or not hasattr(s.award, "contract")]
    if missing:
        return _("Record the contract of section(s) %(codes)s first.") % {"codes": ", ".join(missing)}
    return None


@dataclass(frozen=True)
class Transition:
    source: str
    target: str
    by: frozenset[str]
    guard: Guard | None = None
    needs_reason: bool = False  # a coded reason (CancelReason) is required
    needs_note: bool = False  # a written note is required


def _t(source, target, *by, guard=None, needs_reason=False, needs_note=False) -> Transition:
    return Transition(source, target, frozenset(by), guard, needs_reason, needs_note)


TRANSITIONS: list[Transition] = [
    _t(Status.DRAFT, Status.PUBLISHED, OWNER, guard=_ready_to_publish),
    _t(Status.PUBLISHED, Status.DEADLINE_PASSED, SYSTEM, guard=_deadline_passed),
    _t(Status.DEADLINE_PASSED, Status.FAILED, SYSTEM, guard=_too_few_bids),
    _t(Status.DEADLINE_PASSED, Status.OPENING, SYSTEM, guard=_enough_bids),
    _t(Status.OPENING, Status.EVALUATION, HOST, SYSTEM),
    _t(Status.OPENING, Status.FAILED, HOST, SYSTEM, needs_reason=True),
    _t(Status.EVALUATION, Status.PUBLICITY, OWNER, SYSTEM, guard=_candidates_entered),
    _t(Status.EVALUATION, Status.FAILED, OWNER, SYSTEM, needs_reason=True),
    _t(Status.PUBLICITY, Status.READY_TO_AWARD, SYSTEM, guard=_publicity_over),
    _t(Status.READY_TO_AWARD, Status.AWARDED, OWNER, guard=_awards_entered),
    _t(Status.AWARDED, Status.CONTRACT_SIGNED, OWNER, guard=_contracts_entered),
    # Every winner refused and the tenderer tenders again (TL 55; services.refusals).
    _t(Status.READY_TO_AWARD, Status.FAILED, OWNER, guard=_no_live_award, needs_reason=True),
    _t(Status.AWARDED, Status.FAILED, OWNER, guard=_no_live_award, needs_reason=True),
    _t(Status.CONTRACT_SIGNED, Status.ARCHIVED, OWNER, SYSTEM),
    _t(Status.FAILED, Status.ARCHIVED, OWNER, SYSTEM),
    _t(Status.CANCELLED, Status.ARCHIVED, OWNER, SYSTEM),
    *[_t(s, Status.CANCELLED, OWNER, needs_reason=True) for s in ACTIVE],
    *[_t(s, Status.SUSPENDED, REGULATOR, needs_note=True) for s in ACTIVE],
]
# Lifting a suspension returns to the remembered state: any SUSPENDED → x where x == suspended_from.
LIFT = _t(Status.SUSPENDED, "*", REGULATOR, needs_note=True)

_TABLE: dict[tuple[str, str], Transition] = {(t.source, t.target): t for t in TRANSITIONS}


def find_transition(*, project: Project, to: str) -> Transition | None:
    if project.status == Status.SUSPENDED:
        return LIFT if to == project.suspended_from else None
    return _TABLE.get((project.status, to))


def allowed_targets(*, project: Project) -> list[str]:
    """The states the project may move to next (before guards and permissions)."""
    if project.status == Status.SUSPENDED:
        return [project.suspended_from]
    return [t.target for t in TRANSITIONS if t.source == project.status]


def _triggers(user, project: Project) -> set[str]:
    if user is None:
        return {SYSTEM}
    found = set()
    org_id = user.organisation_id
    if user.role in (Role.TENDERER, Role.AGENCY) and org_id and org_id in (project.tenderer_id, project.agency_id):
        found.add(OWNER)
        if org_id == project.host.pk:
            found.add(HOST)
    if user.role == Role.REGULATOR:
        found.add(REGULATOR)
    return found


def can_trigger(*, user, project: Project, to: str) -> bool:
    rule = find_transition(project=project, to=to)
    return rule is not None and bool(rule.by & _triggers(user, project))


@transaction.atomic
def project_transition(*, project: Project, to: str, user=None, reason_code: str | None = None,
                       note: str = "") -> Project:
    """Move ``project`` to ``to`` if the table allows it for ``user`` (None: the platform) and its guard passes.

    Raises ValidationError (not allowed now) or PermissionDenied (not this
    person); in both cases nothing changes. Updates ``project`` in place.
    """
    locked = Project.objects.select_for_update(no_key=True).get(pk=project.pk)
    now = timezone.now()
    if user is not None and not _triggers(user, locked):
        raise PermissionDenied(_("Only the tenderer, its agency or a regulator may move this project."))
    rule = find_transition(project=locked, to=to)
    current = Status(locked.status).label
    if rule is None:
        if locked.status == Status.SUSPENDED:
            message = _("The project is suspended by a regulator; nothing can happen until the suspension is lifted.")
        else:
            target = Status(to).label if to in Status.values else to
            message = _("A project that is “%(current)s” cannot become “%(target)s”. Next steps allowed: %(next)s.") % {
                "current": current, "target": target,
                "next": ", ".join(str(Status(s).label) for s in allowed_targets(project=locked)) or _("none"),
            }
        raise ValidationError({"status": message}, code="transition_refused")
    if not rule.by & _triggers(user, locked):
        raise PermissionDenied(
            _("Only %(who)s may move a project from “%(current)s” to “%(target)s”.") % {
                "who": _(" or ").join(str(TRIGGER_LABELS[b]) for b in sorted(rule.by)),
                "current": current, "target": Status(to).label,
            }
        )
    if rule.needs_reason and reason_code not in CancelReason.values:
        raise ValidationError({"reason_code": _("Choose a reason from the list: %(codes)s.") % {
            "codes": ", ".join(CancelReason.values)}}, code="reason_required")
    if rule.needs_note and not note.strip():
        raise ValidationError({"note": _("Write down the grounds for this step; it is published and recorded.")},
                              code="note_required")
    if rule.guard is not None:
        problem = rule.guard(locked, now)
        if problem:
            raise ValidationError({"status": problem}, code="guard_failed")
    _enter(locked, to=to, now=now, reason_code=reason_code or "", note=note)
    ProjectTransition.objects.create(
        project=locked, from_status=rule.source if rule is not LIFT else Status.SUSPENDED, to_status=to,
        reason_code=reason_code or "", note=note, by=user, by_label=str(user) if user else current_actor().name, at=now,
    )
    audit_record(action="trading.project.transition", obj=locked, payload={
        "deal_code": locked.deal_code, "from": rule.source if rule is not LIFT else Status.SUSPENDED, "to": to,
        "reason_code": reason_code or "", "note": note,
    })
    announcement_reindex_project(project=locked)
    project.refresh_from_db()
    return project


def _enter(project: Project, *, to: str, now: dt.datetime, reason_code: str, note: str) -> None:
    """Save the new state with what comes with it (notices, timers)."""
    previous = project.status
    project.status = to
    if to == Status.SUSPENDED:
        project.suspended_from = previous
    elif previous == Status.SUSPENDED:
        project.suspended_from = ""
    if to in (Status.FAILED, Status.CANCELLED):
        project.end_reason = reason_code
    if to == Status.PUBLISHED and previous == Status.DRAFT:
        project.announcement_at = now
    if to == Status.PUBLICITY:
        days = getattr(settings, "TRADING_PUBLICITY_WORKING_DAYS", 3)
        project.publicity_ends_at = end_of_day(add_working_days(today(), days))
    project.save()

    if to == Status.PUBLISHED and previous == Status.DRAFT:
        from .services.custody import opening_key_create

        opening_key_create(project=project)  # bidders seal to it; its private half exists only as shares
        announcement_publish(project=project, kind="tender", title=project.title, body=_tender_body(project))
    if to == Status.FAILED:
        _fail_sections(project, now)
        announcement_publish(project=project, kind="failure", title=_("%(title)s: failed tender notice") % {
            "title": project.title}, body=_("The tender failed (流标): %(reason)s. %(note)s") % {
            "reason": CancelReason(reason_code).label if reason_code else "", "note": note})
    if to == Status.OPENING:
        _fail_sections(project, now)
    if to == Status.CANCELLED:
        announcement_publish(project=project, kind="cancellation", title=_("%(title)s: cancellation notice") % {
            "title": project.title}, body=_("The procedure is cancelled: %(reason)s. %(note)s") % {
            "reason": CancelReason(reason_code).label, "note": note})
    if to == Status.SUSPENDED:
        announcement_publish(project=project, kind="suspension", title=_("%(title)s: suspension notice") % {
            "title": project.title}, body=note)
    if to == Status.PUBLICITY:
        announcement_publish(project=project, kind="candidates", title=_("%(title)s: candidate publicity") % {
            "title": project.title}, body=_candidates_body(project), publicity_ends_at=project.publicity_ends_at)
    if to == Status.AWARDED:
        announcement_publish(project=project, kind="award", title=_("%(title)s: award notice") % {
            "title": project.title}, body=_award_body(project))
        bonds_after_award_notice(project, on=today())  # CGT 33: the losers' bid bonds are due back
    if to in (Status.FAILED, Status.CANCELLED, Status.OPENING):
        bonds_after_failure(project, on=today())  # the bid bonds of the sections that ended are due back
    # Timers: a task at the due time; the periodic sweep catches any that is lost.
    if to == Status.PUBLISHED and project.bid_deadline:
        task_on_commit("trading.tasks.project_due", project.pk, eta=project.bid_deadline)
    if to == Status.PUBLICITY:
        task_on_commit("trading.tasks.project_due", project.pk, eta=project.publicity_ends_at)


def _fail_sections(project: Project, now: dt.datetime) -> None:
    """Mark sections without enough valid bids as failed (流标); the others go on."""
    for section in project.sections.filter(failed_at__isnull=True):
        if project.status == Status.FAILED or selectors.section_valid_bid_count(section=section) < min_valid_bids():
            section.failed_at = now
            section.save(update_fields=["failed_at"])


def _tender_body(project: Project) -> str:
    lines = [
        _("Deal code: %(code)s") % {"code": project.deal_code},
        _("Tenderer: %(name)s") % {"name": project.tenderer.name},
        _("Agency: %(name)s") % {"name": project.agency.name if project.agency else "—"},
        _("Method: %(m)s; evaluation: %(e)s") % {"m": project.get_procurement_method_display(),
                                                  "e": project.get_evaluation_method_display()},
        _("Bid deadline and opening: %(t)s") % {
            "t": timezone.localtime(project.bid_deadline).strftime("%Y-%m-%d %H:%M")},
        project.description,
    ]
    for section in project.sections.all():
        lines.append(f"{section.full_code} {section.name}: {section.get_base_type_display()} {section.base_amount}")
    return "\n".join(line for line in lines if line)


def _candidates_body(project: Project) -> str:
    lines = []
    for section in selectors.live_sections(project=project):
        for c in section.candidates.select_related("organisation"):
            lines.append(f"{section.full_code} {section.name} — {c.rank}. {c.organisation.name} {c.price}")
    end = timezone.localtime(project.publicity_ends_at).strftime("%Y-%m-%d %H:%M")
    lines.append(_("Publicity ends %(end)s. Objections to the tenderer before then.") % {"end": end})
    return "\n".join(lines)


def _award_body(project: Project) -> str:
    lines = []
    for section in selectors.live_sections(project=project):
        award = section.award
        lines.append(f"{section.full_code} {section.name} — {award.organisation.name} {award.amount}")
    return "\n".join(lines)


@transaction.atomic
def project_advance_due(*, project_id: int) -> str:
    """Take the time-driven steps that are due for one project; return its status afterwards.

    published → deadline_passed → failed (fewer than TRADING_MIN_VALID_BIDS valid
    bids in every section) or opening; publicity → ready_to_award. A project not
    due (or suspended) is left alone, so calling this early or twice is harmless.
    """
    project = Project.objects.select_for_update(no_key=True).get(pk=project_id)
    now = timezone.now()
    if project.status == Status.PUBLISHED and project.bid_deadline and now >= project.bid_deadline:
        project_transition(project=project, to=Status.DEADLINE_PASSED)
    if project.status == Status.DEADLINE_PASSED:
        if _too_few_bids(project, now) is None:
            project_transition(project=project, to=Status.FAILED, reason_code=CancelReason.TOO_FEW_BIDS,
                               note=_("Fewer than %(n)d valid bids at the deadline.") % {"n": min_valid_bids()})
        else:
            project_transition(project=project, to=Status.OPENING)
    if project.status == Status.PUBLICITY and _publicity_over(project, now) is None:
        project_transition(project=project, to=Status.READY_TO_AWARD)
    return project.status


def projects_due(*, now: dt.datetime | None = None) -> list[int]:
    """Ids of projects with a time-driven step due now (for the sweep)."""
    now = now or timezone.now()
    from django.db.models import Q

    return list(
        Project.objects.filter(
            Q(status=Status.PUBLISHED, bid_deadline__lte=now)
            | Q(status=Status.DEADLINE_PASSED)
            | Q(status=Status.PUBLICITY, publicity_ends_at__lte=now)
        ).order_by("pk").values_list("pk", flat=True)
    )

