"""Tender bid bonds (投标保证金; TL 26, 57; CGT 33; 87-38) through the deposits ledger.

A section may ask for a bond (``Section.bond_amount``, none by default, at most 2% of the base amount). When a bidder
registers for such a section, deposits issues it a virtual sub-account for the section; the bond counts if it
arrived in full before the bid deadline or an electronic guarantee covers it. Nothing about who paid shows before
the deadline (deposits refuses: ``TooEarly``); at the opening each opened bid's bond status is shown and recorded.
"""

import datetime as dt

from django.conf import settings
from django.utils import timezone

from deposits import selectors as deposits_selectors
from deposits import services as deposits_services

from .models import Category, Project, Registration, Section

PURPOSE = "trading.section"


def refund_rule(project: Project) -> str:
    """CGT 33 (working days) for government procurement, TL 57 (days, with interest) for the rest."""
    return "cgt33" if project.category == Category.GOVERNMENT else "tl57"


def bond_requirement_sync(section: Section):
    """The deposits requirement of ``section``'s bond, created or brought up to date (deadline); None if no bond."""
    if not section.bond_amount:
        return None
    project = section.project
    return deposits_services.requirement_set(
        purpose_type=PURPOSE, purpose_id=section.pk, kind="bond",
        label=f"{project.title} {section.full_code} {section.name}"[:300], organiser=project.host,
        beneficiary=project.tenderer.name, amount=section.bond_amount, deadline=project.bid_deadline,
        refund_rule=refund_rule(project), deal_code=project.deal_code,
        # TL 26: a guarantee lasts the bid validity period from the deadline.
        guarantee_valid_until=timezone.localdate(project.bid_deadline)
        + dt.timedelta(days=settings.DEPOSITS_BOND_VALIDITY_DAYS),
    )


def bond_account_open(registration: Registration):
    """The registered bidder's sub-account for the section's bond; None if the section asks for none."""
    requirement = bond_requirement_sync(registration.section)
    if requirement is None:
        return None
    return deposits_services.account_open(requirement=requirement, organisation=registration.organisation)


def bonds_sync_deadline(project: Project) -> None:
    """After the bid deadline moved: every bond requirement of the project follows it."""
    for section in project.sections.filter(bond_amount__isnull=False):
        if deposits_selectors.requirement_for(purpose_type=PURPOSE, purpose_id=section.pk) is not None:
            bond_requirement_sync(section)


def bond_statuses(section: Section) -> dict | None:
    """{organisation id: DepositStatus} of the section's bonds after the deadline; None if the section asks for no
    bond. Raises deposits.selectors.TooEarly before the deadline."""
    if not section.bond_amount:
        return None
    requirement = deposits_selectors.requirement_for(purpose_type=PURPOSE, purpose_id=section.pk)
    if requirement is None:
        return {}
    return deposits_selectors.statuses_after_deadline(requirement)


def bond_cell(statuses: dict | None, organisation_id: int) -> dict | None:
    """What the opening table shows of one bidder's bond: None when the section asks for none."""
    if statuses is None:
        return None
    status = statuses.get(organisation_id)
    if status is None or not status.has_right:
        return {"ok": False, "state": status.state if status else "missing",
                "label": deposits_selectors.NO_BOND_LABEL()}
    return {"ok": True, "state": status.state, "label": status.label}


def _requirement(section: Section):
    if not section.bond_amount:
        return None
    return deposits_selectors.requirement_for(purpose_type=PURPOSE, purpose_id=section.pk)


def bonds_due(section: Section, *, on, keep=()) -> list:
    """Mark the bonds of ``section`` due back after the event of day ``on``, except those of ``keep`` (organisations):
    the deadline follows the refund rule (TL 57: 5 days; CGT 33: 5 working days). Marking twice adds nothing."""
    requirement = _requirement(section)
    if requirement is None:
        return []
    kept = [account for account in requirement.accounts.filter(organisation__in=list(keep))]
    return deposits_services.refunds_due_mark(requirement=requirement, event_on=on, except_accounts=kept)


def bonds_after_award_notice(project: Project, *, on) -> None:
    """CGT 33: the losers' bonds are due back within 5 working days of the award notice (the winner's after the
    contract). Under TL 57 every bond waits for the contract."""
    if refund_rule(project) != "cgt33":
        return
    for section in project.sections.filter(bond_amount__isnull=False):
        award = getattr(section, "award", None)
        bonds_due(section, on=on, keep=[award.organisation_id] if award is not None else [])


def bonds_after_contract(contract) -> None:
    """TL 57 / CGT 33: after the contract every bond of the section is due back, the winner's included."""
    bonds_due(contract.award.section, on=contract.signed_on)


def bonds_after_failure(project: Project, *, on) -> None:
    """A failed (流标) or cancelled procedure: the bonds of the sections that ended are due back."""
    for section in project.sections.filter(bond_amount__isnull=False):
        if section.failed_at is not None or project.status in ("failed", "cancelled"):
            bonds_due(section, on=on)


def bond_forfeit_on_refusal(*, section: Section, organisation, reason: str, by=None):
    """The winner refused the award or the contract (TL 74): its bond is not refunded. The credit event is the
    refusal's own (trading.services.refusals), so none is recorded here. None when it paid no bond."""
    requirement = _requirement(section)
    if requirement is None:
        return None
    account = deposits_selectors.account_for(requirement=requirement, organisation=organisation)
    if account is None:
        return None
    status = deposits_selectors.deposit_status(account)
    if status.forfeited or status.converted or (status.held <= 0 and status.guarantee is None):
        return None
    return deposits_services.deposit_forfeit(account=account, reason=reason, behaviour_code="", by=by)
