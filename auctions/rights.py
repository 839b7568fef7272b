"""The one module of auctions that talks to the deposits ledger (``deposits/``, a lower layer).

Each lot with a deposit has a requirement (purpose ``auctions.lot``, the lot's id); each applicant a virtual
sub-account. The bidding right follows the ledger: the deposit arrived in full before the sale's deadline, or an
electronic guarantee covers it. At the close the winner's deposit is converted into part of the price and the
others' are due back (5 working days, the ``sale`` refund rule); a winner who refuses forfeits it, with a credit
event.
"""

import datetime as dt

from deposits import selectors as ledger
from deposits import services as ledger_services
from deposits.models import DepositAccount, DepositRequirement, RefundRule

from .models import Application, Lot

PURPOSE = "auctions.lot"


def requirement_of(lot: Lot) -> DepositRequirement | None:
    return ledger.requirement_for(purpose_type=PURPOSE, purpose_id=lot.pk)


def requirement_set(*, lot: Lot) -> DepositRequirement | None:
    """Tell the ledger what ``lot`` asks of each bidder (nothing for a lot without deposit)."""
    if not lot.deposit:
        return None
    sale = lot.sale
    return ledger_services.requirement_set(
        purpose_type=PURPOSE, purpose_id=lot.pk, kind=DepositRequirement.Kind.SALE_DEPOSIT,
        label=f"{sale.title} {lot.title}", organiser=sale.host, beneficiary=sale.seller.name, amount=lot.deposit,
        deadline=sale.application_deadline, refund_rule=RefundRule.SALE, deal_code=sale.deal_code or "")


def account_of(application: Application) -> DepositAccount | None:
    requirement = requirement_of(application.lot)
    if requirement is None:
        return None
    return ledger.account_for(requirement=requirement, organisation=application.organisation)


def account_open(*, application: Application) -> DepositAccount | None:
    """The applicant's virtual sub-account for the lot (the same one on every call)."""
    requirement = requirement_of(application.lot)
    if requirement is None:
        return None
    return ledger_services.account_open(requirement=requirement, organisation=application.organisation)


def deposit_covers(*, application: Application) -> bool:
    """Whether the deposit for ``application``'s lot arrived in full before the deadline (or a guarantee covers it)."""
    return ledger.bidding_right(requirement=requirement_of(application.lot), organisation=application.organisation)


def deposit_status(application: Application):
    account = account_of(application)
    return None if account is None else ledger.deposit_status(account)


def refunds_due(*, lot: Lot, keep: Application | None, on: dt.date) -> None:
    """At the close: every bidder's deposit is due back except the winner's (``keep``), held until the deal."""
    requirement = requirement_of(lot)
    if requirement is None:
        return
    account = account_of(keep) if keep is not None else None
    ledger_services.refunds_due_mark(requirement=requirement, event_on=on,
                                     except_accounts=[account] if account is not None else [])


def convert(*, application: Application, by) -> None:
    """The winner signed the 成交确认书: its deposit becomes part of the price (保证金转作价款)."""
    account = account_of(application)
    if account is not None and ledger.deposit_status(account).paid_in_time:
        ledger_services.deposit_convert(account=account, by=by)


def forfeit(*, application: Application, reason: str, by) -> None:
    """The winner refused the deal: its deposit is kept (不予退还) and a credit event recorded."""
    account = account_of(application)
    if account is not None:
        ledger_services.deposit_forfeit(account=account, reason=reason, by=by)
