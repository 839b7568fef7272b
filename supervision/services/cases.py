"""Enforcement (案件查办, ZB 49–64; TL 63–81): open a case, gather evidence, issue measures, close it.

Every measure is a decision naming its legal basis; it is issued as a signed PDF (``supervision.documents``) and
feeds credit in the same transaction (``credit.services.credit_event_record``, source ``regulator``, the decision
number). Expert measures are enforced by the draw: a suspension sets the expert's status (the draw excludes
suspended experts; ``suspensions_lift_ended`` restores it when it runs out), a disqualification black-lists the
person through credit (the draw excludes black-listed people). An award declared void goes through trading's
``award_void``: the section's award is no longer live, and the tenderer awards the next candidate or tenders again.
"""

import datetime as dt
from collections.abc import Sequence
from decimal import Decimal, InvalidOperation

from dateutil.relativedelta import relativedelta
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Role
from audit.services import audit_record
from core.workdays import add_working_days, roll_to_working_day, today
from credit.services import credit_event_record
from expert_pool.models import Expert
from expert_pool.services.registry import expert_status_set
from trading import storage
from trading.models import Award, Project
from trading.services.refusals import award_void

from .. import conf
from ..documents import decision_store
from ..models import Case, CaseEvidence, CaseParty, Lead, Measure
from ..selectors import in_region

# The credit behaviour a measure records when the regulator names none.
DEFAULT_BEHAVIOUR = {
    Measure.Kind.WARNING_TALK: "warning-talk",
    Measure.Kind.EXPERT_SUSPENSION: "expert-suspended",
    Measure.Kind.EXPERT_DISQUALIFICATION: "expert-disqualified",
}
# Measures that sanction a violation: the regulator names the behaviour found (e.g. bid-rigging, fraud).
BEHAVIOUR_REQUIRED = (Measure.Kind.FINE, Measure.Kind.AWARD_VOIDED)


def _require_regulator(user, project: Project | None = None) -> None:
    if user.role != Role.REGULATOR:
        raise PermissionDenied(_("Only a regulator handles cases."))
    if project is not None and not in_region(user=user, region=project.region):
        raise PermissionDenied(_("This project is outside your region; its own regulator handles it."))


def _text(value: str, field: str, message: str) -> str:
    value = (value or "").strip()
    if not value:
        raise ValidationError({field: message})
    return value


def _next_number(model, setting: str, field: str) -> str:
    """The next number of the year from ``setting``'s pattern (a rollback leaves no gap: counted in the transaction)."""
    year = today().year
    pattern = conf.get(setting)
    prefix = pattern.split("{n}")[0].format(year=year)
    taken = model.objects.filter(**{f"{field}__startswith": prefix}).count()
    return pattern.format(year=year, n=taken + 1)


@transaction.atomic
def case_open(*, user, title: str, facts: str, origin: str, project: Project | None = None, complaint=None,
              lead: Lead | None = None, parties: Sequence[tuple[str, object]] = ()) -> Case:
    """Open a case (立案). ``parties``: (role, organisation or person) pairs the case concerns."""
    _require_regulator(user, project)
    if origin not in Case.Origin.values:
        raise ValidationError({"origin": _("Say where the case comes from: a complaint, a lead, a report or ex "
                                           "officio.")})
    title = _text(title, "title", _("Give the case a short title."))
    facts = _text(facts, "facts", _("State the facts and the grounds for opening the case."))
    if lead is not None:
        lead = Lead.objects.select_for_update(no_key=True).get(pk=lead.pk)
        if lead.state != Lead.State.NEW:
            raise ValidationError({"lead": _("This lead was already handled (%(state)s).")
                                   % {"state": lead.get_state_display()}})
    if complaint is not None and project is None:
        project = complaint.project
    case = Case.objects.create(
        number=_next_number(Case, "SUPERVISION_CASE_NUMBER", "number"), title=title[:200], origin=origin,
        project=project, complaint=complaint, lead=lead, facts=facts,
        region=project.region if project else (user.organisation.region if user.organisation_id else ""),
        category=project.category if project else "", regulator=user.organisation, opened_at=timezone.now(),
        opened_by=user, due=add_working_days(today(), int(conf.get("SUPERVISION_CASE_WORKING_DAYS"))))
    for role, subject in parties:
        _party_add(case, role, subject)
    if lead is not None:
        lead.state, lead.handled_by, lead.handled_at = Lead.State.CASE_OPENED, user, timezone.now()
        lead.save(update_fields=["state", "handled_by", "handled_at"])
        audit_record(action="supervision.lead.open_case", obj=lead, payload={"code": lead.code, "case": case.number})
    audit_record(action="supervision.case.open", obj=case, payload={
        "number": case.number, "origin": origin, "deal_code": project.deal_code if project else None,
        "lead": lead.pk if lead else None, "complaint": complaint.pk if complaint else None, "due": case.due,
        "parties": [str(subject) for _, subject in parties], "facts": facts})
    return case


def _party_add(case: Case, role: str, subject) -> CaseParty:
    if role not in CaseParty.Role.values:
        raise ValidationError({"role": _("Choose the party's role.")})
    from accounts.models import Organisation

    is_org = isinstance(subject, Organisation)
    return CaseParty.objects.get_or_create(case=case, role=role, organisation=subject if is_org else None,
                                           person=None if is_org else subject)[0]


@transaction.atomic
def case_open_from_lead(*, lead: Lead, user, title: str = "", facts: str = "") -> Case:
    """Open a case from a signal or red flag: its project, and its organisations as the parties."""
    from ..indicators.catalogue import indicator_title

    title = title or f"{indicator_title(lead.code)}：{lead.project.title if lead.project_id else ''}"
    facts = facts or _("Opened from the platform's lead %(code)s: %(evidence)s") % {
        "code": indicator_title(lead.code), "evidence": lead.evidence}
    parties = [(CaseParty.Role.BIDDER, org) for org in lead.organisations.all()]
    return case_open(user=user, title=title, facts=facts, origin=Case.Origin.LEAD, project=lead.project, lead=lead,
                     parties=parties)


def _locked(case: Case, user) -> Case:
    case = Case.objects.select_for_update(of=("self",), no_key=True).select_related("project").get(pk=case.pk)
    _require_regulator(user, case.project)
    return case


@transaction.atomic
def case_evidence_add(*, case: Case, user, kind: str, note: str, bid=None, room_event=None, audit_event=None,
                      file=None) -> CaseEvidence:
    """Add evidence: a file (stored under PROTECTED_ROOT, its SHA-256 in the audit chain), or a link to a bid, an
    opening-room event or an audit record, each with what it shows."""
    case = _locked(case, user)
    note = _text(note, "note", _("Say what this evidence shows."))
    link = {CaseEvidence.Kind.BID: bid, CaseEvidence.Kind.ROOM_EVENT: room_event,
            CaseEvidence.Kind.AUDIT_EVENT: audit_event, CaseEvidence.Kind.FILE: file}
    if kind not in CaseEvidence.Kind.values:
        raise ValidationError({"kind": _("Choose the kind of evidence.")})
    if kind in link and link[kind] is None:
        raise ValidationError({"kind": _("Give the %(kind)s this evidence refers to.")
                               % {"kind": CaseEvidence.Kind(kind).label}})
    stored = {}
    if kind == CaseEvidence.Kind.FILE:
        saved = storage.store(file, folder=f"cases/{case.pk}", max_bytes=20 * 1024 * 1024, field="file")
        stored = {"name": file.name[:200], "path": saved.relative_path, "size": saved.size, "sha256": saved.sha256}
    evidence = CaseEvidence.objects.create(
        case=case, kind=kind, note=note, bid=bid if kind == CaseEvidence.Kind.BID else None,
        room_event=room_event if kind == CaseEvidence.Kind.ROOM_EVENT else None,
        audit_event=audit_event if kind == CaseEvidence.Kind.AUDIT_EVENT else None, added_by=user,
        added_at=timezone.now(), **stored)
    audit_record(action="supervision.case.evidence", obj=evidence, payload={
        "case": case.number, "kind": kind, "note": note, "bid": getattr(bid, "pk", None),
        "room_event": getattr(room_event, "pk", None), "audit_event": getattr(audit_event, "seq", None),
        "sha256": stored.get("sha256")})
    return evidence


def _amount(value, field: str) -> Decimal:
    try:
        amount = Decimal(str(value)).quantize(Decimal("0.01"))
    except (InvalidOperation, TypeError, ValueError):
        raise ValidationError({field: _("Give the amount in yuan, e.g. 125000.00.")})
    if amount <= 0:
        raise ValidationError({field: _("The amount must be above 0 yuan.")})
    return amount


def _people(talked_to) -> list[dict]:
    people = [{"name": str(p.get("name", "")).strip(), "position": str(p.get("position", "")).strip()}
              for p in talked_to or [] if isinstance(p, dict)]
    people = [p for p in people if p["name"]]
    if not people:
        raise ValidationError({"talked_to": _("Name the people talked to (name and position).")})
    return people


def _measure_fields(case: Case, kind: str, *, organisation, person, talked_to, talk_on, amount, expert, months,
                    award, referred_to) -> dict:
    """Check the facts each kind of measure needs; return the fields to store."""
    day = today()
    if kind == Measure.Kind.WARNING_TALK:
        if talk_on is None or talk_on > day:
            raise ValidationError({"talk_on": _("Give the day the talk was held (today or earlier).")})
        return {"talked_to": _people(talked_to), "talk_on": talk_on}
    if kind == Measure.Kind.FINE:
        days = int(conf.get("SUPERVISION_FINE_PAYMENT_DAYS"))
        return {"amount": _amount(amount, "amount"), "payment_due": roll_to_working_day(day + dt.timedelta(days))}
    if kind in Measure.EXPERT_KINDS:
        if expert is None:
            raise ValidationError({"expert": _("Choose the expert.")})
        fields = {"expert": expert, "person": expert.user, "organisation": None}
        if kind == Measure.Kind.EXPERT_SUSPENSION:
            if not isinstance(months, int) or not 1 <= months <= 60:
                raise ValidationError({"months": _("Give the suspension in months, from 1 to 60.")})
            fields["ends_on"] = day + relativedelta(months=months) - dt.timedelta(days=1)
        return fields
    if kind == Measure.Kind.AWARD_VOIDED:
        if award is None or award.section_id is None or case.project_id is None \
                or award.section.project_id != case.project_id:
            raise ValidationError({"award": _("Choose a live award of the case's project.")})
        return {"award": award, "organisation": award.organisation, "person": None}
    if kind == Measure.Kind.REFERRAL:
        return {"referred_to": _text(referred_to, "referred_to", _("Name the body the case is referred to."))}
    raise ValidationError({"kind": _("Choose a measure.")})


@transaction.atomic
def measure_issue(*, case: Case, user, kind: str, legal_basis: str, findings: str, organisation=None, person=None,
                  behaviour_code: str = "", talked_to: Sequence[dict] = (), talk_on: dt.date | None = None,
                  amount=None, expert: Expert | None = None, months: int | None = None, award: Award | None = None,
                  referred_to: str = "", publish: bool = False) -> Measure:
    """Issue one decision of ``case`` against one party: signed PDF, credit event, and its enforcement."""
    case = _locked(case, user)
    if case.state != Case.State.OPEN:
        raise ValidationError({"state": _("The case is closed; open a new case for new facts.")})
    legal_basis = _text(legal_basis, "legal_basis", _("Name the legal basis: the law and article, e.g. "
                                                      "《招标投标法》第五十三条."))
    findings = _text(findings, "findings", _("State the facts found and the reasons for the decision."))
    fields = {"organisation": organisation, "person": person}
    fields.update(_measure_fields(case, kind, organisation=organisation, person=person, talked_to=talked_to,
                                  talk_on=talk_on, amount=amount, expert=expert, months=months, award=award,
                                  referred_to=referred_to))
    if (fields["organisation"] is None) == (fields["person"] is None):
        raise ValidationError({"organisation": _("Name the party the decision is addressed to: an organisation or "
                                                 "a person.")})
    behaviour_code = (behaviour_code or "").strip() or DEFAULT_BEHAVIOUR.get(kind, "")
    if kind in BEHAVIOUR_REQUIRED and not behaviour_code:
        raise ValidationError({"behaviour_code": _("Choose the behaviour found (e.g. bid-rigging) from the credit "
                                                   "catalogue; the decision is recorded under it.")})
    now = timezone.now()
    measure = Measure.objects.create(
        case=case, kind=kind, number=_next_number(Measure, "SUPERVISION_DECISION_NUMBER", "number"),
        legal_basis=legal_basis, findings=findings, behaviour_code=behaviour_code, issued_at=now, issued_by=user,
        published_at=now if publish else None, **fields)
    if behaviour_code:
        measure.credit_event = credit_event_record(
            behaviour_code=behaviour_code, organisation=measure.organisation, person=measure.person,
            deal_code=(case.project.deal_code or "") if case.project_id else "", source="regulator",
            decision_number=measure.number, evidence=findings, by=user)
    if kind == Measure.Kind.EXPERT_SUSPENSION and expert.status == Expert.Status.ACTIVE:
        expert_status_set(expert=expert, status=Expert.Status.SUSPENDED,
                          reason=_("Decision %(n)s, until %(d)s") % {"n": measure.number, "d": measure.ends_on})
    if kind == Measure.Kind.AWARD_VOIDED:
        award_void(award=award, user=user, reason=findings, decision_number=measure.number)
    role = CaseParty.Role.EXPERT if kind in Measure.EXPERT_KINDS else CaseParty.Role.OTHER
    if not case.parties.filter(organisation=measure.organisation, person=measure.person).exists():
        _party_add(case, role, measure.subject)
    decision_store(measure)
    measure.save()
    audit_record(action="supervision.measure.issue", obj=measure, payload={
        "case": case.number, "number": measure.number, "kind": kind, "legal_basis": legal_basis,
        "subject": str(measure.subject), "amount": measure.amount, "people": measure.talked_to,
        "expert": expert.pk if expert else None, "ends_on": measure.ends_on, "award": award.pk if award else None,
        "referred_to": measure.referred_to, "credit_event": measure.credit_event_id,
        "document_sha256": measure.pdf_sha256, "published": publish}, checkpoint=True)
    return measure


@transaction.atomic
def fine_payment_record(*, measure: Measure, user, amount, paid_on: dt.date, reference: str) -> Measure:
    """Record the payment of a fine (amount, day, the bank's reference)."""
    measure = Measure.objects.select_for_update(of=("self",), no_key=True).select_related("case__project").get(
        pk=measure.pk)
    _require_regulator(user, measure.case.project)
    if measure.kind != Measure.Kind.FINE:
        raise ValidationError({"measure": _("Only a fine is paid.")})
    if measure.paid_on is not None:
        raise ValidationError({"measure": _("The payment of this fine was recorded on %(d)s.")
                               % {"d": measure.paid_on}})
    paid = _amount(amount, "paid_amount")
    if paid_on is None or paid_on > today():
        raise ValidationError({"paid_on": _("Give the day of payment (today or earlier).")})
    reference = _text(reference, "payment_reference", _("Give the payment reference on the bank's receipt."))
    measure.paid_amount, measure.paid_on, measure.payment_reference = paid, paid_on, reference
    measure.save(update_fields=["paid_amount", "paid_on", "payment_reference"])
    audit_record(action="supervision.measure.paid", obj=measure, payload={
        "number": measure.number, "paid_amount": paid, "paid_on": paid_on, "reference": reference,
        "late": paid_on > measure.payment_due})
    return measure


@transaction.atomic
def measure_publish(*, measure: Measure, user) -> Measure:
    """Publish a decision on the portal (its document becomes public)."""
    measure = Measure.objects.select_for_update(of=("self",), no_key=True).select_related("case__project").get(
        pk=measure.pk)
    _require_regulator(user, measure.case.project)
    if measure.published_at is None:
        measure.published_at = timezone.now()
        measure.save(update_fields=["published_at"])
        audit_record(action="supervision.measure.publish", obj=measure, payload={"number": measure.number})
    return measure


@transaction.atomic
def case_close(*, case: Case, user, note: str) -> Case:
    """Close the case (结案): with its decisions, or without a measure (the note says why)."""
    case = _locked(case, user)
    if case.state != Case.State.OPEN:
        raise ValidationError({"state": _("The case is already closed.")})
    note = _text(note, "note", _("Write the closing note (what was decided, or why no measure is taken)."))
    case.state = Case.State.CLOSED if case.measures.exists() else Case.State.DISMISSED
    case.closed_at, case.closing_note, case.overdue_since = timezone.now(), note, None
    case.save(update_fields=["state", "closed_at", "closing_note", "overdue_since"])
    audit_record(action="supervision.case.close", obj=case, payload={
        "number": case.number, "state": case.state, "note": note, "late": today() > case.due})
    return case


@transaction.atomic
def cases_flag_overdue() -> int:
    """Flag open cases past their decision deadline (the desk lists them); decide nothing. Return how many."""
    flagged = 0
    for case in Case.objects.select_for_update(no_key=True).filter(
            state=Case.State.OPEN, due__lt=today(), overdue_since__isnull=True).order_by("pk"):
        case.overdue_since = timezone.now()
        case.save(update_fields=["overdue_since"])
        audit_record(action="supervision.case.overdue", obj=case, payload={"number": case.number, "due": case.due})
        flagged += 1
    return flagged


@transaction.atomic
def suspensions_lift_ended() -> int:
    """Restore experts whose suspension ran out (unless another suspension still runs). Return how many."""
    lifted = 0
    ended = Measure.objects.select_for_update(no_key=True).filter(
        kind=Measure.Kind.EXPERT_SUSPENSION, ends_on__lt=today(), lifted_at__isnull=True).order_by("pk")
    for measure in ended:
        running = Measure.objects.filter(kind=Measure.Kind.EXPERT_SUSPENSION, expert=measure.expert,
                                         ends_on__gte=today(), lifted_at__isnull=True).exists()
        expert = Expert.objects.get(pk=measure.expert_id)
        if not running and expert.status == Expert.Status.SUSPENDED:
            expert_status_set(expert=expert, status=Expert.Status.ACTIVE,
                              reason=_("Suspension of decision %(n)s ended") % {"n": measure.number})
        measure.lifted_at = timezone.now()
        measure.save(update_fields=["lifted_at"])
        lifted += 1
    return lifted
