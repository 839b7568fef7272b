"""Reads of the deposits ledger. The functions other apps (trading, bidding_room, auctions) call:

- ``requirement_for(purpose_type=, purpose_id=)`` → the DepositRequirement of a lot or section, or None.
- ``account_for(requirement=, organisation=)`` → that bidder's DepositAccount, or None.
- ``deposit_status(account, at=None)`` → ``DepositStatus``: what arrived in time or late, the guarantee that
  covers it, whether the bidder has the right to bid (``has_right``), the settlement state and its label.
- ``has_bidding_right(account)`` / ``bidding_right(requirement=, organisation=)`` → bool: the required amount
  arrived in full before the deadline, or a valid electronic guarantee recorded before it covers it.
- ``statuses_after_deadline(requirement)`` → {organisation id: DepositStatus} for everyone with an account.
  For a tender bond (confidential) it raises ``TooEarly`` before the deadline: nothing about who paid is shown.
- ``accounts_of(organisation)`` → the bidder's own accounts (its sub-account numbers, amounts, deadlines).

Every check uses the server clock (timezone.now()) and the bank's booking time of the money.
"""

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings
from django.db.models import QuerySet, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from .models import DepositAccount, DepositRequirement, Guarantee, Movement

Kind = Movement.Kind
ZERO = Decimal("0.00")


class TooEarly(Exception):
    """A tender bond's payments are asked for before the deadline (EB 23/24: no names or counts before it)."""


@dataclass(frozen=True)
class DepositStatus:
    """Where one bidder's deposit stands."""

    required: Decimal
    deadline: dt.datetime
    arrived_in_time: Decimal
    arrived_late: Decimal
    guarantee: Guarantee | None
    refund_due: Decimal
    refunded: Decimal
    converted: Decimal
    forfeited: Decimal
    due_on: dt.date | None
    deadline_passed: bool

    @property
    def paid_in_time(self) -> bool:
        return self.arrived_in_time >= self.required

    @property
    def has_right(self) -> bool:
        """The right to bid (竞买资格 / a bond that counts): paid in full in time, or a valid guarantee."""
        return self.paid_in_time or self.guarantee is not None

    @property
    def held(self) -> Decimal:
        """Money the bank still holds for this bidder: arrived, less refunded, converted and forfeited."""
        return self.arrived_in_time + self.arrived_late - self.refunded - self.converted - self.forfeited

    @property
    def outstanding_refund(self) -> Decimal:
        return max(self.refund_due - self.refunded, ZERO)

    @property
    def state(self) -> str:
        """One word for the state: forfeited, converted, refunded, refund_due, paid, guaranteed, late, missing,
        awaiting."""
        if self.forfeited:
            return "forfeited"
        if self.converted:
            return "converted"
        if self.refund_due and not self.outstanding_refund:
            return "refunded"
        if self.outstanding_refund:
            return "refund_due"
        if self.paid_in_time:
            return "paid"
        if self.guarantee is not None:
            return "guaranteed"
        if self.arrived_late:
            return "late"
        return "missing" if self.deadline_passed else "awaiting"

    @property
    def label(self) -> str:
        return STATE_LABELS()[self.state]


def STATE_LABELS() -> dict[str, str]:  # noqa: N802 (a table, translated when read)
    return {
        "forfeited": _("Forfeited"),
        "converted": _("Converted into the price"),
        "refunded": _("Refunded"),
        "refund_due": _("Refund due"),
        "paid": _("Arrived in full before the deadline"),
        "guaranteed": _("Covered by an electronic guarantee"),
        "late": _("Arrived after the deadline: no right to bid"),
        "missing": _("Not arrived by the deadline"),
        "awaiting": _("Awaiting arrival"),
    }


def NO_BOND_LABEL() -> str:  # noqa: N802
    return _("No bond arrived in full before the deadline")


def requirement_for(*, purpose_type: str, purpose_id) -> DepositRequirement | None:
    return DepositRequirement.objects.filter(purpose_type=purpose_type, purpose_id=str(purpose_id)).first()


def account_for(*, requirement: DepositRequirement, organisation) -> DepositAccount | None:
    return DepositAccount.objects.filter(requirement=requirement, organisation=organisation).first()


def account_by_sub_account(number: str) -> DepositAccount | None:
    return DepositAccount.objects.select_related("requirement").filter(sub_account=number).first()


def _sums(account: DepositAccount) -> dict[str, Decimal]:
    rows = Movement.objects.filter(account=account).values("kind").annotate(total=Sum("amount"))
    return {row["kind"]: row["total"] for row in rows}


def deposit_status(account: DepositAccount, *, at: dt.datetime | None = None) -> DepositStatus:
    """Where ``account`` stands now (or at ``at``)."""
    at = at or timezone.now()
    requirement = account.requirement
    movements = Movement.objects.filter(account=account)
    in_time = movements.filter(kind=Kind.ARRIVAL, arrived_at__lte=requirement.deadline).aggregate(t=Sum("amount"))
    sums = _sums(account)
    arrived_in_time = in_time["t"] or ZERO
    due = movements.filter(kind=Kind.REFUND_DUE).order_by("-due_on").values_list("due_on", flat=True).first()
    return DepositStatus(
        required=requirement.amount, deadline=requirement.deadline,
        arrived_in_time=arrived_in_time, arrived_late=sums.get(Kind.ARRIVAL, ZERO) - arrived_in_time,
        guarantee=valid_guarantee(account),
        refund_due=sums.get(Kind.REFUND_DUE, ZERO), refunded=sums.get(Kind.REFUNDED, ZERO),
        converted=sums.get(Kind.CONVERTED, ZERO), forfeited=sums.get(Kind.FORFEITED, ZERO),
        due_on=due, deadline_passed=at > requirement.deadline,
    )


def valid_guarantee(account: DepositAccount) -> Guarantee | None:
    """The guarantee that covers ``account``: recorded before the deadline (the service checked it then)."""
    return account.guarantees.filter(recorded_at__lte=account.requirement.deadline).order_by("recorded_at").first()


def has_bidding_right(account: DepositAccount | None) -> bool:
    """Whether the bidder of ``account`` may bid: paid in full before the deadline, or covered by a guarantee."""
    return account is not None and deposit_status(account).has_right


def bidding_right(*, requirement: DepositRequirement | None, organisation) -> bool:
    """``has_bidding_right`` of ``organisation``'s account for ``requirement`` (no requirement: no deposit asked)."""
    if requirement is None:
        return True
    return has_bidding_right(account_for(requirement=requirement, organisation=organisation))


def statuses_after_deadline(requirement: DepositRequirement, *, at: dt.datetime | None = None
                            ) -> dict[int, DepositStatus]:
    """{organisation id: status} of every account; a tender bond's only after the deadline (raises TooEarly)."""
    at = at or timezone.now()
    if requirement.confidential and at <= requirement.deadline:
        raise TooEarly(_("Bid bonds are shown only after the deadline for bids."))
    accounts = requirement.accounts.select_related("requirement", "organisation")
    return {account.organisation_id: deposit_status(account, at=at) for account in accounts}


def accounts_of(organisation) -> QuerySet:
    """The bidder's own deposit accounts, latest deadline first."""
    return (DepositAccount.objects.filter(organisation=organisation).select_related("requirement")
            .order_by("-requirement__deadline", "pk"))


def requirements_for(user, *, at: dt.datetime | None = None) -> QuerySet:
    """The requirements a person may look after: the platform and regulators all, an agency or seller its own.

    A tender bond's requirement exists once a bidder registered, so it is listed only after its deadline: before,
    even its existence would tell that someone is bidding (EB 23/24).
    """
    queryset = DepositRequirement.objects.select_related("organiser").exclude(
        kind=DepositRequirement.Kind.BID_BOND, deadline__gte=at or timezone.now())
    if user.role in {"admin", "regulator"}:
        return queryset
    if user.organisation_id:
        return queryset.filter(organiser_id=user.organisation_id)
    return queryset.none()


def arrivals_visible(requirement: DepositRequirement, *, at: dt.datetime | None = None) -> bool:
    """Whether a requirement's arrivals may be listed now: a sale's at once, a tender bond's after the deadline."""
    return not requirement.confidential or (at or timezone.now()) > requirement.deadline


def refunds_outstanding(requirement: DepositRequirement) -> list[tuple[DepositAccount, DepositStatus]]:
    """Accounts with a refund due and not yet recorded, earliest due date first."""
    rows = []
    for account in requirement.accounts.select_related("requirement", "organisation"):
        status = deposit_status(account)
        if status.outstanding_refund:
            rows.append((account, status))
    return sorted(rows, key=lambda row: (row[1].due_on or dt.date.max, row[0].pk))


def issuers() -> dict[str, str]:
    """Accepted guarantee issuers: code → name (setting DEPOSITS_GUARANTEE_ISSUERS)."""
    return dict(settings.DEPOSITS_GUARANTEE_ISSUERS)


@dataclass(frozen=True)
class Summary:
    bidders: int
    with_right: int
    refunds_outstanding: int


def requirement_summary(requirement: DepositRequirement, *, at: dt.datetime | None = None) -> Summary | None:
    """How many bidders have an account, how many the right to bid, how many refunds are outstanding; None while a
    tender bond's deadline has not passed (no counts before it)."""
    try:
        statuses = statuses_after_deadline(requirement, at=at)
    except TooEarly:
        return None
    return Summary(bidders=len(statuses), with_right=sum(s.has_right for s in statuses.values()),
                   refunds_outstanding=sum(bool(s.outstanding_refund) for s in statuses.values()))
