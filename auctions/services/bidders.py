"""Bidders: application (竞买申请), qualification, and the bidding right with its anonymous 竞买号."""

import secrets

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Role
from audit.services import audit_record
from credit.selectors import organisation_refusal

from .. import rights
from ..models import Application, Lot, Sale
from .sales import _require_host


@transaction.atomic
def application_submit(*, lot: Lot, user) -> Application:
    """A bidder applies for ``lot`` before the sale's deadline; refused under joint punishment (联合惩戒)."""
    if user.role != Role.BIDDER or user.organisation_id is None:
        raise PermissionDenied(_("Only a person of a registered bidder applies to bid."))
    lot = Lot.objects.select_related("sale").get(pk=lot.pk)
    if lot.sale.state != Sale.State.ANNOUNCED:
        raise ValidationError({"lot": _("This sale is not taking applications (its notice is not published, or it "
                                        "is suspended or finished).")})
    if timezone.now() >= lot.sale.application_deadline:
        raise ValidationError({"lot": _("Applications closed at the deadline in the notice.")})
    refusal = organisation_refusal(organisation=user.organisation)
    if refusal is not None:
        raise ValidationError({"lot": refusal.message})
    existing = Application.objects.filter(lot=lot, organisation_id=user.organisation_id).first()
    if existing is not None:
        return existing
    application = Application.objects.create(lot=lot, organisation_id=user.organisation_id, applied_by=user,
                                             applied_at=timezone.now())
    rights.account_open(application=application)  # its virtual sub-account (虚拟子账号) for the deposit
    # No lot event: who applies stays unknown until the close.
    audit_record(action="auctions.application.submit", obj=application, payload={"lot": lot.deal_key})
    return application


@transaction.atomic
def application_review(*, application: Application, user, qualified: bool, reason: str = "") -> Application:
    """The host qualifies the applicant (资格审查) or rejects it, saying why."""
    application = Application.objects.select_for_update(no_key=True).select_related("lot__sale").get(
        pk=application.pk)
    _require_host(user, application.lot.sale)
    if application.state != Application.State.SUBMITTED:
        raise ValidationError({"state": _("This application has already been reviewed.")})
    if not qualified and not (reason or "").strip():
        raise ValidationError({"reason": _("Say why the applicant is rejected; the applicant sees it.")})
    application.state = Application.State.QUALIFIED if qualified else Application.State.REJECTED
    application.rejection_reason = "" if qualified else reason.strip()
    application.reviewed_at = timezone.now()
    application.save(update_fields=["state", "rejection_reason", "reviewed_at"])
    audit_record(action="auctions.application.review", obj=application, payload={
        "qualified": qualified, "reason": application.rejection_reason})
    return bidding_right_ensure(application=application)


def _number() -> str:
    return f"{secrets.randbelow(900000) + 100000}"


@transaction.atomic
def bidding_right_ensure(*, application: Application) -> Application:
    """Grant the bidding right and a random 竞买号 once the applicant is qualified and its deposit covers the lot.

    Idempotent; called on review, on the deposit's arrival, and whenever the bidder acts."""
    if application.bidder_number or application.state != Application.State.QUALIFIED:
        return application
    if not rights.deposit_covers(application=application):
        return application
    application = Application.objects.select_for_update(no_key=True).select_related("lot__sale").get(
        pk=application.pk)
    if application.bidder_number:
        return application
    for _attempt in range(20):
        try:
            with transaction.atomic():
                application.bidder_number = _number()
                application.right_granted_at = timezone.now()
                application.save(update_fields=["bidder_number", "right_granted_at"])
            break
        except IntegrityError:
            application.bidder_number = ""
    audit_record(action="auctions.right.grant", obj=application, payload={"bidder_number": application.bidder_number})
    return application
