"""The winner refuses the award or the contract (放弃中标 / 拒签合同), and what the tenderer does next.

TL 74 / CGT 72: a winner that refuses without good reason is a credit offence
(``award-refused`` / ``contract-refused``, recorded automatically). TL 55: the tenderer may
award the next-ranked candidate, or tender again. The refused award keeps its row
(``section`` cleared, ``refused_section`` set): statistics never count it.
"""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Role
from audit.services import audit_record
from credit.services import credit_event_record

from ..bonds import bond_forfeit_on_refusal
from ..models import Award, CancelReason, Candidate, Contract, Project, Section, Status
from ..selectors import is_party, live_sections
from .awards import _money
from .notices import announcement_publish

REFUSAL_BEHAVIOUR = {"award": "award-refused", "contract": "contract-refused"}


def _locked(project_id: int, user) -> Project:
    project = Project.objects.select_for_update(no_key=True).get(pk=project_id)
    if not is_party(user=user, project=project):
        raise PermissionDenied(_("Only the tenderer or its agency may do this."))
    return project


@transaction.atomic
def award_refuse(*, award: Award, user, refusal: str, reason: str) -> Award:
    """Record that the winner refused the award (before the contract) or refused to sign the contract.

    The award is kept, marked refused; the winner gets the credit event of the refusal.
    """
    if award.section_id is None:
        raise ValidationError({"award": _("This award was already refused on %(at)s.") % {
            "at": timezone.localtime(award.refused_at).strftime("%Y-%m-%d %H:%M")}})
    project = _locked(award.section.project_id, user)
    award = Award.objects.select_for_update(no_key=True).get(pk=award.pk)
    if award.section_id is None:
        raise ValidationError({"award": _("This award was already refused.")})
    if refusal not in REFUSAL_BEHAVIOUR:
        raise ValidationError({"refusal": _("Say whether the winner refused the award or refused to sign the "
                                            "contract.")})
    allowed = (Status.READY_TO_AWARD, Status.AWARDED) if refusal == "award" else (Status.AWARDED,)
    if project.status not in allowed:
        raise ValidationError({"status": _("A refusal of the award is recorded once the award is entered, a refusal "
                                           "of the contract after the award notice; the project is “%(s)s”.")
                               % {"s": project.get_status_display()}})
    if Contract.objects.filter(award=award).exists():
        raise ValidationError({"award": _("The contract of this award is signed; it can no longer be refused.")})
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Describe the refusal and its evidence (the winner's letter, the date); "
                                           "the winner will read it.")})
    section = award.section
    award.refused_section = section
    award.section = None
    award.refusal = refusal
    award.refusal_reason = reason
    award.refused_at = timezone.now()
    award.save()
    event = credit_event_record(behaviour_code=REFUSAL_BEHAVIOUR[refusal], organisation=award.organisation,
                                deal_code=project.deal_code, evidence=reason, by=user)
    bond_forfeit_on_refusal(section=section, organisation=award.organisation, reason=reason, by=user)  # TL 74
    audit_record(action="trading.award.refuse", obj=award, payload={
        "deal_code": project.deal_code, "section": section.code, "winner": award.organisation.credit_code,
        "refusal": refusal, "reason": reason, "credit_event": event.pk})
    return award


@transaction.atomic
def award_void(*, award: Award, user, reason: str, decision_number: str) -> Award:
    """A regulator declares the award void (中标无效: ZB 50, 52–55, 57; TL 81) by a decision.

    The award is kept, marked voided (``refusal="voided"``), like a refused one: the section has no live award, its
    winner is not awarded again, and the tenderer awards the next candidate or tenders again (TL 55, 81). A changed
    award notice is published. Refused once the contract is signed (a court then decides on the contract).
    """
    if user.role != Role.REGULATOR:
        raise PermissionDenied(_("Only a regulator declares an award void."))
    if award.section_id is None:
        raise ValidationError({"award": _("This award is no longer live (refused or voided on %(at)s).") % {
            "at": timezone.localtime(award.refused_at).strftime("%Y-%m-%d %H:%M")}})
    project = Project.objects.select_for_update(no_key=True).get(pk=award.section.project_id)
    award = Award.objects.select_for_update(no_key=True).get(pk=award.pk)
    if project.status not in (Status.READY_TO_AWARD, Status.AWARDED) or Contract.objects.filter(award=award).exists():
        raise ValidationError({"award": _("An award is declared void before its contract is signed; the project is "
                                          "“%(s)s”. Refer a signed contract to the court instead.")
                               % {"s": project.get_status_display()}})
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("State the findings for which the award is void.")})
    section = award.section
    award.refused_section, award.section = section, None
    award.refusal, award.refusal_reason, award.refused_at = "voided", reason, timezone.now()
    award.save()
    if project.status == Status.AWARDED:
        announcement_publish(project=project, kind="award", title=_("%(title)s: award declared void") % {
            "title": project.title}, body=_("%(section)s %(name)s — the award to %(winner)s is void by decision "
                                           "%(number)s.") % {"section": section.full_code, "name": section.name,
                                                              "winner": award.organisation.name,
                                                              "number": decision_number})
    audit_record(action="trading.award.void", obj=award, payload={
        "deal_code": project.deal_code, "section": section.code, "winner": award.organisation.credit_code,
        "decision_number": decision_number, "reason": reason})
    return award


def next_candidate(*, section: Section) -> Candidate | None:
    """The best-ranked candidate that has not refused this section's award."""
    refused = Award.objects.filter(refused_section=section).values("organisation")
    return section.candidates.exclude(organisation__in=refused).order_by("rank").first()


def _check_after_refusal(project: Project, section: Section) -> None:
    if section.project_id != project.pk:
        raise ValidationError({"section": _("This section belongs to another project.")})
    if project.status not in (Status.READY_TO_AWARD, Status.AWARDED):
        raise ValidationError({"status": _("The project is “%(s)s”; this step follows a refused award.")
                               % {"s": project.get_status_display()}})
    if hasattr(section, "award"):
        raise ValidationError({"section": _("This section has a live award; record the winner's refusal first.")})
    if section.failed_at is not None:
        raise ValidationError({"section": _("This section failed (流标); re-tender it.")})
    if not Award.objects.filter(refused_section=section).exists():
        raise ValidationError({"section": _("No award of this section was refused.")})


@transaction.atomic
def award_next_candidate(*, section: Section, user, amount=None) -> Award:
    """Award the section to the next-ranked candidate after a refusal (TL 55); amount defaults to its bid price."""
    project = _locked(section.project_id, user)
    section = Section.objects.get(pk=section.pk)
    _check_after_refusal(project, section)
    candidate = next_candidate(section=section)
    if candidate is None:
        raise ValidationError({"section": _("No candidate is left to award; tender the section again.")})
    award = Award.objects.create(
        section=section, organisation=candidate.organisation, bid=candidate.bid,
        amount=_money(candidate.price if amount in (None, "") else amount, "amount"),
        base_amount=section.base_amount, base_type=section.base_type, awarded_at=timezone.now(), awarded_by=user)
    if project.status == Status.AWARDED:
        announcement_publish(project=project, kind="award", title=_("%(title)s: changed award notice") % {
            "title": project.title}, body=_("%(section)s %(name)s — %(winner)s %(amount)s (the candidate ranked "
                                           "%(rank)d, after the winner's refusal)") % {
            "section": section.full_code, "name": section.name, "winner": candidate.organisation.name,
            "amount": award.amount, "rank": candidate.rank})
    audit_record(action="trading.award.next_candidate", obj=award, payload={
        "deal_code": project.deal_code, "section": section.code, "winner": candidate.organisation.credit_code,
        "rank": candidate.rank, "amount": award.amount})
    return award


@transaction.atomic
def award_refusal_retender(*, section: Section, user, note: str) -> Project:
    """Give up the section after a refusal: it fails (流标); when no section is left the project fails and can be
    re-tendered (``project_retender``)."""
    from ..lifecycle import project_transition

    project = _locked(section.project_id, user)
    section = Section.objects.get(pk=section.pk)
    _check_after_refusal(project, section)
    note = (note or "").strip()
    if not note:
        raise ValidationError({"note": _("Say why the section is tendered again; it is published.")})
    section.failed_at = timezone.now()
    section.save(update_fields=["failed_at"])
    audit_record(action="trading.section.fail_after_refusal", obj=section, payload={
        "deal_code": project.deal_code, "section": section.code, "note": note})
    if not live_sections(project=project).exists():
        project_transition(project=project, to=Status.FAILED, user=user, reason_code=CancelReason.OTHER,
                           note=note)
    project.refresh_from_db()
    return project
