"""Resumable upload of a bid envelope: create a session → append chunks at offsets → complete.

The chunks are appended to PROTECTED_ROOT/uploads/<session>.part and fsynced; the file's
length on disk is the offset to resume from, so a client that lost its connection (or a
server that was killed) resumes where the bytes stopped. ``upload_complete`` verifies the
whole envelope and, in one transaction under the project lock, links it into place and
records the Bid with its signed receipt: a Bid row exists only for a complete, verified
file. Past the deadline nothing is appended or completed (an unfinished upload counts as
withdrawn, EB 27) and the sweep removes leftovers.
"""

import datetime as dt
import os
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from audit.services import audit_record

from .. import storage
from ..client import NO_CLIENT, ClientInfo
from ..models import Bid, Section, UploadSession
from .bids import _accepting_bids, _fsync_dir, bid_accept_file, bid_max_bytes, bid_preconditions, envelope_check

READ_BLOCK = 1 << 20


class OffsetMismatch(ValidationError):
    """The client's offset is not where the stored bytes end; ``offset`` says where to resume."""

    def __init__(self, offset: int) -> None:
        self.offset = offset
        super().__init__({"offset": _("The upload is at byte %(offset)d; send the bytes from there.")
                          % {"offset": offset}}, code="offset")


@dataclass(frozen=True)
class UploadStatus:
    id: str
    size: int
    offset: int
    state: str
    bid: int | None


def chunk_max_bytes() -> int:
    return getattr(settings, "TRADING_UPLOAD_CHUNK_MAX_BYTES", 8 * 1024 * 1024)


def _temp(session: UploadSession) -> Path:
    return storage.protected_path(session.temp_path)


def upload_offset(*, session: UploadSession) -> int:
    path = _temp(session)
    return path.stat().st_size if path.exists() else 0


def upload_status(*, session: UploadSession) -> UploadStatus:
    return UploadStatus(str(session.pk), session.size, upload_offset(session=session), session.state, session.bid_id)


def _owner(session: UploadSession, user) -> None:
    if user.organisation_id is None or session.user_id != user.pk:
        raise PermissionDenied(_("This upload belongs to someone else."))


@transaction.atomic
def upload_create(*, section: Section, user, size: int, file_name: str = "",
                  client: ClientInfo = NO_CLIENT) -> UploadSession:
    """Open an upload session for an envelope of ``size`` bytes (checked against TRADING_BID_MAX_BYTES).

    ``client`` (address, user agent, installation id) is kept with the session and passed on to the bid."""
    project, _key = bid_preconditions(section=section, user=user, lock=False)
    if not isinstance(size, int) or size <= 0:
        raise ValidationError({"size": _("Give the envelope's size in bytes (a positive whole number).")})
    if size > bid_max_bytes():
        raise ValidationError({"size": _("The envelope is %(size)d bytes; the limit is %(max)d bytes. Leave out "
                                         "what the tender documents do not ask for and seal again.")
                               % {"size": size, "max": bid_max_bytes()}}, code="too_large")
    session = UploadSession.objects.create(section=section, organisation=user.organisation, user=user, size=size,
                                           file_name=(file_name or "")[:200], created_at=timezone.now(),
                                           **client.as_fields())
    path = _temp(session)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.touch(exist_ok=False)
    audit_record(action="trading.upload.create", obj=session, payload={
        "deal_code": project.deal_code, "section": section.code, "size": size}, sealed_until=project.bid_deadline)
    return session


def upload_append(*, session: UploadSession, user, offset: int, stream: BinaryIO, length: int | None) -> int:
    """Append the bytes of ``stream`` at ``offset``; return the new offset. Fsynced before it answers."""
    _owner(session, user)
    with transaction.atomic():
        session = (UploadSession.objects.select_for_update(of=("self",), no_key=True).select_related("section__project")
                   .get(pk=session.pk))
        if session.state != UploadSession.State.OPEN:
            raise ValidationError({"upload": _("This upload is %(state)s; start a new one to send another envelope.")
                                   % {"state": session.get_state_display()}}, code="closed")
        _accepting_bids(session.section.project, timezone.now())
        current = upload_offset(session=session)
        if offset != current:
            raise OffsetMismatch(current)
        if length is not None and length > chunk_max_bytes():
            raise ValidationError({"chunk": _("Send at most %(max)d bytes per request.") % {"max": chunk_max_bytes()}})
        path = _temp(session)
        with path.open("r+b") as out:
            out.seek(current)
            written = 0
            try:
                while True:
                    block = stream.read(READ_BLOCK)
                    if not block:
                        break
                    written += len(block)
                    if current + written > session.size or written > chunk_max_bytes():
                        raise ValidationError({"chunk": _(
                            "These bytes go past the envelope's declared size of %(size)d bytes (or the %(max)d "
                            "bytes allowed per request); send the envelope the upload was opened for.")
                            % {"size": session.size, "max": chunk_max_bytes()}}, code="too_large")
                    out.write(block)
                out.flush()
                os.fsync(out.fileno())
            except BaseException:
                out.truncate(current)  # nothing half-appended
                raise
        return current + written


def upload_complete(*, session: UploadSession, user) -> Bid:
    """Verify the whole envelope and record it as the bid (with its signed receipt). Idempotent."""
    _owner(session, user)
    session = UploadSession.objects.select_related("section__project").get(pk=session.pk)
    if session.state == UploadSession.State.COMPLETE and session.bid_id:
        return session.bid
    if session.state != UploadSession.State.OPEN:
        raise ValidationError({"upload": _("This upload was abandoned; start a new one.")}, code="closed")
    section = session.section
    project, key = bid_preconditions(section=section, user=user, lock=False)
    received = upload_offset(session=session)
    if received != session.size:
        raise ValidationError({"upload": _("The upload is incomplete: %(received)d of %(size)d bytes received. Send "
                                           "the rest from byte %(received)d, then complete it.")
                               % {"received": received, "size": session.size}}, code="incomplete")
    path = _temp(session)
    try:
        info = envelope_check(path=path, project=project, section=section, key=key)
    except ValidationError:
        upload_abandon(session=session, reason="refused")
        raise
    final_relative = f"bids/{project.deal_code}/{section.code}/{session.pk}.sealed"
    final = storage.protected_path(final_relative)
    with transaction.atomic():
        project, key = bid_preconditions(section=section, user=user)  # locks the project: the deadline step waits
        locked = UploadSession.objects.select_for_update(no_key=True).get(pk=session.pk)
        if locked.state == UploadSession.State.COMPLETE and locked.bid_id:
            return locked.bid
        final.parent.mkdir(parents=True, exist_ok=True)
        staging = final.with_name(final.name + ".new")
        staging.unlink(missing_ok=True)
        os.link(path, staging)
        os.replace(staging, final)
        _fsync_dir(final.parent)
        bid, created = bid_accept_file(project=project, section=section, user=user, key=key,
                                       relative_path=final_relative, info=info, original_name=session.file_name,
                                       client=ClientInfo(session.client_address, session.client_agent,
                                                         session.client_installation))
        if not created:
            final.unlink(missing_ok=True)
        locked.state = UploadSession.State.COMPLETE
        locked.bid = bid
        locked.save(update_fields=["state", "bid"])
        transaction.on_commit(lambda: path.unlink(missing_ok=True))
    return bid


@transaction.atomic
def upload_abandon(*, session: UploadSession, reason: str) -> None:
    """Close an upload that can no longer become a bid and drop its bytes."""
    locked = UploadSession.objects.select_for_update(no_key=True).get(pk=session.pk)
    if locked.state != UploadSession.State.OPEN:
        return
    locked.state = UploadSession.State.ABANDONED
    locked.save(update_fields=["state"])
    _temp(locked).unlink(missing_ok=True)
    audit_record(action="trading.upload.abandon", obj=locked, payload={"reason": reason})


def uploads_sweep(*, now: dt.datetime | None = None) -> int:
    """Abandon open uploads whose deadline passed (EB 27: they count as withdrawn) and drop finished uploads' bytes."""
    now = now or timezone.now()
    count = 0
    for session in UploadSession.objects.filter(state=UploadSession.State.OPEN,
                                                section__project__bid_deadline__lte=now).order_by("pk"):
        upload_abandon(session=session, reason="deadline passed before the upload was complete")
        count += 1
    for session in UploadSession.objects.exclude(state=UploadSession.State.OPEN).order_by("pk")[:1000]:
        _temp(session).unlink(missing_ok=True)
    return count
