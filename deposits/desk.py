"""The deposits lists of 我的工作台: deposits a bidder still has to pay, refunds an organiser still has to make."""

from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.desk import DeskItem, desk_register
from accounts.models import Role

from . import selectors
from .models import DepositAccount


def deposits_to_pay(user):
    """The bidder's deposits not yet covered whose deadline is still ahead."""
    accounts = (DepositAccount.objects.filter(organisation_id=user.organisation_id,
                                              requirement__deadline__gt=timezone.now())
                .select_related("requirement"))
    for account in accounts[:200]:
        if not selectors.deposit_status(account).has_right:
            yield DeskItem(title=account.requirement.label, url=reverse("deposits:mine"),
                           action=_("Pay the deposit into %(number)s") % {"number": account.sub_account},
                           deadline=account.requirement.deadline, detail=account.requirement.get_kind_display())


def refunds_to_make(user):
    """Refunds due and not yet recorded on the requirements this person looks after; a tender bond's only after its
    deadline (a tender cancelled earlier names nobody before it)."""
    requirements = selectors.requirements_for(user).filter(
        Q(accounts__movements__kind="refund_due")).distinct()[:100]
    for requirement in requirements:
        if not selectors.arrivals_visible(requirement):  # a bond's bidders stay unnamed until its deadline
            continue
        for account, status in selectors.refunds_outstanding(requirement):
            yield DeskItem(title=requirement.label, url=reverse("deposits:requirement", args=[requirement.pk]),
                           action=_("Refund %(bidder)s") % {"bidder": account.organisation.name},
                           deadline=status.due_on, detail=account.sub_account)


def register() -> None:
    desk_register([Role.BIDDER], key="deposits", heading=gettext_lazy("Deposits to pay"), provider=deposits_to_pay,
                  empty=gettext_lazy("No deposit to pay."), order=25, more=lambda user: reverse("deposits:mine"))
    desk_register([Role.ADMIN, Role.AGENCY, Role.TENDERER], key="refunds", heading=gettext_lazy("Deposits to refund"),
                  provider=refunds_to_make, empty=gettext_lazy("No deposit to refund."), order=40,
                  more=lambda user: reverse("deposits:manage"))
