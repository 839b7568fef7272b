"""Opening sealed bids (解密): key release by the bidder, decryption, marking failures, backup decryption (EB 29–32).

The opening room (bidding_room) drives these; none of them does anything before the bid
deadline by the server clock. ``bid_decrypt`` is synchronous and meant to run in a Celery
task of the caller, off the request path; it decrypts all or nothing (sealing.envelope_open)
and reports progress. Only after the deadline and a successful decryption does any
plaintext exist, under PROTECTED_ROOT/opened/<bid id>/.
"""

import hashlib
import shutil
from collections.abc import Callable
from pathlib import Path

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

import sealing
from audit.services import audit_record

from .. import storage
from ..document_facts import document_facts
from ..models import Bid, BidderKey, OpenedDocument, Project
from .custody import opening_key_recover, shares_submitted

Progress = Callable[[int, int], None]


class BidOpenError(Exception):
    """A bid could not be decrypted: ``reason`` names the damaged part; ``bidder_fault`` per EB 31."""

    def __init__(self, reason: str, *, bidder_fault: bool) -> None:
        super().__init__(reason)
        self.reason = reason
        self.bidder_fault = bidder_fault


def _refuse_before_deadline(project: Project) -> None:
    if project.bid_deadline is None or timezone.now() < project.bid_deadline:
        raise ValidationError({"bid": _("Nothing can be decrypted before the bid deadline (%(deadline)s, server "
                                        "clock).") % {"deadline": timezone.localtime(project.bid_deadline).strftime(
                                            "%Y-%m-%d %H:%M:%S") if project.bid_deadline else "—"}})


def _envelope_path(bid: Bid) -> Path:
    return storage.protected_path(bid.storage_path)


def opened_path(*, bid: Bid) -> Path:
    """Where a decrypted bid's summary.json and documents/ are (after bid_decrypt)."""
    return storage.protected_path(f"opened/{bid.pk}")


@transaction.atomic
def bid_key_release(*, bid: Bid, user, content_key: bytes) -> Bid:
    """The bidder releases its envelope's content key at the opening (after the deadline; checked, not used yet)."""
    bid = Bid.objects.select_for_update(of=("self",), no_key=True).select_related("section__project").get(pk=bid.pk)
    if user.organisation_id is None or user.organisation_id != bid.organisation_id:
        raise PermissionDenied(_("Only a person of the bidder that submitted this bid releases its key."))
    _refuse_before_deadline(bid.section.project)
    if bid.state != Bid.State.SUBMITTED:
        raise ValidationError({"bid": _("Only a live bid is decrypted; this one is “%(s)s”.")
                               % {"s": bid.get_state_display()}})
    try:
        sealing.content_key_check(_envelope_path(bid), content_key=bytes(content_key))
    except sealing.WrongKey:
        raise ValidationError({"key": _("This key does not open your bid: unwrap the content key from the envelope "
                                        "you submitted (receipt %(no)s) with your own private key and release it "
                                        "again.") % {"no": bid.receipt_no}}, code="wrong_key")
    except (sealing.EnvelopeError, OSError) as exc:
        raise ValidationError({"key": _("The stored envelope cannot be read (%(problem)s); tell the host.")
                               % {"problem": exc}})
    bid.released_key = bytes(content_key)
    bid.key_released_at = timezone.now()
    bid.save(update_fields=["released_key", "key_released_at"])
    audit_record(action="trading.bid.key_release", obj=bid, payload={
        "deal_code": bid.section.project.deal_code, "section": bid.section.code, "receipt_no": str(bid.receipt_no),
        "by": user.username})
    return bid


class _Counting:
    """A read-only file wrapper that hashes what is read and reports progress."""

    def __init__(self, handle, total: int, on_progress: Progress | None) -> None:
        self.handle = handle
        self.total = total
        self.done = 0
        self.sha256 = hashlib.sha256()
        self.on_progress = on_progress
        self.reported = 0

    def _count(self, data) -> None:
        self.sha256.update(data)
        self.done += len(data)
        if self.on_progress and (self.done - self.reported >= (1 << 20) or self.done == self.total):
            self.reported = self.done
            self.on_progress(self.done, self.total)

    def read(self, size: int = -1) -> bytes:
        data = self.handle.read(size)
        self._count(data)
        return data

    def readinto(self, view) -> int:
        got = self.handle.readinto(view) or 0
        self._count(memoryview(view)[:got])
        return got

    def rest_digest(self) -> str:
        for block in iter(lambda: self.handle.read(1 << 20), b""):
            self.sha256.update(block)
        return self.sha256.hexdigest()


def _open(bid: Bid, *, on_progress: Progress | None, **key) -> sealing.OpenedEnvelope:
    """Decrypt the stored envelope into opened/<id>; BidOpenError with the reason and whose fault it is."""
    path = _envelope_path(bid)
    dest = opened_path(bid=bid)
    if dest.exists():
        shutil.rmtree(dest)  # a previous attempt by the same bid that did not complete its bookkeeping
    dest.parent.mkdir(parents=True, exist_ok=True)
    try:
        handle = path.open("rb")
    except OSError as exc:
        raise BidOpenError(_("The stored envelope cannot be read (%(problem)s): a platform fault.")
                           % {"problem": exc.strerror}, bidder_fault=False)
    with handle:
        counting = _Counting(handle, bid.size, on_progress)
        try:
            return sealing.envelope_open(counting, dest=dest, **key)
        except sealing.SealingError as exc:
            # The envelope verified on upload; if the stored bytes are still those the receipt names,
            # the failure is in what the bidder sealed or released, otherwise in the platform's storage.
            intact = counting.rest_digest() == bid.sha256
            where = getattr(exc, "where", "")
            reason = (_("The envelope is damaged in the %(where)s: %(detail)s") % {"where": where, "detail": exc}
                      if where else str(exc))
            if not intact:
                reason = _("The stored envelope no longer matches its receipt (a platform storage fault). %(detail)s") \
                    % {"detail": reason}
            raise BidOpenError(reason, bidder_fault=intact)


def _decrypted(bid: Bid, opened: sealing.OpenedEnvelope, *, how: str) -> Bid:
    with transaction.atomic():
        locked = (Bid.objects.select_for_update(of=("self",), no_key=True)
                  .select_related("section__project").get(pk=bid.pk))
        locked.opened_summary = opened.summary.to_dict()
        locked.opened_at = timezone.now()
        locked.state = Bid.State.OPENED
        locked.decrypt_error = ""
        locked.decrypt_bidder_fault = None
        locked.released_key = None
        locked.save(update_fields=["opened_summary", "opened_at", "state", "decrypt_error", "decrypt_bidder_fault",
                                   "released_key"])
        locked.opened_documents.all().delete()
        facts = [{"name": d.name[:255], **document_facts(d.path)} for d in opened.documents]
        OpenedDocument.objects.bulk_create([OpenedDocument(bid=locked, **f) for f in facts])
        audit_record(action="trading.bid.decrypt", obj=locked, payload={
            "deal_code": locked.section.project.deal_code, "section": locked.section.code,
            "receipt_no": str(locked.receipt_no), "how": how, "documents": [d.name for d in opened.documents],
            "document_sha256": [f["sha256"] for f in facts]})
    return locked


def _failed(bid: Bid, error: BidOpenError) -> None:
    with transaction.atomic():
        Bid.objects.filter(pk=bid.pk).update(decrypt_error=error.reason, decrypt_bidder_fault=error.bidder_fault)
        audit_record(action="trading.bid.decrypt_failed", obj=bid, payload={
            "receipt_no": str(bid.receipt_no), "reason": error.reason, "bidder_fault": error.bidder_fault})


def bid_decrypt(*, bid: Bid, content_key: bytes | None = None, on_progress: Progress | None = None) -> Bid:
    """Verify and decrypt a live bid with its released content key; store the summary; state → opened.

    Synchronous (run it in a Celery task). All or nothing: on failure raises BidOpenError
    (``reason`` names the part, ``bidder_fault`` per EB 31) and the bid keeps its state.
    """
    bid = Bid.objects.select_related("section__project").get(pk=bid.pk)
    _refuse_before_deadline(bid.section.project)
    if bid.state != Bid.State.SUBMITTED:
        raise ValidationError({"bid": _("Only a live bid is decrypted; this one is “%(s)s”.")
                               % {"s": bid.get_state_display()}})
    key = content_key if content_key is not None else (bytes(bid.released_key) if bid.released_key else None)
    if key is None:
        raise ValidationError({"key": _("The bidder has not released its key yet.")}, code="no_key")
    if not BidderKey.objects.filter(fingerprint=bid.signer_fingerprint, organisation=bid.organisation_id).exists():
        error = BidOpenError(_("The envelope is signed by a key the bidder never registered."), bidder_fault=True)
        _failed(bid, error)
        raise error
    try:
        opened = _open(bid, on_progress=on_progress, content_key=bytes(key))
    except BidOpenError as error:
        _failed(bid, error)
        raise
    return _decrypted(bid, opened, how="released key")


@transaction.atomic
def bid_mark_not_decrypted(*, bid: Bid, bidder_fault: bool, reason: str) -> Bid:
    """EB 31: a bid not decrypted. Bidder's fault → revoked (撤销) and a credit event; otherwise withdrawn (撤回)."""
    from credit.services import credit_event_record

    bid = (Bid.objects.select_for_update(of=("self",), no_key=True)
           .select_related("section__project", "organisation").get(pk=bid.pk))
    if bid.state != Bid.State.SUBMITTED:
        raise ValidationError({"bid": _("Only a live bid can be marked as not decrypted; this one is “%(s)s”.")
                               % {"s": bid.get_state_display()}})
    project = bid.section.project
    bid.state = Bid.State.REVOKED if bidder_fault else Bid.State.WITHDRAWN_AT_OPENING
    bid.decrypt_error = reason
    bid.decrypt_bidder_fault = bidder_fault
    bid.released_key = None
    bid.ended_at = timezone.now()
    bid.save(update_fields=["state", "decrypt_error", "decrypt_bidder_fault", "released_key", "ended_at"])
    if bidder_fault:
        credit_event_record(behaviour_code="bid-not-decrypted", organisation=bid.organisation,
                            deal_code=project.deal_code, evidence=_("Bid %(no)s of section %(section)s was not "
                                                                    "decrypted at the opening: %(reason)s") % {
                                "no": bid.receipt_no, "section": bid.section.full_code, "reason": reason})
    audit_record(action="trading.bid.not_decrypted", obj=bid, payload={
        "deal_code": project.deal_code, "section": bid.section.code, "receipt_no": str(bid.receipt_no),
        "bidder_fault": bidder_fault, "reason": reason, "state": bid.state})
    return bid


def opening_backup_decrypt(*, bid: Bid, shares: list | None = None, on_progress: Progress | None = None) -> Bid:
    """EB 31 backup decryption with the custodians' shares (k of n), for a bid that failed not by the bidder's fault.

    Refused before the deadline, where the project does not allow it, for a bid whose failure was
    the bidder's fault, or with fewer than k shares. ``shares``: decrypted shares (sealing.Share or
    their JSON); None uses those the custodians handed in. Audited (the combination too).
    """
    bid = Bid.objects.select_related("section__project").get(pk=bid.pk)
    project = bid.section.project
    _refuse_before_deadline(project)
    if not project.allow_backup_decryption:
        raise ValidationError({"bid": _("This project does not allow backup decryption by the custodians.")})
    if bid.state == Bid.State.REVOKED or bid.decrypt_bidder_fault:
        raise ValidationError({"bid": _("This bid was not decrypted through the bidder's own fault; backup "
                                        "decryption is only for failures that are not the bidder's (EB 31).")})
    if bid.state not in (Bid.State.SUBMITTED, Bid.State.WITHDRAWN_AT_OPENING):
        raise ValidationError({"bid": _("Only a bid that is still live, or was withdrawn at the opening through no "
                                        "fault of the bidder, can be decrypted with the custodians' key.")})
    private = opening_key_recover(project=project, shares=shares if shares is not None else
                                  shares_submitted(project=project))
    try:
        opened = _open(bid, on_progress=on_progress, key=private)
    except BidOpenError as error:
        _failed(bid, error)
        raise
    finally:
        del private
    audit_record(action="trading.custody.backup_decrypt", obj=bid, payload={
        "deal_code": project.deal_code, "receipt_no": str(bid.receipt_no)})
    return _decrypted(bid, opened, how="custodians' opening key")
