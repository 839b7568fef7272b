"""Writes of the credit app. Every change is in the audit chain, in the same transaction."""

import datetime as dt
import hashlib
from collections.abc import Sequence

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from audit.services import audit_record
from core.workdays import today

from . import selectors
from .models import (
    Appeal,
    Behaviour,
    BehaviourVersion,
    BlacklistEntry,
    CreditEvent,
    Decision,
    EvidenceDocument,
    RedlistEntry,
    RepairApplication,
)
from .scoring import add_months

Effect = BehaviourVersion.Effect


def _subject_payload(organisation, person) -> dict:
    return {"organisation": organisation.credit_code if organisation else None,
            "person": person.username if person else None}


def _public_until(starts_on: dt.date, ends_on: dt.date) -> dt.date:
    """Last public day: 6 months (CREDIT_PUBLIC_MONTHS) from the start, or the restriction period if longer."""
    return max(add_months(starts_on, settings.CREDIT_PUBLIC_MONTHS) - dt.timedelta(days=1), ends_on)


@transaction.atomic
def blacklist_entry_create(*, reason: str, legal_basis: str, starts_on: dt.date, ends_on: dt.date,
                           organisation=None, person=None, event: CreditEvent | None = None,
                           public_from: dt.date | None = None) -> BlacklistEntry:
    """Put an organisation or a person on the black list from ``starts_on`` to ``ends_on`` inclusive.

    The entry is public from ``starts_on`` for 6 months or the restriction period if
    longer, counted from ``public_from`` (default ``starts_on``).
    """
    if (organisation is None) == (person is None):
        raise ValidationError(_("Name exactly one subject: an organisation or a person."))
    if ends_on < starts_on:
        raise ValidationError({"ends_on": _("The restriction cannot end before it starts.")})
    if not reason.strip() or not legal_basis.strip():
        raise ValidationError(_("Give the reason and the legal basis of the restriction."))
    entry = BlacklistEntry.objects.create(
        organisation=organisation, person=person, reason=reason.strip(), legal_basis=legal_basis.strip(),
        starts_on=starts_on, ends_on=ends_on, public_until=_public_until(public_from or starts_on, ends_on),
        event=event,
    )
    audit_record(action="credit.blacklist.create", obj=entry, payload={
        **_subject_payload(organisation, person), "event": event.pk if event else None,
        "reason": entry.reason, "legal_basis": entry.legal_basis,
        "starts_on": starts_on, "ends_on": ends_on, "public_until": entry.public_until,
    })
    return entry


# --- the catalogue -----------------------------------------------------------------------------


def _check_rule(*, title: str, points: int, effect: str, months: int, applies_to: str, legal_basis: str) -> None:
    errors = {}
    if not title.strip():
        errors["title"] = _("Give the behaviour a title.")
    if not legal_basis.strip():
        errors["legal_basis"] = _("Give the legal basis (law and article), e.g. 招标投标法实施条例第六十七条.")
    if effect not in Effect.values:
        errors["effect"] = _("Choose an effect: points only, black list or red list.")
    elif effect == Effect.NONE and months:
        errors["months"] = _("Months apply only to a black-list or red-list effect; leave it at 0.")
    elif effect != Effect.NONE and not 1 <= months <= 120:
        errors["months"] = _("A black-list or red-list effect needs a period of 1 to 120 months.")
    if effect == Effect.RED_LIST and points:
        errors["points"] = _("A red-list commendation deducts no points; set points to 0.")
    if not 0 <= points <= 100:
        errors["points"] = _("Points deducted must be between 0 and 100.")
    if applies_to not in BehaviourVersion.Applies.values:
        errors["applies_to"] = _("Choose whom the rule applies to.")
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def behaviour_create(*, code: str, title: str, legal_basis: str, points: int = 0, effect: str = Effect.NONE,
                     months: int = 0, applies_to: str = BehaviourVersion.Applies.ANY, description: str = "",
                     legal_basis_tendering: str = "", legal_basis_procurement: str = "",
                     by=None) -> BehaviourVersion:
    """Add a behaviour to the catalogue with its first rule version."""
    code = code.strip().lower()
    if not code:
        raise ValidationError({"code": _("Give the behaviour a code, e.g. bid-rigging.")})
    if Behaviour.objects.filter(code=code).exists():
        raise ValidationError({"code": _("The catalogue already has a behaviour “%(code)s”; "
                                         "edit it to make a new version.") % {"code": code}})
    _check_rule(title=title, points=points, effect=effect, months=months, applies_to=applies_to,
                legal_basis=legal_basis)
    behaviour = Behaviour(code=code)
    behaviour.full_clean()
    behaviour.save()
    version = BehaviourVersion.objects.create(
        behaviour=behaviour, version=1, title=title.strip(), description=description.strip(), points=points,
        effect=effect, months=months, applies_to=applies_to, legal_basis=legal_basis.strip(), created_by=by,
        legal_basis_tendering=legal_basis_tendering.strip(), legal_basis_procurement=legal_basis_procurement.strip(),
    )
    _audit_version("credit.behaviour.create", version)
    return version


@transaction.atomic
def behaviour_revise(*, behaviour: Behaviour, title: str, legal_basis: str, points: int, effect: str, months: int,
                     applies_to: str, change_note: str, description: str = "", active: bool = True,
                     legal_basis_tendering: str = "", legal_basis_procurement: str = "",
                     by=None) -> BehaviourVersion:
    """Make a new version of ``behaviour``'s rule; events already recorded keep their version."""
    if not change_note.strip():
        raise ValidationError({"change_note": _("Say why the rule changes; the reason is kept with the version.")})
    _check_rule(title=title, points=points, effect=effect, months=months, applies_to=applies_to,
                legal_basis=legal_basis)
    behaviour = Behaviour.objects.select_for_update(no_key=True).get(pk=behaviour.pk)
    current = behaviour.current
    version = BehaviourVersion.objects.create(
        behaviour=behaviour, version=current.version + 1, title=title.strip(), description=description.strip(),
        points=points, effect=effect, months=months, applies_to=applies_to, legal_basis=legal_basis.strip(),
        legal_basis_tendering=legal_basis_tendering.strip(), legal_basis_procurement=legal_basis_procurement.strip(),
        active=active, created_by=by, change_note=change_note.strip(),
    )
    _audit_version("credit.behaviour.revise", version)
    return version


def _audit_version(action: str, version: BehaviourVersion) -> None:
    audit_record(action=action, obj=version, payload={
        "code": version.behaviour.code, "version": version.version, "title": version.title,
        "points": version.points, "effect": version.effect, "months": version.months,
        "applies_to": version.applies_to, "legal_basis": version.legal_basis,
        "legal_basis_tendering": version.legal_basis_tendering,
        "legal_basis_procurement": version.legal_basis_procurement, "active": version.active,
        "change_note": version.change_note,
    })


# --- evidence ------------------------------------------------------------------------------------


def _check_documents(documents: Sequence[UploadedFile]) -> None:
    limit = settings.CREDIT_EVIDENCE_MAX_BYTES
    for document in documents:
        if not document.size:
            raise ValidationError({"documents": _("“%(name)s” is empty; attach the file again.")
                                   % {"name": document.name}})
        if document.size > limit:
            raise ValidationError({"documents": _("“%(name)s” is larger than %(mb)s MB; attach a smaller scan.")
                                   % {"name": document.name, "mb": limit // (1024 * 1024)}})


def _save_documents(documents: Sequence[UploadedFile], *, by, **owner) -> list[dict]:
    saved = []
    for document in documents:
        digest = hashlib.sha256()
        for chunk in document.chunks():
            digest.update(chunk)
        document.seek(0)
        row = EvidenceDocument(name=document.name[:200], sha256=digest.hexdigest(), size=document.size,
                               uploaded_by=by, **owner)
        row.file.save(document.name, document, save=False)
        row.save()
        saved.append({"name": row.name, "sha256": row.sha256, "size": row.size})
    return saved


# --- events ---------------------------------------------------------------------------------------


def _check_subject(version: BehaviourVersion, organisation, person) -> None:
    if (organisation is None) == (person is None):
        raise ValidationError(_("Name exactly one subject: an organisation or a person."))
    applies = version.applies_to
    if organisation is not None and applies == BehaviourVersion.Applies.PERSON:
        raise ValidationError({"behaviour": _("“%(title)s” applies to people, not organisations.")
                               % {"title": version.title}})
    if person is not None and applies == BehaviourVersion.Applies.ORGANISATION:
        raise ValidationError({"behaviour": _("“%(title)s” applies to organisations, not people.")
                               % {"title": version.title}})


def _apply_effect(event: CreditEvent, *, start: dt.date) -> None:
    """Create the black- or red-list entry of ``event``'s rule, its period counted from the event's
    day and in force from ``start`` (the event's day, or the correction day of an amendment)."""
    version = event.behaviour_version
    if version.effect == Effect.NONE:
        return
    nominal_end = add_months(event.occurred_on, version.months) - dt.timedelta(days=1)
    if nominal_end < start:
        return
    if version.effect == Effect.BLACK_LIST:
        blacklist_entry_create(reason=version.title, legal_basis=version.basis_for(event.deal_code), starts_on=start,
                               ends_on=nominal_end, organisation=event.organisation, person=event.person,
                               event=event, public_from=event.occurred_on)
    else:
        entry = RedlistEntry.objects.create(organisation=event.organisation, person=event.person, event=event,
                                            reason=version.title, legal_basis=version.basis_for(event.deal_code),
                                            starts_on=start, ends_on=nominal_end)
        audit_record(action="credit.redlist.create", obj=entry, payload={
            **_subject_payload(event.organisation, event.person), "event": event.pk, "reason": entry.reason,
            "starts_on": entry.starts_on, "ends_on": entry.ends_on,
        })


@transaction.atomic
def credit_event_record(*, behaviour_code: str, evidence: str, organisation=None, person=None, deal_code: str = "",
                        source: str = CreditEvent.Source.PLATFORM, occurred_on: dt.date | None = None,
                        decision_number: str = "", documents: Sequence[UploadedFile] = (),
                        by=None) -> CreditEvent:
    """Record one judged behaviour of an organisation or a person under the current rule
    of ``behaviour_code``; a black- or red-list effect creates its entry.

    The platform calls it for automatic events (a bid not decrypted by the bidder's fault,
    an award refused, an expert absent ...); regulators for a decision with evidence documents.
    """
    version = selectors.behaviour_current(code=behaviour_code)
    if version is None or not version.active:
        raise ValidationError({"behaviour": _("The catalogue has no behaviour “%(code)s” in use; "
                                              "choose one from the catalogue.") % {"code": behaviour_code}})
    _check_subject(version, organisation, person)
    evidence = (evidence or "").strip()
    if not evidence:
        raise ValidationError({"evidence": _("Describe the facts and the evidence; the subject will read them.")})
    if source not in CreditEvent.Source.values:
        raise ValidationError({"source": _("Unknown source of the record.")})
    day = today()
    occurred_on = occurred_on or day
    if occurred_on > day:
        raise ValidationError({"occurred_on": _("The date cannot be in the future; give the day of the "
                                                "decision or of the behaviour.")})
    if source == CreditEvent.Source.REGULATOR and not decision_number.strip():
        raise ValidationError({"decision_number": _("Give the number of the regulator's decision document.")})
    _check_documents(documents)
    event = CreditEvent.objects.create(
        organisation=organisation, person=person, behaviour_version=version, points=version.points,
        deal_code=deal_code.strip(), evidence=evidence, source=source, decision_number=decision_number.strip(),
        occurred_on=occurred_on, counts_from=occurred_on, recorded_by=by,
    )
    saved = _save_documents(documents, by=by, event=event)
    audit_record(action="credit.event.record", obj=event, payload={
        **_subject_payload(organisation, person), "behaviour": version.behaviour.code, "version": version.version,
        "points": event.points, "deal_code": event.deal_code, "source": source, "occurred_on": occurred_on,
        "decision_number": event.decision_number, "evidence": evidence, "documents": saved,
    })
    _apply_effect(event, start=occurred_on)
    return event


@transaction.atomic
def credit_event_correct(*, event: CreditEvent, reason: str, by, behaviour_code: str = "") -> CreditEvent:
    """Correct an event from today: it stops counting and its list entry is lifted.

    With ``behaviour_code`` it is amended: a replacing event under that behaviour's current
    rule, dated as the original, counts from today. Returns the replacing event, or the
    annulled one.
    """
    event = CreditEvent.objects.select_for_update(no_key=True).get(pk=event.pk)
    if event.status != CreditEvent.Status.EFFECTIVE:
        raise ValidationError(_("This event was already corrected on %(day)s; correct the event that replaced "
                                "it instead.") % {"day": event.counts_until})
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Give the reason for the correction; the subject will read it.")})
    replacement_version = None
    if behaviour_code:
        replacement_version = selectors.behaviour_current(code=behaviour_code)
        if replacement_version is None or not replacement_version.active:
            raise ValidationError({"behaviour": _("The catalogue has no behaviour “%(code)s” in use; "
                                                  "choose one from the catalogue.") % {"code": behaviour_code}})
        _check_subject(replacement_version, event.organisation, event.person)
    day = max(today(), event.counts_from)
    event.counts_until = day
    event.status = CreditEvent.Status.AMENDED if replacement_version else CreditEvent.Status.ANNULLED
    event.correction_reason = reason
    event.corrected_by = by
    event.save(update_fields=["counts_until", "status", "correction_reason", "corrected_by"])
    audit_record(action="credit.event.correct", obj=event, payload={
        "status": event.status, "stops_counting_on": day, "reason": reason,
        "replaced_by_behaviour": behaviour_code or None,
    })
    for entry_model in (BlacklistEntry, RedlistEntry):
        entry = entry_model.objects.filter(event=event, lifted_on__isnull=True).first()
        if entry is not None:
            _lift(entry, day=day, why=_("event corrected: %(reason)s") % {"reason": reason})
    if replacement_version is None:
        return event
    replacement = CreditEvent.objects.create(
        organisation=event.organisation, person=event.person, behaviour_version=replacement_version,
        points=replacement_version.points, deal_code=event.deal_code, evidence=event.evidence, source=event.source,
        decision_number=event.decision_number, occurred_on=event.occurred_on, counts_from=day, replaces=event,
        recorded_by=by,
    )
    audit_record(action="credit.event.record", obj=replacement, payload={
        **_subject_payload(event.organisation, event.person), "behaviour": replacement_version.behaviour.code,
        "version": replacement_version.version, "points": replacement.points, "occurred_on": replacement.occurred_on,
        "counts_from": day, "replaces": event.pk,
    })
    _apply_effect(replacement, start=day)
    return replacement


def _lift(entry, *, day: dt.date, why: str) -> None:
    entry.lifted_on = day
    fields = ["lifted_on"]
    if isinstance(entry, BlacklistEntry):
        entry.lift_reason = why[:300]
        fields.append("lift_reason")
    entry.save(update_fields=fields)
    audit_record(action=f"credit.{entry._meta.model_name}.lift", obj=entry, payload={"lifted_on": day, "why": why})


# --- appeals -------------------------------------------------------------------------------------------


@transaction.atomic
def appeal_file(*, event: CreditEvent, statement: str, by, documents: Sequence[UploadedFile] = ()) -> Appeal:
    """The subject contests ``event`` (异议申诉)."""
    if not selectors.is_subject_of(by, event):
        raise PermissionDenied(_("Only the subject of a credit record may appeal against it."))
    event = CreditEvent.objects.select_for_update(no_key=True).get(pk=event.pk)
    if event.status != CreditEvent.Status.EFFECTIVE:
        raise ValidationError(_("This record was already corrected; there is nothing left to appeal."))
    if event.appeals.filter(status=Decision.PENDING).exists():
        raise ValidationError(_("An appeal against this record is already waiting for the regulator's decision."))
    statement = (statement or "").strip()
    if not statement:
        raise ValidationError({"statement": _("Say why the record is wrong.")})
    _check_documents(documents)
    appeal = Appeal.objects.create(event=event, statement=statement, filed_by=by)
    saved = _save_documents(documents, by=by, appeal=appeal)
    audit_record(action="credit.appeal.file", obj=appeal, payload={
        "event": event.pk, "statement": statement, "documents": saved,
    })
    return appeal


@transaction.atomic
def appeal_decide(*, appeal: Appeal, uphold: bool, reason: str, by, behaviour_code: str = "") -> Appeal:
    """Uphold (the event is corrected: annulled, or amended to ``behaviour_code``) or dismiss an appeal."""
    appeal = Appeal.objects.select_for_update(no_key=True).get(pk=appeal.pk)
    if appeal.status != Decision.PENDING:
        raise ValidationError(_("This appeal was already decided on %(day)s.")
                              % {"day": timezone.localtime(appeal.decided_at).date()})
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Give the reasons for the decision; the appellant will read them.")})
    if uphold:
        credit_event_correct(event=appeal.event, reason=reason, by=by, behaviour_code=behaviour_code)
    appeal.status = Decision.APPROVED if uphold else Decision.REFUSED
    appeal.decision_reason = reason
    appeal.decided_by = by
    appeal.decided_at = timezone.now()
    appeal.save(update_fields=["status", "decision_reason", "decided_by", "decided_at"])
    audit_record(action="credit.appeal.decide", obj=appeal, payload={
        "event": appeal.event_id, "status": appeal.status, "reason": reason,
        "amended_to": behaviour_code or None,
    })
    return appeal


# --- credit repair --------------------------------------------------------------------------------------


@transaction.atomic
def repair_apply(*, entry: BlacklistEntry, statement: str, by,
                 documents: Sequence[UploadedFile] = ()) -> RepairApplication:
    """The subject asks for its black-list entry to be lifted (信用修复), with evidence of what it put right."""
    if not selectors.is_subject_of(by, entry):
        raise PermissionDenied(_("Only the subject of a black-list entry may apply for its repair."))
    entry = BlacklistEntry.objects.select_for_update(no_key=True).get(pk=entry.pk)
    day = today()
    if not (entry.in_force_on(day) or entry.public_on(day)):
        raise ValidationError(_("This entry is no longer in force or public; there is nothing to repair."))
    if entry.repairs.filter(status=Decision.PENDING).exists():
        raise ValidationError(_("A repair application for this entry is already waiting for the regulator."))
    statement = (statement or "").strip()
    if not statement:
        raise ValidationError({"statement": _("Say what you have put right (rectification, fines paid, training).")})
    if not documents:
        raise ValidationError({"documents": _("Attach the evidence of the rectification, "
                                              "e.g. the rectification report or the payment receipt.")})
    _check_documents(documents)
    application = RepairApplication.objects.create(entry=entry, statement=statement, filed_by=by)
    saved = _save_documents(documents, by=by, repair=application)
    audit_record(action="credit.repair.apply", obj=application, payload={
        "entry": entry.pk, "statement": statement, "documents": saved,
    })
    return application


@transaction.atomic
def repair_decide(*, application: RepairApplication, approve: bool, reason: str, by) -> RepairApplication:
    """Approve (the entry is lifted from today: no longer restricting nor public, kept) or refuse with reasons."""
    application = RepairApplication.objects.select_for_update(no_key=True).get(pk=application.pk)
    if application.status != Decision.PENDING:
        raise ValidationError(_("This application was already decided on %(day)s.")
                              % {"day": timezone.localtime(application.decided_at).date()})
    reason = (reason or "").strip()
    if not approve and not reason:
        raise ValidationError({"reason": _("Give the reasons for refusing; the applicant will read them.")})
    if approve:
        entry = BlacklistEntry.objects.select_for_update(no_key=True).get(pk=application.entry_id)
        if entry.lifted_on is None:
            _lift(entry, day=max(today(), entry.starts_on),
                  why=_("credit repair approved (application %(id)s)") % {"id": application.pk})
    application.status = Decision.APPROVED if approve else Decision.REFUSED
    application.decision_reason = reason
    application.decided_by = by
    application.decided_at = timezone.now()
    application.save(update_fields=["status", "decision_reason", "decided_by", "decided_at"])
    audit_record(action="credit.repair.decide", obj=application, payload={
        "entry": application.entry_id, "status": application.status, "reason": reason,
    })
    return application
