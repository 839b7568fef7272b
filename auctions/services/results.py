"""After the close: the winner signs the 成交确认书 (deposit converted), or refuses (deposit forfeited, credit
event); a state-property deal below 90 % of the valuation is approved or refused by the state-assets authority."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Role
from audit.services import audit_record
from core.deals import deal_withdraw
from core.effects import task_on_commit

from .. import rights
from ..models import Lot
from ..rules import confirm_by
from .bidding import deal_record_for
from .log import event_append, lot_lock
from .sales import _require_host


def _winner(lot: Lot):
    if lot.leading is None or lot.deal_price is None:
        raise ValidationError({"lot": _("This lot has no winner.")})
    return lot.leading


@transaction.atomic
def deal_confirm(*, lot: Lot, user) -> Lot:
    """The winner signs the deal confirmation (成交确认书): its deposit becomes part of the price."""
    lot = lot_lock(lot_id=lot.pk)
    if lot.state != Lot.State.SOLD:
        raise ValidationError({"lot": _("Only a sold lot has a deal confirmation to sign.")})
    winner = _winner(lot)
    if user is None or user.role != Role.BIDDER or user.organisation_id != winner.organisation_id:
        raise PermissionDenied(_("Only the winning bidder signs the deal confirmation."))
    if lot.confirmed_at is not None:
        return lot
    if timezone.now() > confirm_by(lot):
        raise ValidationError({"lot": _("The deal confirmation had to be signed by %(day)s; that time has passed.")
                               % {"day": timezone.localtime(confirm_by(lot)).strftime("%Y-%m-%d %H:%M")}})
    lot.confirmed_at = timezone.now()
    lot.save(update_fields=["confirmed_at"])
    rights.convert(application=winner, by=user)
    audit_record(action="auctions.deal.confirm", obj=lot, payload={"lot": lot.deal_key,
                                                                   "deal_price": str(lot.deal_price)})
    event_append(lot=lot, kind="deal_confirmed", payload={"confirmed_at": lot.confirmed_at.isoformat()})
    task_on_commit("auctions.tasks.lot_document", lot.pk, "confirmation")
    return lot


@transaction.atomic
def deal_refuse(*, lot: Lot, user, reason: str) -> Lot:
    """The host records that the winner refused to sign: no deal, the deposit is forfeited, a credit event follows."""
    lot = lot_lock(lot_id=lot.pk)
    _require_host(user, lot.sale)
    if lot.state not in (Lot.State.SOLD, Lot.State.PENDING_APPROVAL) or lot.confirmed_at is not None:
        raise ValidationError({"lot": _("Only a won lot whose deal confirmation is not signed can be refused.")})
    if not (reason or "").strip():
        raise ValidationError({"reason": _("Say how the winner refused (and when); the bidder and the regulator "
                                           "read it.")})
    winner = _winner(lot)
    was_sold = lot.state == Lot.State.SOLD
    lot.state, lot.outcome_reason = Lot.State.REFUSED, reason.strip()
    lot.save(update_fields=["state", "outcome_reason"])
    if was_sold:
        deal_withdraw(source="auctions", key=lot.deal_key)
    rights.forfeit(application=winner, reason=reason.strip(), by=user)
    audit_record(action="auctions.deal.refuse", obj=lot, payload={"lot": lot.deal_key, "reason": reason.strip()})
    task_on_commit("auctions.tasks.lot_result_notice", lot.pk)  # the result is void: the portal says so
    event_append(lot=lot, kind="deal_refused", payload={"reason": reason.strip()})
    return lot


@transaction.atomic
def approval_decide(*, lot: Lot, user, approved: bool, reason: str = "") -> Lot:
    """State property below 90 % of the valuation: the approval (the deal stands) or its refusal (no deal)."""
    lot = lot_lock(lot_id=lot.pk)
    if user is None or user.role not in (Role.OFFICIAL, Role.REGULATOR):
        raise PermissionDenied(_("Only the state-assets authority (an official or regulator) decides the approval."))
    if lot.state != Lot.State.PENDING_APPROVAL:
        raise ValidationError({"lot": _("This lot is not waiting for approval.")})
    if not approved and not (reason or "").strip():
        raise ValidationError({"reason": _("Say why the deal is not approved.")})
    if approved:
        lot.state, lot.outcome_reason = Lot.State.SOLD, ""
        lot.save(update_fields=["state", "outcome_reason"])
        deal_record_for(lot)
        task_on_commit("auctions.tasks.lot_document", lot.pk, "certificate")
    else:
        lot.state, lot.outcome_reason = Lot.State.NO_DEAL, reason.strip()
        lot.save(update_fields=["state", "outcome_reason"])
        rights.refunds_due(lot=lot, keep=None, on=timezone.localdate())
    task_on_commit("auctions.tasks.lot_result_notice", lot.pk)
    audit_record(action="auctions.approval.decide", obj=lot, payload={"approved": approved, "reason": reason})
    event_append(lot=lot, kind="approval_decided", payload={"approved": approved, "reason": reason.strip()})
    return lot
