"""Reads of objections, challenges and complaints: timelines, countdowns and the regulator's board."""

import datetime as dt
from dataclasses import dataclass

from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Role
from core.workdays import today, working_days_between
from trading.models import Project
from trading.selectors import is_party

from ..models import Complaint, Objection


def working_days_left(due: dt.date | None) -> int | None:
    """Working days left until ``due`` (0 on the day itself, negative when overdue), or None."""
    if due is None:
        return None
    day = today()
    if due >= day:
        return working_days_between(day, due)
    return -working_days_between(due, day)


def may_see(*, user, project: Project, organisation_id: int) -> bool:
    """The filer, the project's tenderer/agency and regulators see an objection or complaint."""
    if not user.is_authenticated:
        return False
    if user.role == Role.REGULATOR:
        return True
    if is_party(user=user, project=project):
        return True
    return user.role == Role.BIDDER and user.organisation_id == organisation_id


def may_see_complaint(*, user, complaint: Complaint) -> bool:
    """A tender's complaint as ``may_see``; a marketplace purchase's: the filer, the owner and regulators."""
    if complaint.project_id:
        return may_see(user=user, project=complaint.project, organisation_id=complaint.organisation_id)
    if not user.is_authenticated:
        return False
    return user.role == Role.REGULATOR or (user.organisation_id is not None and user.organisation_id in (
        complaint.organisation_id, complaint.purchase.owner_id))


def _visible_to(qs: QuerySet, *, user, owned: Q | None = None) -> QuerySet:
    """Regulators see every filing; the tenderer and agency those on their projects (and ``owned``); a bidder its
    own."""
    if user.role == Role.REGULATOR:
        return qs
    if user.role in (Role.TENDERER, Role.AGENCY):
        theirs = Q(project__tenderer_id=user.organisation_id) | Q(project__agency_id=user.organisation_id)
        return qs.filter(theirs | owned if owned is not None else theirs)
    if user.role == Role.BIDDER:
        return qs.filter(organisation_id=user.organisation_id)
    return qs.none()


def objections_for(*, user) -> QuerySet[Objection]:
    return _visible_to(Objection.objects.select_related("project", "organisation"), user=user)


def complaints_for(*, user) -> QuerySet[Complaint]:
    return _visible_to(Complaint.objects.select_related("project", "purchase", "organisation"), user=user,
                       owned=Q(purchase__owner_id=user.organisation_id))


@dataclass(frozen=True)
class Step:
    """One line of a timeline: what, when it happened or is due, and the countdown in working days."""

    label: str
    at: dt.datetime | dt.date | None
    due: dt.date | None = None
    done: bool = True

    @property
    def days_left(self) -> int | None:
        return None if self.done else working_days_left(self.due)


def objection_timeline(objection: Objection) -> list[Step]:
    from django.utils.translation import gettext as _

    steps = [Step(_("Filed (last day to file: %(d)s)") % {"d": objection.filing_deadline}, objection.filed_at)]
    if objection.state == Objection.State.ANSWERED:
        steps.append(Step(_("Answered"), objection.answered_at, objection.reply_due))
    else:
        steps.append(Step(_("Answer due"), None, objection.reply_due, done=False))
    return steps


def complaint_timeline(complaint: Complaint) -> list[Step]:
    from django.utils.translation import gettext as _

    steps = [Step(_("Filed (last day to file: %(d)s)") % {"d": complaint.filing_deadline}, complaint.filed_at)]
    if complaint.state == Complaint.State.RECEIVED:
        steps.append(Step(_("Acceptance decision due"), None, complaint.acceptance_due, done=False))
    elif complaint.state == Complaint.State.REJECTED:
        steps.append(Step(_("Not accepted"), complaint.decided_at, complaint.acceptance_due))
    else:
        steps.append(Step(_("Accepted"), complaint.accepted_at, complaint.acceptance_due))
    for pause in complaint.pauses.all():
        steps.append(Step(_("Paused: %(r)s") % {"r": pause.reason}, pause.started_at))
        if pause.ended_at:
            steps.append(Step(_("Resumed (%(n)d working days excluded)") % {"n": pause.working_days}, pause.ended_at))
    if complaint.state == Complaint.State.DECIDED:
        steps.append(Step(_("Decided: %(o)s") % {"o": complaint.get_outcome_display()}, complaint.decided_at,
                          complaint.decision_due))
    elif complaint.state in (Complaint.State.ACCEPTED, Complaint.State.PAUSED) or (
            complaint.state == Complaint.State.RECEIVED and complaint.decision_due):
        steps.append(Step(_("Decision due"), None, complaint.decision_due,
                          done=complaint.state == Complaint.State.PAUSED))
    return steps


def overdue_objections() -> QuerySet[Objection]:
    return Objection.objects.filter(state=Objection.State.OPEN, reply_due__lt=today()).select_related(
        "project", "organisation").order_by("reply_due")


def open_complaints() -> QuerySet[Complaint]:
    return Complaint.objects.filter(state__in=Complaint.OPEN_STATES).select_related(
        "project", "purchase", "organisation").order_by("filed_at")


def overdue_complaints() -> QuerySet[Complaint]:
    day = today()
    return open_complaints().filter(Q(state=Complaint.State.RECEIVED, acceptance_due__lt=day)
                                    | Q(state=Complaint.State.ACCEPTED, decision_due__lt=day))


def objection_holds(project: Project) -> str | None:
    """TL 54: an objection to the evaluation result suspends the procedure until it is answered.

    Registered with ``trading.lifecycle.award_hold_register``: no award while it returns a reason.
    """
    held = Objection.objects.filter(project=project, holds_procedure=True, state=Objection.State.OPEN).order_by(
        "reply_due").first()
    if held is None:
        return None
    return _("An objection to the evaluation result (filed %(at)s) awaits the tenderer's answer, due by "
             "%(due)s; the procedure is held until it is answered.") % {
        "at": timezone.localtime(held.filed_at).strftime("%Y-%m-%d %H:%M"), "due": held.reply_due.isoformat()}
