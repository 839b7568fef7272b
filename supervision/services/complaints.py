"""Objections (异议), challenges (质疑) and complaints (投诉): filing, answers, the regulator's handling.

Legal periods (day counting starts the next day; a deadline on a rest day rolls to the next
working day — ``core.workdays``):

construction (工程建设, 《招标投标法实施条例》)
  objection on the tender documents: at least 10 days before the bid deadline; answer in 3 days (TL 22)
  objection on the opening: at the opening, answered on the spot (TL 44; the opening room)
  objection on the evaluation result: during candidate publicity; answer in 3 days; the procedure is
  held until answered (TL 54)
  complaint: within 10 days of knowing; on matters of TL 22/44/54 only after objecting, the answer
  period not counted (TL 60); acceptance in 3 working days, decision in 30 working days from
  acceptance, testing and expert review excluded (TL 61)
government procurement (财政部令第94号)
  challenge: within 7 working days of knowing (art. 10); answer in 7 working days (art. 13)
  complaint: only after a challenge, within 15 working days after the answer or the end of the answer
  period (art. 17); review in 5 working days (art. 21); decision in 30 working days from receipt,
  testing and expert review excluded (art. 28)
A complaint judged malicious is a credit offence (TL 77; 94号令 37): ``malicious-complaint``.
"""

import datetime as dt
from collections.abc import Sequence

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Role
from audit.services import audit_record
from core.effects import task_on_commit
from core.workdays import add_working_days, roll_to_working_day, today, working_days_between
from credit.services import credit_event_record
from trading import storage
from trading.lifecycle import project_transition
from trading.models import Category, Project, Registration, Section, Status
from trading.selectors import is_party

from ..models import PROJECT_SUBJECTS, Complaint, ComplaintEvidence, ComplaintPause, Objection, Subject, Track

# Periods, by law; in settings only so that a local rule can lengthen them.
DOCUMENTS_OBJECTION_DAYS_BEFORE_DEADLINE = 10  # TL 22
OBJECTION_REPLY_DAYS = 3  # TL 22, 54: calendar days
CHALLENGE_WORKING_DAYS = 7  # 94号令 10
CHALLENGE_REPLY_WORKING_DAYS = 7  # 94号令 13
CONSTRUCTION_COMPLAINT_DAYS = 10  # TL 60: calendar days
CONSTRUCTION_ACCEPTANCE_WORKING_DAYS = 3  # TL 61
GOVERNMENT_COMPLAINT_WORKING_DAYS = 15  # 94号令 17
GOVERNMENT_REVIEW_WORKING_DAYS = 5  # 94号令 21
DECISION_WORKING_DAYS = 30  # TL 61; 94号令 28

# The article a construction complaint must have objected under first, by subject.
OBJECTION_FIRST_RULE = {
    Subject.DOCUMENTS: "《招标投标法实施条例》第二十二条",
    Subject.OPENING: "《招标投标法实施条例》第四十四条",
    Subject.RESULT: "《招标投标法实施条例》第五十四条",
}


# --- deadlines (pure: dates in, dates out) -------------------------------------------------------

def track_of(project: Project) -> str:
    """Government procurement follows 94号令; every other category the tendering law."""
    return Track.GOVERNMENT if project.category == Category.GOVERNMENT else Track.CONSTRUCTION


def calendar_days_deadline(start: dt.date, days: int) -> dt.date:
    """The ``days``-th calendar day after ``start``, rolled to the next working day if it is a rest day."""
    return roll_to_working_day(start + dt.timedelta(days=days))


def objection_reply_due(*, track: str, received_on: dt.date) -> dt.date:
    if track == Track.GOVERNMENT:
        return add_working_days(received_on, CHALLENGE_REPLY_WORKING_DAYS)
    return calendar_days_deadline(received_on, OBJECTION_REPLY_DAYS)


def challenge_filing_deadline(*, known_on: dt.date) -> dt.date:
    return add_working_days(known_on, CHALLENGE_WORKING_DAYS)


def complaint_filing_deadline(*, track: str, counted_from: dt.date) -> dt.date:
    if track == Track.GOVERNMENT:
        return add_working_days(counted_from, GOVERNMENT_COMPLAINT_WORKING_DAYS)
    return calendar_days_deadline(counted_from, CONSTRUCTION_COMPLAINT_DAYS)


def complaint_acceptance_due(*, track: str, received_on: dt.date) -> dt.date:
    days = GOVERNMENT_REVIEW_WORKING_DAYS if track == Track.GOVERNMENT else CONSTRUCTION_ACCEPTANCE_WORKING_DAYS
    return add_working_days(received_on, days)


def complaint_decision_due(*, start: dt.date) -> dt.date:
    """30 working days from acceptance (construction) or from receipt (government procurement)."""
    return add_working_days(start, DECISION_WORKING_DAYS)


def _fmt(day: dt.date) -> str:
    return day.isoformat()


# --- helpers -------------------------------------------------------------------------------------

def _max_bytes() -> int:
    return getattr(settings, "TRADING_COMPLAINT_FILE_MAX_BYTES", 20 * 1024 * 1024)


def _check_files(files: Sequence) -> None:
    limit = _max_bytes()
    for f in files:
        if not f.size:
            raise ValidationError({"files": _("“%(name)s” is empty; attach the file again.") % {"name": f.name}})
        if f.size > limit:
            raise ValidationError({"files": _("“%(name)s” is larger than %(mb)d MB; attach a smaller file.")
                                   % {"name": f.name, "mb": limit // (1024 * 1024)}})


def _save_files(files: Sequence, *, user, folder: str, **owner) -> list[dict]:
    saved = []
    for f in files:
        stored = storage.store(f, folder=folder, max_bytes=_max_bytes(), field="files")
        row = ComplaintEvidence.objects.create(name=f.name[:200], path=stored.relative_path, size=stored.size,
                                               sha256=stored.sha256, uploaded_by=user, uploaded_at=timezone.now(),
                                               **owner)
        saved.append({"name": row.name, "sha256": row.sha256, "size": row.size})
    return saved


def _require_interested_bidder(user, project: Project) -> None:
    """Only a bidder organisation registered in the project (利害关系人) objects or complains."""
    if user.role != Role.BIDDER or user.organisation_id is None:
        raise PermissionDenied(_("Only a person acting for a bidder organisation can file this."))
    if not Registration.objects.filter(section__project=project, organisation_id=user.organisation_id).exists():
        raise PermissionDenied(_("Only a bidder registered for this project (an interested party) can file this."))


def _require_regulator(user) -> None:
    if user.role != Role.REGULATOR:
        raise PermissionDenied(_("Only a regulator handles complaints."))


def _check_text(value: str, field: str, message: str) -> str:
    value = (value or "").strip()
    if not value:
        raise ValidationError({field: message})
    return value


def _check_section(section: Section | None, project: Project) -> None:
    if section is not None and section.project_id != project.pk:
        raise ValidationError({"section": _("This section belongs to another project.")})


def _check_known_on(known_on: dt.date | None, project: Project) -> dt.date:
    day = today()
    known_on = known_on or day
    if known_on > day:
        raise ValidationError({"known_on": _("The day you knew cannot be in the future.")})
    start = timezone.localdate(project.announcement_at) if project.announcement_at else None
    if start and known_on < start:
        raise ValidationError({"known_on": _("The project was announced on %(date)s; give a day on or after it.")
                               % {"date": _fmt(start)}})
    return known_on


# --- objections and challenges -------------------------------------------------------------------

@transaction.atomic
def objection_file(*, project: Project, user, subject: str, grounds: str, section: Section | None = None,
                   known_on: dt.date | None = None, files: Sequence = ()) -> Objection:
    """File an objection (异议, construction) or a challenge (质疑, government procurement) with the tenderer.

    Refused, with the date it ended, when too late. An objection on the evaluation result during
    candidate publicity holds the procedure until answered (TL 54).
    """
    project = Project.objects.select_for_update(no_key=True).get(pk=project.pk)
    _require_interested_bidder(user, project)
    _check_section(section, project)
    if subject not in dict(PROJECT_SUBJECTS):
        raise ValidationError({"subject": _("Choose what the objection is about.")})
    grounds = _check_text(grounds, "grounds", _("State the facts, the grounds and what you ask for."))
    _check_files(files)
    now = timezone.now()
    day = today()
    track = track_of(project)
    holds = False
    if project.status in (Status.DRAFT, Status.CANCELLED, Status.ARCHIVED):
        raise ValidationError({"status": _("The project is “%(s)s”; it takes no objections.")
                               % {"s": project.get_status_display()}})
    if track == Track.GOVERNMENT:
        kind = Objection.Kind.CHALLENGE
        known_on = _check_known_on(known_on, project)
        filing_deadline = challenge_filing_deadline(known_on=known_on)
        if day > filing_deadline:
            raise ValidationError({"known_on": _(
                "A challenge must be filed within 7 working days of the day you knew (财政部令第94号第十条); "
                "counted from %(known)s the period ended on %(date)s.") % {
                "known": _fmt(known_on), "date": _fmt(filing_deadline)}}, code="too_late")
        holds = subject == Subject.RESULT and project.status == Status.PUBLICITY
    else:
        kind = Objection.Kind.OBJECTION
        if subject == Subject.DOCUMENTS:
            if project.bid_deadline is None or project.status != Status.PUBLISHED:
                raise ValidationError({"subject": _("Objections to the tender documents are filed while the project "
                                                    "accepts bids.")})
            last = project.bid_deadline - dt.timedelta(days=DOCUMENTS_OBJECTION_DAYS_BEFORE_DEADLINE)
            if now > last:
                raise ValidationError({"subject": _(
                    "Objections to the tender documents must be filed at least 10 days before the bid deadline "
                    "(《招标投标法实施条例》第二十二条); the period ended at %(at)s.") % {
                    "at": timezone.localtime(last).strftime("%Y-%m-%d %H:%M")}}, code="too_late")
            filing_deadline = timezone.localdate(last)
        elif subject == Subject.OPENING:
            if project.status != Status.OPENING:
                raise ValidationError({"subject": _("Objections to the opening are raised at the opening "
                                                    "(《招标投标法实施条例》第四十四条); the project is “%(s)s”.")
                                       % {"s": project.get_status_display()}}, code="too_late")
            filing_deadline = day
        elif subject == Subject.RESULT:
            if project.status != Status.PUBLICITY or project.publicity_ends_at is None or now >= \
                    project.publicity_ends_at:
                ended = (timezone.localtime(project.publicity_ends_at).strftime("%Y-%m-%d %H:%M")
                         if project.publicity_ends_at else "—")
                raise ValidationError({"subject": _(
                    "Objections to the evaluation result are filed during the candidate publicity "
                    "(《招标投标法实施条例》第五十四条); the publicity ended at %(at)s.") % {"at": ended}},
                    code="too_late")
            filing_deadline = timezone.localdate(project.publicity_ends_at)
            holds = True
        else:
            raise ValidationError({"subject": _("The law requires an objection only on the tender documents, the "
                                                "opening and the evaluation result; for other steps complain to the "
                                                "regulator directly.")})
        known_on = day
    reply_due = day if subject == Subject.OPENING and track == Track.CONSTRUCTION else \
        objection_reply_due(track=track, received_on=day)
    objection = Objection.objects.create(
        project=project, section=section, kind=kind, subject=subject, organisation=user.organisation, filed_by=user,
        grounds=grounds, known_on=known_on, filed_at=now, filing_deadline=filing_deadline, reply_due=reply_due,
        holds_procedure=holds)
    saved = _save_files(files, user=user, folder=f"complaints/{project.pk}", objection=objection)
    audit_record(action="supervision.objection.file", obj=objection, payload={
        "deal_code": project.deal_code, "kind": kind, "subject": subject, "bidder": user.organisation.credit_code,
        "known_on": known_on, "filing_deadline": filing_deadline, "reply_due": reply_due, "holds_procedure": holds,
        "grounds": grounds, "files": saved})
    return objection


@transaction.atomic
def objection_answer(*, objection: Objection, user, answer: str, files: Sequence = ()) -> Objection:
    """The tenderer or its agency answers in writing; a held procedure goes on (publicity end permitting)."""
    project = Project.objects.select_for_update(no_key=True).get(pk=objection.project_id)
    objection = Objection.objects.select_for_update(no_key=True).get(pk=objection.pk)
    if not is_party(user=user, project=project):
        raise PermissionDenied(_("Only the tenderer or its agency answers objections."))
    if objection.state != Objection.State.OPEN:
        raise ValidationError({"state": _("This objection was already answered on %(at)s.") % {
            "at": timezone.localtime(objection.answered_at).strftime("%Y-%m-%d %H:%M")}})
    answer = _check_text(answer, "answer", _("Write the answer; the bidder and the regulator will read it."))
    _check_files(files)
    objection.state = Objection.State.ANSWERED
    objection.answer = answer
    objection.answered_at = timezone.now()
    objection.answered_by = user
    objection.overdue_since = None
    objection.save()
    saved = _save_files(files, user=user, folder=f"complaints/{project.pk}", objection=objection)
    audit_record(action="supervision.objection.answer", obj=objection, payload={
        "deal_code": project.deal_code, "answer": answer, "late": today() > objection.reply_due, "files": saved})
    if objection.holds_procedure and project.status == Status.PUBLICITY:
        task_on_commit("trading.tasks.project_due", project.pk)
    return objection


# --- complaints ----------------------------------------------------------------------------------

def _prior_objection(*, project: Project, organisation, kind: str, subject: str | None) -> Objection | None:
    qs = Objection.objects.filter(project=project, organisation=organisation, kind=kind)
    if subject is not None:
        qs = qs.filter(subject=subject)
    return qs.order_by("-filed_at").first()


def _answer_period_end(objection: Objection) -> dt.date:
    """The answer day, or the end of the answer period if no answer came by then."""
    if objection.answered_at is not None:
        return min(timezone.localdate(objection.answered_at), objection.reply_due)
    return objection.reply_due


@transaction.atomic
def complaint_file(*, project: Project, user, subject: str, grounds: str, section: Section | None = None,
                   known_on: dt.date | None = None, files: Sequence = ()) -> Complaint:
    """File a complaint (投诉) with the regulator; refused, nothing created, when too early or too late."""
    project = Project.objects.select_for_update(no_key=True).get(pk=project.pk)
    _require_interested_bidder(user, project)
    _check_section(section, project)
    if subject not in dict(PROJECT_SUBJECTS):
        raise ValidationError({"subject": _("Choose what the complaint is about.")})
    grounds = _check_text(grounds, "grounds", _("State the facts, the grounds, the evidence and what you ask for."))
    _check_files(files)
    if project.status == Status.DRAFT:
        raise ValidationError({"status": _("The project is not published; it takes no complaints.")})
    day = today()
    track = track_of(project)
    objection = None
    if track == Track.GOVERNMENT:
        objection = _prior_objection(project=project, organisation=user.organisation,
                                     kind=Objection.Kind.CHALLENGE, subject=None)
        if objection is None:
            raise ValidationError({"subject": _(
                "Challenge (质疑) the purchaser or its agency first; a complaint is filed only after the challenge "
                "(财政部令第94号第十七条).")}, code="objection_first")
        rule = "财政部令第94号第十七条"
    elif subject in OBJECTION_FIRST_RULE:
        rule = OBJECTION_FIRST_RULE[subject]
        objection = _prior_objection(project=project, organisation=user.organisation,
                                     kind=Objection.Kind.OBJECTION, subject=subject)
        if objection is None:
            raise ValidationError({"subject": _(
                "On this matter you must first object to the tenderer (%(rule)s); file an objection, then complain "
                "if the answer does not satisfy you.") % {"rule": rule}}, code="objection_first")
    else:
        rule = "《招标投标法实施条例》第六十条"
    if objection is not None:
        if objection.state == Objection.State.OPEN and day <= objection.reply_due:
            raise ValidationError({"subject": _(
                "Your objection or challenge is awaiting its answer until %(date)s; complain after the answer or "
                "once that day has passed (%(rule)s).") % {"date": _fmt(objection.reply_due), "rule": rule}},
                code="awaiting_answer")
        counted_from = _answer_period_end(objection)
    else:
        counted_from = _check_known_on(known_on, project)
    filing_deadline = complaint_filing_deadline(track=track, counted_from=counted_from)
    if day > filing_deadline:
        if track == Track.GOVERNMENT:
            message = _("A complaint must be filed within 15 working days after the answer to the challenge or the "
                        "end of its answer period (财政部令第94号第十七条); counted from %(from)s the period ended "
                        "on %(date)s.")
        else:
            message = _("A complaint must be filed within 10 days of the day you knew (《招标投标法实施条例》"
                        "第六十条); counted from %(from)s the period ended on %(date)s.")
        raise ValidationError({"known_on": message % {"from": _fmt(counted_from), "date": _fmt(filing_deadline)}},
                              code="too_late")
    complaint = Complaint.objects.create(
        project=project, section=section, track=track, subject=subject, objection=objection,
        organisation=user.organisation, filed_by=user, grounds=grounds, known_on=counted_from,
        filed_at=timezone.now(), filing_deadline=filing_deadline,
        acceptance_due=complaint_acceptance_due(track=track, received_on=day),
        decision_due=complaint_decision_due(start=day) if track == Track.GOVERNMENT else None)
    saved = _save_files(files, user=user, folder=f"complaints/{project.pk}", complaint=complaint)
    audit_record(action="supervision.complaint.file", obj=complaint, payload={
        "deal_code": project.deal_code, "track": track, "subject": subject, "bidder": user.organisation.credit_code,
        "objection": objection.pk if objection else None, "counted_from": counted_from,
        "filing_deadline": filing_deadline, "acceptance_due": complaint.acceptance_due,
        "decision_due": complaint.decision_due, "grounds": grounds, "files": saved})
    return complaint


def _locked_complaint(complaint: Complaint, user) -> Complaint:
    _require_regulator(user)
    return (Complaint.objects.select_for_update(no_key=True, of=("self",)).select_related("project", "purchase")
            .get(pk=complaint.pk))


def _refuse_state(complaint: Complaint, expected: tuple, action: str) -> None:
    if complaint.state not in expected:
        raise ValidationError({"state": _("The complaint is “%(state)s”; it cannot be %(action)s now.") % {
            "state": complaint.get_state_display(), "action": action}})


@transaction.atomic
def complaint_accept(*, complaint: Complaint, user) -> Complaint:
    """Accept a complaint for investigation (受理); the construction decision period starts now."""
    complaint = _locked_complaint(complaint, user)
    _refuse_state(complaint, (Complaint.State.RECEIVED,), _("accepted"))
    day = today()
    complaint.state = Complaint.State.ACCEPTED
    complaint.accepted_at = timezone.now()
    complaint.handled_by = user
    complaint.overdue_since = None
    if complaint.track == Track.CONSTRUCTION:
        complaint.decision_due = complaint_decision_due(start=day)
    complaint.save()
    audit_record(action="supervision.complaint.accept", obj=complaint, payload={
        "deal_code": complaint.deal_code, "late": day > complaint.acceptance_due,
        "decision_due": complaint.decision_due})
    return complaint


@transaction.atomic
def complaint_reject(*, complaint: Complaint, user, reasons: str) -> Complaint:
    """Decide not to accept a complaint (不予受理), with written reasons."""
    complaint = _locked_complaint(complaint, user)
    _refuse_state(complaint, (Complaint.State.RECEIVED,), _("rejected"))
    reasons = _check_text(reasons, "reasons", _("Give the reasons for not accepting the complaint."))
    complaint.state = Complaint.State.REJECTED
    complaint.outcome = Complaint.Outcome.REJECTED
    complaint.decision = reasons
    complaint.decided_at = timezone.now()
    complaint.handled_by = user
    complaint.overdue_since = None
    complaint.save()
    audit_record(action="supervision.complaint.reject", obj=complaint, payload={
        "deal_code": complaint.deal_code, "reasons": reasons})
    return complaint


@transaction.atomic
def complaint_pause(*, complaint: Complaint, user, reason: str) -> ComplaintPause:
    """Stop the decision clock for testing, inspection, appraisal or expert review (time not counted)."""
    complaint = _locked_complaint(complaint, user)
    _refuse_state(complaint, (Complaint.State.ACCEPTED,), _("paused"))
    reason = _check_text(reason, "reason", _("Say what testing, inspection or expert review the pause is for."))
    pause = ComplaintPause.objects.create(complaint=complaint, reason=reason, started_at=timezone.now(), by=user)
    complaint.state = Complaint.State.PAUSED
    complaint.save(update_fields=["state"])
    audit_record(action="supervision.complaint.pause", obj=complaint, payload={
        "deal_code": complaint.deal_code, "reason": reason})
    return pause


@transaction.atomic
def complaint_resume(*, complaint: Complaint, user) -> Complaint:
    """Restart the decision clock; the working days of the pause push the decision deadline back."""
    complaint = _locked_complaint(complaint, user)
    _refuse_state(complaint, (Complaint.State.PAUSED,), _("resumed"))
    pause = complaint.pauses.select_for_update(no_key=True).get(ended_at__isnull=True)
    pause.ended_at = timezone.now()
    pause.working_days = working_days_between(timezone.localdate(pause.started_at), today())
    pause.save(update_fields=["ended_at", "working_days"])
    before = complaint.decision_due
    if pause.working_days:
        complaint.decision_due = add_working_days(complaint.decision_due, pause.working_days)
    complaint.state = Complaint.State.ACCEPTED
    complaint.overdue_since = None
    complaint.save()
    audit_record(action="supervision.complaint.resume", obj=complaint, payload={
        "deal_code": complaint.deal_code, "working_days_excluded": pause.working_days,
        "decision_due_before": before, "decision_due": complaint.decision_due})
    return complaint


@transaction.atomic
def complaint_decide(*, complaint: Complaint, user, outcome: str, decision: str, malicious: bool = False) -> Complaint:
    """Decide an accepted complaint: upheld or dismissed, in writing.

    A dismissed complaint judged malicious (捏造事实、提供虚假材料或以非法手段取得证明材料)
    records the credit event ``malicious-complaint`` against the complainant.
    """
    complaint = _locked_complaint(complaint, user)
    if complaint.state == Complaint.State.PAUSED:
        raise ValidationError({"state": _("The complaint is paused for testing or expert review; resume it before "
                                          "deciding.")})
    _refuse_state(complaint, (Complaint.State.ACCEPTED,), _("decided"))
    if outcome not in (Complaint.Outcome.UPHELD, Complaint.Outcome.DISMISSED):
        raise ValidationError({"outcome": _("Choose upheld or dismissed; a complaint not accepted is rejected at "
                                            "the acceptance step.")})
    decision = _check_text(decision, "decision", _("Write the decision and its reasons."))
    if malicious and outcome != Complaint.Outcome.DISMISSED:
        raise ValidationError({"malicious": _("Only a dismissed complaint can be judged malicious.")})
    complaint.state = Complaint.State.DECIDED
    complaint.outcome = outcome
    complaint.decision = decision
    complaint.decided_at = timezone.now()
    complaint.malicious = malicious
    complaint.handled_by = user
    complaint.overdue_since = None
    if malicious:
        complaint.credit_event = credit_event_record(
            behaviour_code="malicious-complaint", organisation=complaint.organisation,
            deal_code=complaint.deal_code, by=user,
            evidence=_("Complaint #%(n)d judged malicious: %(decision)s") % {"n": complaint.pk, "decision": decision})
    complaint.save()
    if complaint.purchase_id and outcome == Complaint.Outcome.UPHELD:
        from .purchase_complaints import purchase_complaint_upheld  # it builds on this module's helpers

        purchase_complaint_upheld(complaint)
    audit_record(action="supervision.complaint.decide", obj=complaint, payload={
        "deal_code": complaint.deal_code, "outcome": outcome, "decision": decision, "malicious": malicious,
        "credit_event": complaint.credit_event_id, "late": complaint.decision_due is not None
        and today() > complaint.decision_due})
    return complaint


def _refuse_purchase(complaint: Complaint) -> None:
    if complaint.purchase_id:
        raise ValidationError({"state": _("A marketplace purchase needs no suspension: its contract waits by itself "
                                          "while the complaint is open.")})


@transaction.atomic
def complaint_suspend_procedure(*, complaint: Complaint, user, note: str) -> Project:
    """The regulator suspends the procedure while it handles the complaint (TL 62; 94号令 art. 25)."""

    complaint = _locked_complaint(complaint, user)
    _refuse_purchase(complaint)
    if complaint.state not in Complaint.OPEN_STATES:
        raise ValidationError({"state": _("The complaint is closed; suspend the project from its page if needed.")})
    note = _check_text(note, "note", _("Write down the grounds for the suspension; it is published."))
    project = project_transition(project=complaint.project, to=Status.SUSPENDED, user=user,
                                 note=_("Complaint #%(n)d: %(note)s") % {"n": complaint.pk, "note": note})
    audit_record(action="supervision.complaint.suspend", obj=complaint, payload={
        "deal_code": project.deal_code, "note": note})
    return project


@transaction.atomic
def complaint_lift_suspension(*, complaint: Complaint, user, note: str) -> Project:
    """Lift the suspension: the project returns to the state it was in."""

    complaint = _locked_complaint(complaint, user)
    _refuse_purchase(complaint)
    project = complaint.project
    if project.status != Status.SUSPENDED:
        raise ValidationError({"state": _("The project is not suspended.")})
    note = _check_text(note, "note", _("Write down why the suspension is lifted; it is recorded."))
    project = project_transition(project=project, to=project.suspended_from, user=user,
                                 note=_("Complaint #%(n)d: %(note)s") % {"n": complaint.pk, "note": note})
    audit_record(action="supervision.complaint.lift", obj=complaint, payload={
        "deal_code": project.deal_code, "note": note})
    return project


@transaction.atomic
def complaints_flag_overdue() -> int:
    """Flag every step past its deadline (the regulator's board lists them); decide nothing. Return how many."""
    day = today()
    now = timezone.now()
    flagged = 0
    late_objections = Objection.objects.select_for_update(no_key=True).filter(
        state=Objection.State.OPEN, reply_due__lt=day, overdue_since__isnull=True).order_by("pk")
    for objection in late_objections:
        objection.overdue_since = now
        objection.save(update_fields=["overdue_since"])
        audit_record(action="supervision.objection.overdue", obj=objection, payload={"reply_due": objection.reply_due})
        flagged += 1
    from django.db.models import Q

    late_complaints = Complaint.objects.select_for_update(no_key=True).filter(
        Q(state=Complaint.State.RECEIVED, acceptance_due__lt=day)
        | Q(state=Complaint.State.ACCEPTED, decision_due__lt=day), overdue_since__isnull=True).order_by("pk")
    for complaint in late_complaints:
        complaint.overdue_since = now
        complaint.save(update_fields=["overdue_since"])
        audit_record(action="supervision.complaint.overdue", obj=complaint, payload={
            "state": complaint.state, "due": complaint.due})
        flagged += 1
    return flagged
