"""Candidates (中标候选人), awards (中标/成交) and contracts: the results statistics read."""

import datetime as dt
from decimal import Decimal, InvalidOperation

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Organisation
from audit.services import audit_record

from ..bonds import bonds_after_contract
from ..models import Award, Bid, Candidate, Contract, Project, Section, Status
from ..selectors import is_party
from .notices import announcement_publish

MAX_CANDIDATES = 3


def _money(value, field: str) -> Decimal:
    try:
        amount = Decimal(str(value)).quantize(Decimal("0.01"))
    except (InvalidOperation, TypeError):
        raise ValidationError({field: _("Give an amount in yuan, e.g. 1234567.89.")})
    if amount <= 0:
        raise ValidationError({field: _("The amount must be above 0 yuan.")})
    return amount


def _locked_project(section: Section, user, *, committee: bool = False) -> Project:
    project = Project.objects.select_for_update(no_key=True).get(pk=section.project_id)
    if not committee and not is_party(user=user, project=project):
        raise PermissionDenied(_("Only the tenderer or its agency may do this."))
    if section.failed_at is not None:
        raise ValidationError({"section": _("This section failed (流标); it has no result.")})
    return project


@transaction.atomic
def candidates_set(*, section: Section, user, candidates: list[dict]) -> list[Candidate]:
    """Enter the ranked candidates of a section during evaluation (at most 3), replacing any entered before.

    Each entry: ``organisation`` (an Organisation or its credit code), ``price``,
    optional ``score``. Each must have a valid bid in the section. Later the
    expert evaluation feeds this service.

    ``user=None`` means the evaluation committee itself (expert_pool.evaluation.services.evaluation_report,
    which checks that its leader acts); no person of the tenderer or agency is involved then.
    """
    project = _locked_project(section, user, committee=user is None)
    if project.status != Status.EVALUATION:
        raise ValidationError({"status": _("Candidates are entered during evaluation; the project is “%(s)s”.")
                               % {"s": project.get_status_display()}})
    if not 1 <= len(candidates) <= MAX_CANDIDATES:
        raise ValidationError({"candidates": _("Enter 1 to %(n)d ranked candidates.") % {"n": MAX_CANDIDATES}})
    rows = []
    seen = set()
    for rank, entry in enumerate(candidates, start=1):
        organisation = entry.get("organisation")
        if isinstance(organisation, str):
            organisation = Organisation.objects.filter(credit_code=organisation.strip().upper()).first()
        if organisation is None:
            raise ValidationError({"candidates": _("Candidate %(rank)d: no such organisation.") % {"rank": rank}})
        if organisation.pk in seen:
            raise ValidationError({"candidates": _("%(name)s is listed twice.") % {"name": organisation.name}})
        seen.add(organisation.pk)
        bid = Bid.objects.filter(section=section, organisation=organisation, state__in=Bid.VALID).first()
        if bid is None:
            raise ValidationError({"candidates": _("%(name)s has no valid bid in this section.")
                                   % {"name": organisation.name}})
        score = entry.get("score")
        rows.append(Candidate(section=section, rank=rank, organisation=organisation, bid=bid,
                              price=_money(entry.get("price"), "candidates"),
                              score=Decimal(str(score)) if score not in (None, "") else None))
    section.candidates.all().delete()
    Candidate.objects.bulk_create(rows)
    audit_record(action="trading.candidates.set", obj=section, payload={
        "deal_code": project.deal_code, "section": section.code,
        "candidates": [{"rank": c.rank, "bidder": c.organisation.credit_code, "price": c.price} for c in rows]})
    return rows


@transaction.atomic
def award_create(*, section: Section, user, organisation: Organisation, amount) -> Award:
    """Record the winner and the award amount or deal price of a section after the publicity ended.

    The winner must be one of the publicised candidates. The section's base
    figure and its type are stored next to the result.
    """
    project = _locked_project(section, user)
    if project.status != Status.READY_TO_AWARD:
        raise ValidationError({"status": _("Awards are entered once the candidate publicity has ended; the project "
                                           "is “%(s)s”.") % {"s": project.get_status_display()}})
    if Award.objects.filter(section=section).exists():
        raise ValidationError({"section": _("This section is already awarded.")})
    candidate = section.candidates.filter(organisation=organisation).first()
    if candidate is None:
        raise ValidationError({"organisation": _("The winner must be one of the publicised candidates.")})
    award = Award.objects.create(
        section=section, organisation=organisation, bid=candidate.bid, amount=_money(amount, "amount"),
        base_amount=section.base_amount, base_type=section.base_type, awarded_at=timezone.now(), awarded_by=user)
    audit_record(action="trading.award.create", obj=award, payload={
        "deal_code": project.deal_code, "section": section.code, "winner": organisation.credit_code,
        "amount": award.amount, "base_amount": award.base_amount, "base_type": award.base_type})
    return award


@transaction.atomic
def contract_record(*, award: Award, user, signed_on: dt.date, amount) -> Contract:
    """Record the contract signed for an award."""
    project = _locked_project(award.section, user)
    if project.status != Status.AWARDED:
        raise ValidationError({"status": _("Contracts are recorded after the award notice; the project is “%(s)s”.")
                               % {"s": project.get_status_display()}})
    if Contract.objects.filter(award=award).exists():
        raise ValidationError({"award": _("The contract of this award is already recorded.")})
    if signed_on is None or signed_on > timezone.localdate():
        raise ValidationError({"signed_on": _("Give the date the contract was signed (not in the future).")})
    contract = Contract.objects.create(award=award, signed_on=signed_on, amount=_money(amount, "amount"),
                                       recorded_by=user, recorded_at=timezone.now())
    audit_record(action="trading.contract.record", obj=contract, payload={
        "deal_code": project.deal_code, "section": award.section.code, "signed_on": signed_on,
        "amount": contract.amount})
    section = award.section
    announcement_publish(project=project, kind="contract", title=_("%(title)s: contract publicity") % {
        "title": project.title}, body="\n".join([
            f"{section.full_code} {section.name}",
            _("Purchaser / tenderer: %(name)s") % {"name": project.tenderer.name},
            _("Supplier / winner: %(name)s") % {"name": award.organisation.name},
            _("Contract amount (yuan): %(amount)s") % {"amount": f"{contract.amount:,.2f}"},
            _("Signed on: %(day)s") % {"day": signed_on.isoformat()},
        ]))
    bonds_after_contract(contract)  # TL 57 / CGT 33: the section's bid bonds are due back
    return contract


TERMINABLE = (Status.AWARDED, Status.CONTRACT_SIGNED, Status.ARCHIVED)


@transaction.atomic
def contract_terminate(*, contract: Contract, user, terminated_on: dt.date, reason: str) -> Contract:
    """Record that a signed contract was terminated (合同终止) on ``terminated_on``, and why. Open data publishes the
    termination from then on (a ``contractTermination`` release)."""
    award = Award.objects.select_related("section").get(pk=contract.award_id)
    if award.section is None:
        raise ValidationError({"contract": _("This award was refused; its contract cannot be terminated here.")})
    project = _locked_project(award.section, user)
    contract = Contract.objects.select_for_update(no_key=True).get(pk=contract.pk)
    if project.status not in TERMINABLE:
        raise ValidationError({"status": _("A contract is terminated after it was signed; the project is “%(s)s”.")
                               % {"s": project.get_status_display()}})
    if contract.terminated_on is not None:
        raise ValidationError({"contract": _("This contract was already terminated on %(day)s.")
                               % {"day": contract.terminated_on.isoformat()}})
    if terminated_on is None or terminated_on > timezone.localdate() or terminated_on < contract.signed_on:
        raise ValidationError({"terminated_on": _(
            "Give the day the contract ended: not before it was signed (%(signed)s), not in the future.")
            % {"signed": contract.signed_on.isoformat()}})
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Say why the contract was terminated (e.g. agreed by both parties, or "
                                           "the legal ground); it is kept in the record.")})
    contract.terminated_on, contract.termination_reason = terminated_on, reason
    contract.terminated_by, contract.terminated_at = user, timezone.now()
    contract.save(update_fields=["terminated_on", "termination_reason", "terminated_by", "terminated_at"])
    audit_record(action="trading.contract.terminate", obj=contract, payload={
        "deal_code": project.deal_code, "section": award.section.code, "terminated_on": terminated_on,
        "reason": reason})
    return contract
