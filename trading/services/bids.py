"""Submitting and withdrawing bids (投标文件), with the immediate receipt (回执) (EB 21, 26, 27).

Until issue 4 (sealing) lands the envelope is stored opaque: the platform
checks its size and records its SHA-256, nothing more. The envelope check goes
in ``_check_envelope``; resumable uploads and platform-signed receipts build on
``bid_submit`` and ``BidReceipt``.
"""

import datetime as dt
from dataclasses import asdict, dataclass

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Role
from audit.services import audit_record

from .. import storage
from ..models import Bid, Project, Registration, Section, Status
from .participation import _refuse_blacklisted


@dataclass(frozen=True)
class BidReceipt:
    """The confirmation (回执) every accepted upload gets at once."""

    receipt_no: str
    deal_code: str
    section: str
    bidder_credit_code: str
    sha256: str
    size: int
    received_at: dt.datetime

    def as_dict(self) -> dict:
        data = asdict(self)
        data["received_at"] = self.received_at.isoformat()
        return data


def bid_receipt(*, bid: Bid) -> BidReceipt:
    return BidReceipt(
        receipt_no=str(bid.receipt_no), deal_code=bid.section.project.deal_code, section=bid.section.code,
        bidder_credit_code=bid.organisation.credit_code, sha256=bid.sha256, size=bid.size,
        received_at=bid.submitted_at,
    )


def _accepting_bids(project: Project, now: dt.datetime) -> None:
    if project.status == Status.SUSPENDED:
        raise ValidationError({"status": _("The project is suspended by a regulator; bids are not accepted now.")})
    if project.status != Status.PUBLISHED or now >= project.bid_deadline:
        raise ValidationError({"status": _("The bid deadline (%(deadline)s) has passed; no bid can be submitted, "
                                           "replaced or withdrawn any more.") % {
            "deadline": timezone.localtime(project.bid_deadline).strftime("%Y-%m-%d %H:%M:%S")
            if project.bid_deadline else "—"}})


def _check_envelope(stored: storage.StoredFile) -> None:
    """Where issue 4 verifies the envelope format and the bidder's signature (EB 26: reject unencrypted bids).

    Today every non-empty file within the size limit is accepted as an opaque envelope.
    """


@transaction.atomic
def bid_submit(*, section: Section, user, upload) -> Bid:
    """Accept a bid envelope for ``section`` from the user's bidder organisation and return it (see ``bid_receipt``).

    Checks, in order: a bidder person; the project accepts bids and the server
    clock is before the deadline; the organisation is registered for the
    section and signed the credit commitment; it is not black-listed; the file
    is within TRADING_BID_MAX_BYTES. A previous live bid is superseded.
    """
    if user.role != Role.BIDDER or user.organisation_id is None:
        raise PermissionDenied(_("Only a person acting for a bidder organisation submits bids."))
    # Lock the project: the deadline step takes the same lock, so a bid is either in before it or refused.
    project = Project.objects.select_for_update().get(pk=section.project_id)
    _accepting_bids(project, timezone.now())
    registration = Registration.objects.filter(section=section, organisation_id=user.organisation_id).first()
    if registration is None:
        raise ValidationError({"section": _("Register your organisation for this section before bidding.")})
    if not registration.commitment_signed:
        raise ValidationError({"section": _("Sign the credit commitment (信用承诺) before bidding.")})
    _refuse_blacklisted(user.organisation)
    stored = storage.store(upload, folder=f"bids/{project.deal_code}/{section.code}",
                           max_bytes=getattr(settings, "TRADING_BID_MAX_BYTES", 200 * 1024 * 1024))
    try:
        _check_envelope(stored)
        now = timezone.now()
        _accepting_bids(project, now)  # the upload took time: the deadline counts when it is complete (EB 27)
        previous = list(Bid.objects.select_for_update().filter(
            section=section, organisation_id=user.organisation_id, state=Bid.State.SUBMITTED))
        for old in previous:
            old.state = Bid.State.SUPERSEDED
            old.ended_at = now
            old.save(update_fields=["state", "ended_at"])
        bid = Bid.objects.create(
            section=section, organisation=user.organisation, submitted_by=user,
            original_name=(getattr(upload, "name", "") or "bid")[:200], storage_path=stored.relative_path,
            size=stored.size, sha256=stored.sha256, submitted_at=now)
        audit_record(action="trading.bid.submit", obj=bid, payload={
            **bid_receipt(bid=bid).as_dict(), "supersedes": [str(b.receipt_no) for b in previous]})
    except BaseException:
        storage.protected_path(stored.relative_path).unlink(missing_ok=True)
        raise
    return bid


@transaction.atomic
def bid_withdraw(*, bid: Bid, user) -> Bid:
    """Withdraw a live bid before the deadline; only its own organisation may."""
    if user.role != Role.BIDDER or user.organisation_id != bid.organisation_id:
        raise PermissionDenied(_("Only the bidder that submitted a bid may withdraw it."))
    project = Project.objects.select_for_update().get(pk=bid.section.project_id)
    bid = Bid.objects.select_for_update().get(pk=bid.pk)
    _accepting_bids(project, timezone.now())
    if bid.state != Bid.State.SUBMITTED:
        raise ValidationError({"bid": _("Only a live bid can be withdrawn; this one is “%(s)s”.")
                               % {"s": bid.get_state_display()}})
    bid.state = Bid.State.WITHDRAWN
    bid.ended_at = timezone.now()
    bid.save(update_fields=["state", "ended_at"])
    audit_record(action="trading.bid.withdraw", obj=bid, payload={
        "deal_code": project.deal_code, "section": bid.section.code, "receipt_no": str(bid.receipt_no)})
    return bid
