"""Submitting and withdrawing sealed bid envelopes (投标文件), with the platform-signed receipt (回执) (EB 21, 26, 27).

An envelope (docs/crypto.md) is accepted only when it is whole and verifies: the format,
the bidder's signature by the key the bidder person registered, sealed to this project's
opening key and labelled for this deal and section; and only before the deadline by the
server clock. The platform cannot read it. The answer is a receipt signed with the
platform key (sealing.receipt_sign); re-submitting the same envelope returns the same
receipt; a new envelope supersedes the live one. Large envelopes come through the resumable
upload of ``trading.services.uploads``, which ends in ``bid_accept_file`` like this module's
single-request ``bid_submit``.
"""

import datetime as dt
import os
from dataclasses import asdict, dataclass
from pathlib import Path

from cryptography.hazmat.primitives.serialization import Encoding
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

import sealing
from accounts.models import Role
from audit.services import audit_record

from .. import storage
from ..client import NO_CLIENT, ClientInfo
from ..models import Bid, BidderKey, Project, Registration, Section, Status
from ..selectors import bidder_key_current
from .keys import signing_key_check
from .participation import _refuse_blacklisted


@dataclass(frozen=True)
class BidReceipt:
    """The confirmation (回执) every accepted upload gets at once; ``signed`` is what the platform key signed."""

    receipt_no: str
    deal_code: str
    section: str
    bidder_credit_code: str
    sha256: str
    size: int
    received_at: dt.datetime
    signed: dict | None = None

    def as_dict(self) -> dict:
        data = asdict(self)
        data["received_at"] = self.received_at.isoformat()
        return data


def bid_receipt(*, bid: Bid) -> BidReceipt:
    return BidReceipt(
        receipt_no=str(bid.receipt_no), deal_code=bid.section.project.deal_code, section=bid.section.code,
        bidder_credit_code=bid.organisation.credit_code, sha256=bid.sha256, size=bid.size,
        received_at=bid.submitted_at, signed=bid.receipt,
    )


def bid_max_bytes() -> int:
    return getattr(settings, "TRADING_BID_MAX_BYTES", 200 * 1024 * 1024)


def _accepting_bids(project: Project, now: dt.datetime) -> None:
    if project.status == Status.SUSPENDED:
        raise ValidationError({"status": _("The project is suspended by a regulator; bids are not accepted now.")})
    if project.status != Status.PUBLISHED or now >= project.bid_deadline:
        raise ValidationError({"status": _("The bid deadline (%(deadline)s) has passed; no bid can be submitted, "
                                           "replaced or withdrawn any more.") % {
            "deadline": timezone.localtime(project.bid_deadline).strftime("%Y-%m-%d %H:%M:%S")
            if project.bid_deadline else "—"}})


def bid_preconditions(*, section: Section, user, lock: bool = True) -> tuple[Project, BidderKey]:
    """Everything checked before any byte is taken: who, when, registration, commitment, credit, key.

    Returns the project (locked when ``lock``: the deadline step takes the same lock) and the bidder's key.
    """
    if user.role != Role.BIDDER or user.organisation_id is None:
        raise PermissionDenied(_("Only a person acting for a bidder organisation submits bids."))
    projects = Project.objects.select_for_update(no_key=True) if lock else Project.objects
    project = projects.get(pk=section.project_id)
    _accepting_bids(project, timezone.now())
    registration = Registration.objects.filter(section=section, organisation_id=user.organisation_id).first()
    if registration is None:
        raise ValidationError({"section": _("Register your organisation for this section before bidding.")})
    if not registration.commitment_signed:
        raise ValidationError({"section": _("Sign the credit commitment (信用承诺) before bidding.")})
    _refuse_blacklisted(user.organisation)
    key = bidder_key_current(user=user)
    if key is None:
        raise ValidationError({"key": _("Register your public key on the Keys page before bidding (the bidder tool "
                                        "makes the key pair): the platform checks the signature of your envelope "
                                        "against it.")})
    # a certificate: still valid, not revoked; a bare key file: only where the project allows key files
    signing_key_check(key=key, key_files_allowed=project.key_files_allowed)
    return project, key


def _envelope_refusal(exc: sealing.EnvelopeError) -> ValidationError:
    if isinstance(exc, sealing.NotAnEnvelope):
        message = _("This file is not a sealed envelope: it is NOT encrypted; seal it with the bidder tool or the "
                    "bid page and upload the envelope it writes. (%(detail)s)")
    elif isinstance(exc, sealing.BadSignature):
        message = _("The envelope's signature does not match its content (%(detail)s) Seal the bid again and upload "
                    "the new envelope.")
    elif exc.where.startswith("chunk "):
        number = int(exc.where.removeprefix("chunk ")) + 1
        message = _("Part %(number)s of the envelope's encrypted content was changed or damaged after it was sealed "
                    "(%(detail)s) Upload the envelope file again exactly as the bidder tool or the bid page wrote it "
                    "(a damaged copy or transfer changes bytes); if it is refused again, seal the bid again.")
        return ValidationError({"file": message % {"detail": str(exc), "number": number}}, code="envelope")
    else:
        message = _("The envelope is damaged in the %(where)s: %(detail)s Upload the envelope file again as the "
                    "bidder tool or the bid page wrote it, or seal the bid again.")
    return ValidationError({"file": message % {"detail": str(exc), "where": exc.where}}, code="envelope")


def _envelope_certificate_check(*, info: sealing.EnvelopeInfo, key: BidderKey) -> None:
    """An envelope that embeds its signer's certificate embeds the certificate registered for the key."""
    if info.signer_certificate is None:
        return
    from .certificates import certificate_parse

    registered = certificate_parse(key.certificate_pem).public_bytes(Encoding.DER) if key.certificate_pem else None
    if info.signer_certificate != registered:
        raise ValidationError({"file": _(
            "The envelope carries a certificate that is not the one you registered. Seal with your registered "
            "certificate, or register this certificate first.")}, code="signer")


def envelope_check(*, path: Path, project: Project, section: Section, key: BidderKey) -> sealing.EnvelopeInfo:
    """Verify the envelope at ``path`` for this section and bidder key; ValidationError naming what is wrong."""
    try:
        info = sealing.envelope_verify(path)
    except sealing.EnvelopeError as exc:
        raise _envelope_refusal(exc)
    if info.signer_fingerprint != key.fingerprint:
        raise ValidationError({"file": _(
            "The envelope is signed with the key %(got)s…, which is not your registered key %(want)s…. Seal with "
            "your registered private key, or register this key first.") % {
            "got": info.signer_fingerprint[:16], "want": key.fingerprint[:16]}}, code="signer")
    _envelope_certificate_check(info=info, key=key)
    deal, code = info.labels.get("deal_code"), info.labels.get("section_code")
    if deal != project.deal_code or code != section.code:
        raise ValidationError({"section": _(
            "This envelope is sealed for deal %(deal)s section %(code)s, not for this section (deal %(want_deal)s "
            "section %(want_code)s). Upload it to its own section, or seal again with --label deal_code=%(want_deal)s "
            "--label section_code=%(want_code)s.") % {
            "deal": deal or "—", "code": code or "—", "want_deal": project.deal_code, "want_code": section.code}},
            code="wrong_section")
    opening = getattr(project, "opening_key", None)
    opening_ids = [r.key_id for r in info.recipients if r.role == "opening"]
    if opening is None or opening_ids != [opening.fingerprint]:
        raise ValidationError({"file": _(
            "The envelope is not sealed to this project's opening key (%(fp)s…). Download the project's opening "
            "key from the project page and seal again.") % {"fp": opening.fingerprint[:16] if opening else "—"}},
            code="opening_key")
    return info


def _fsync_dir(path: Path) -> None:
    descriptor = os.open(path, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


def bid_accept_file(*, project: Project, section: Section, user, key: BidderKey, relative_path: str,
                    info: sealing.EnvelopeInfo, original_name: str,
                    client: ClientInfo = NO_CLIENT) -> tuple[Bid, bool]:
    """Record a verified envelope already stored at ``relative_path`` as the live bid; (bid, created).

    Call inside the transaction holding the project lock. The same envelope as the live bid
    returns that bid and its receipt (created False; the caller drops its copy).
    """
    from .keys import platform_key

    now = timezone.now()
    _accepting_bids(project, now)  # the upload took time: the deadline counts when it is complete (EB 27)
    previous = list(Bid.objects.select_for_update(no_key=True).filter(
        section=section, organisation_id=user.organisation_id, state=Bid.State.SUBMITTED))
    same = [b for b in previous if b.sha256 == info.sha256 and b.size == info.size]
    if same:
        return same[0], False
    for old in previous:
        old.state = Bid.State.SUPERSEDED
        old.ended_at = now
        old.save(update_fields=["state", "ended_at"])
    bid = Bid(section=section, organisation=user.organisation, submitted_by=user,
              original_name=(original_name or "bid.sealed")[:200], storage_path=relative_path, size=info.size,
              sha256=info.sha256, submitted_at=now, signer_fingerprint=key.fingerprint, **client.as_fields())
    bid.receipt = sealing.receipt_sign(platform_key(), {
        "receipt_id": str(bid.receipt_no), "deal_code": project.deal_code, "section_code": section.code,
        "bidder_credit_code": user.organisation.credit_code, "envelope_sha256": info.sha256,
        "envelope_size": info.size, "server_time": now})
    bid.save()
    audit_record(action="trading.bid.submit", obj=bid, payload={
        **{k: v for k, v in bid_receipt(bid=bid).as_dict().items() if k != "signed"},
        "signer": key.fingerprint, "receipt_signature": bid.receipt["signature"],
        "supersedes": [str(b.receipt_no) for b in previous]}, checkpoint=True, sealed_until=project.bid_deadline)
    return bid, True


@transaction.atomic
def bid_submit(*, section: Section, user, upload, client: ClientInfo = NO_CLIENT) -> Bid:
    """Accept a sealed envelope for ``section`` in one request (small files; large ones use the resumable upload).

    Checks, in order: a bidder person; the project accepts bids (server clock before the
    deadline); registered; commitment signed; not black-listed; a registered key; size within
    TRADING_BID_MAX_BYTES; the envelope (see envelope_check). A previous live bid is
    superseded; the same envelope again returns the same bid and receipt.
    """
    project, key = bid_preconditions(section=section, user=user)
    stored = storage.store(upload, folder=f"bids/{project.deal_code}/{section.code}", max_bytes=bid_max_bytes())
    path = storage.protected_path(stored.relative_path)
    try:
        info = envelope_check(path=path, project=project, section=section, key=key)
        with path.open("rb") as handle:
            os.fsync(handle.fileno())
        _fsync_dir(path.parent)
        bid, created = bid_accept_file(project=project, section=section, user=user, key=key,
                                       relative_path=stored.relative_path, info=info,
                                       original_name=getattr(upload, "name", "") or "", client=client)
    except BaseException:
        path.unlink(missing_ok=True)
        raise
    if not created:
        path.unlink(missing_ok=True)
    return bid


@transaction.atomic
def bid_withdraw(*, bid: Bid, user) -> Bid:
    """Withdraw a live bid before the deadline; only its own organisation may."""
    if user.role != Role.BIDDER or user.organisation_id != bid.organisation_id:
        raise PermissionDenied(_("Only the bidder that submitted a bid may withdraw it."))
    project = Project.objects.select_for_update(no_key=True).get(pk=bid.section.project_id)
    bid = Bid.objects.select_for_update(no_key=True).get(pk=bid.pk)
    _accepting_bids(project, timezone.now())
    if bid.state != Bid.State.SUBMITTED:
        raise ValidationError({"bid": _("Only a live bid can be withdrawn; this one is “%(s)s”.")
                               % {"s": bid.get_state_display()}})
    bid.state = Bid.State.WITHDRAWN
    bid.ended_at = timezone.now()
    bid.save(update_fields=["state", "ended_at"])
    audit_record(action="trading.bid.withdraw", obj=bid, payload={
        "deal_code": project.deal_code, "section": bid.section.code, "receipt_no": str(bid.receipt_no)},
        sealed_until=project.bid_deadline)
    return bid
