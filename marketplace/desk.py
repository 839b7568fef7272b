"""The marketplace's lists on 我的工作台 (accounts.desk): the owner's next steps, the intermediary's selections
to take up, the committee member's proposals to score."""

from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.desk import DeskItem, desk_register
from accounts.models import Role
from core.workdays import today

from .holds import contract_hold
from .models import CommitteeMember, Method, Objection, Purchase
from .selectors import intermediary_of


def owner_tasks(user):
    if user.organisation_id is None:
        return
    now, day = timezone.now(), today()
    purchases = (Purchase.objects.filter(owner_id=user.organisation_id)
                 .exclude(state__in=[Purchase.State.CANCELLED, Purchase.State.FAILED])
                 .filter(Q(contract__rating__isnull=True) | ~Q(state=Purchase.State.DELIVERED))
                 .prefetch_related("objections"))
    for purchase in purchases:
        url = reverse("marketplace:purchase", args=[purchase.pk])
        action, deadline = None, None
        if purchase.state == Purchase.State.OPEN and purchase.method == Method.DIRECT:
            action = _("Select the intermediary directly")
        elif purchase.state == Purchase.State.OPEN and purchase.deadline <= now:
            action = {Method.RANDOM: _("Draw the intermediary"), Method.BIDDING: _("Open and rank the quotes"),
                      Method.COMPARISON: _("Name the comparison committee")}[purchase.method]
        elif purchase.state == Purchase.State.OPEN:
            action, deadline = _("Applications close"), purchase.deadline
        elif purchase.state == Purchase.State.POOL_FIXED:
            action, deadline = _("Pool fixed: the draw follows the witness's reveal, at the latest"), \
                purchase.draw.reveal_deadline
        elif purchase.state == Purchase.State.SCORING:
            action = _("Rank once every member has scored")
        elif purchase.state == Purchase.State.PUBLICISED:
            waiting = [o for o in purchase.objections.all() if o.answered_at is None]
            if waiting:
                action = _("Answer the objection")
                deadline = min((o.reply_due for o in waiting if o.reply_due), default=None)
            elif day > purchase.publicity_until and contract_hold(purchase):
                action = _("The contract waits: a complaint on the result is being handled")
            elif day > purchase.publicity_until:
                action = _("Record the contract")
            else:
                action, deadline = _("Result publicised until"), purchase.publicity_until
        elif purchase.state == Purchase.State.CONTRACTED:
            action, deadline = _("Record the delivery"), purchase.contract.due_on
        elif purchase.state == Purchase.State.DELIVERED:
            action = _("Rate the service")
        if action:
            yield DeskItem(purchase.title, url, action, deadline, purchase.number)


def intermediary_tasks(user):
    mine = intermediary_of(user)
    if mine is None:
        return
    for purchase in Purchase.objects.filter(winner=mine, state=Purchase.State.PUBLICISED):
        yield DeskItem(purchase.title, reverse("marketplace:purchase", args=[purchase.pk]),
                       _("Selected: prepare the contract, or decline"), purchase.publicity_until, purchase.number)


def member_tasks(user):
    seats = CommitteeMember.objects.filter(person=user, submitted_at__isnull=True,
                                           purchase__state=Purchase.State.SCORING).select_related("purchase")
    for seat in seats:
        yield DeskItem(seat.purchase.title, reverse("marketplace:purchase", args=[seat.purchase_id]),
                       _("Score the proposals"), None, seat.purchase.number)


def objections_overdue(user):
    """For regulators: marketplace objections the owner has not answered by the due day (like supervision's)."""
    late = (Objection.objects.filter(answered_at__isnull=True, reply_due__lt=today())
            .select_related("purchase__owner"))
    for objection in late:
        purchase = objection.purchase
        yield DeskItem(purchase.title, reverse("marketplace:purchase", args=[purchase.pk]),
                       _("Marketplace objection not answered in time"), objection.reply_due,
                       f"{purchase.number} · {purchase.owner.name}")


def draws_to_witness(user):
    """For regulators: random draws to commit to before the pool is fixed, and fixed pools to reveal for."""
    if user.organisation_id is None:
        return
    waiting = (Purchase.objects.filter(method=Method.RANDOM, draw__draw_format=2)
               .filter(Q(state=Purchase.State.OPEN, draw__witness_commitment="")
                       | Q(state=Purchase.State.POOL_FIXED, draw__witness_organisation_id=user.organisation_id))
               .select_related("draw").order_by("deadline"))
    for purchase in waiting:
        url = reverse("marketplace:purchase", args=[purchase.pk]) + "#draw"
        if purchase.state == Purchase.State.OPEN:
            yield DeskItem(purchase.title, url, _("Witness the draw: commit to a secret before the pool is fixed"),
                           purchase.deadline, purchase.number)
        else:
            yield DeskItem(purchase.title, url, _("Witness the draw: reveal your secret"),
                           purchase.draw.reveal_deadline, purchase.number)


def register() -> None:
    desk_register([Role.TENDERER], key="marketplace", heading=gettext_lazy("Intermediary purchases"),
                  provider=owner_tasks, empty=gettext_lazy("No intermediary purchase needs you."), order=60,
                  more=lambda user: reverse("marketplace:owner"))
    desk_register([Role.BIDDER], key="marketplace", heading=gettext_lazy("Intermediary marketplace"),
                  provider=intermediary_tasks, empty=gettext_lazy("No selection is waiting for you."), order=60,
                  more=lambda user: reverse("marketplace:intermediary"))
    desk_register([Role.EXPERT, Role.TENDERER], key="marketplace_committee",
                  heading=gettext_lazy("Comparison committees"), provider=member_tasks,
                  empty=gettext_lazy("No proposal is waiting for your scores."), order=61,
                  more=lambda user: reverse("marketplace:committee"))
    desk_register([Role.REGULATOR], key="marketplace_draws", heading=gettext_lazy("Marketplace draws to witness"),
                  provider=draws_to_witness, empty=gettext_lazy("No marketplace draw waits for a witness."), order=21,
                  more=lambda user: reverse("marketplace:purchases"))
    desk_register([Role.REGULATOR], key="marketplace_objections",
                  heading=gettext_lazy("Marketplace objections past their answer day"), provider=objections_overdue,
                  empty=gettext_lazy("Every marketplace objection was answered in time."), order=22,
                  more=lambda user: reverse("marketplace:oversight"))
