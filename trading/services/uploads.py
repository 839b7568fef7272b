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
import fcntl
import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

import sealing
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


class ChunkWriter:
    """One request's bytes appended where the upload's file ends, under the file's lock; nothing half-appended.

    The lock (``flock``, never waited for) keeps a second request for the same upload out while one writes, so
    the offset checked is the offset written at. ``write`` refuses bytes past the declared size or the per-request
    limit; ``finish`` fsyncs and answers the new offset; ``abort`` cuts the file back to where this request started.
    """

    def __init__(self, *, path: Path, offset: int, size: int) -> None:
        self.size = size
        self.file = path.open("r+b")
        try:
            _lock_or_refuse(self.file)
            self.start = os.fstat(self.file.fileno()).st_size
            if offset != self.start:
                raise OffsetMismatch(self.start)
        except BaseException:
            self.file.close()
            raise
        self.file.seek(self.start)
        self.written = 0

    def write(self, block: bytes) -> None:
        self.written += len(block)
        if self.start + self.written > self.size or self.written > chunk_max_bytes():
            raise ValidationError({"chunk": _(
                "These bytes go past the envelope's declared size of %(size)d bytes (or the %(max)d bytes allowed per "
                "request); send the envelope the upload was opened for.")
                % {"size": self.size, "max": chunk_max_bytes()}}, code="too_large")
        self.file.write(block)

    def finish(self) -> int:
        try:
            self.file.flush()
            os.fsync(self.file.fileno())
        except BaseException:
            self.abort()
            raise
        self.file.close()  # closing releases the lock
        return self.start + self.written

    def abort(self) -> None:
        if not self.file.closed:
            self.file.truncate(self.start)
            self.file.close()


def upload_append_start(*, session: UploadSession, user, offset: int, length: int | None) -> ChunkWriter:
    """Check that ``user`` may append ``length`` bytes at ``offset`` now; the writer that takes them.

    No transaction is held while the bytes arrive: the file's lock orders the writers of one upload, and a
    deadline that passes meanwhile is judged again when the upload is completed.
    """
    _owner(session, user)
    session = UploadSession.objects.select_related("section__project").get(pk=session.pk)
    if session.state != UploadSession.State.OPEN:
        raise ValidationError({"upload": _("This upload is %(state)s; start a new one to send another envelope.")
                               % {"state": session.get_state_display()}}, code="closed")
    _accepting_bids(session.section.project, timezone.now())
    if length is not None and length > chunk_max_bytes():
        raise ValidationError({"chunk": _("Send at most %(max)d bytes per request.") % {"max": chunk_max_bytes()}})
    return ChunkWriter(path=_temp(session), offset=offset, size=session.size)


def upload_append(*, session: UploadSession, user, offset: int, stream: BinaryIO, length: int | None) -> int:
    """Append the bytes of ``stream`` at ``offset``; return the new offset. Fsynced before it answers."""
    writer = upload_append_start(session=session, user=user, offset=offset, length=length)
    try:
        while block := stream.read(READ_BLOCK):
            writer.write(block)
    except BaseException:
        writer.abort()
        raise
    return writer.finish()


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
    path = _temp(session)
    _connection_lend()  # reading and verifying the whole file needs no database: others use the connection
    with _appends_held(path):
        received = upload_offset(session=session)
        if received != session.size:
            raise ValidationError({"upload": _(
                "The upload is incomplete: %(received)d of %(size)d bytes received. Send the rest from byte "
                "%(received)d, then complete it.") % {"received": received, "size": session.size}}, code="incomplete")
        try:
            info = envelope_check(path=path, project=project, section=section, key=key)
        except ValidationError:
            upload_abandon(session=session, reason="refused")
            raise
        return _upload_record(session=session, user=user, path=path, info=info)


def _connection_lend() -> None:
    """Give this thread's database connection back to the pool until the next query takes one again.

    A deadline rush is limited by connections (DB_POOL_MAX_SIZE per process): a request that holds one while it
    reads 20 MiB makes the chunk requests behind it wait for one. Outside a transaction only, and only with the
    pool (a connection of its own per thread is not worth closing)."""
    if getattr(connection, "pool", None) is not None and not connection.in_atomic_block:
        connection.close()


@contextmanager
def _appends_held(path: Path) -> Iterator[None]:
    """No append is under way while this holds (the lock ChunkWriter takes); a missing file holds nothing."""
    try:
        handle = path.open("rb")
    except FileNotFoundError:
        yield
        return
    with handle:
        _lock_or_refuse(handle)
        yield


def _lock_or_refuse(handle) -> None:
    """Take the upload file's lock, or refuse at once: nothing waits for it (a waiting request would hold a worker
    thread and a database connection that the request holding the lock may need to finish)."""
    try:
        fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        raise ValidationError({"upload": _(
            "Another request is sending bytes to this upload right now. Wait for its answer, then resume from the "
            "offset the upload's status gives.")}, code="busy") from None


@transaction.atomic
def _upload_record(*, session: UploadSession, user, path: Path, info: sealing.EnvelopeInfo) -> Bid:
    """Link the verified file into place and record the bid and its receipt, with the submission locks held."""
    section = session.section
    project, key = bid_preconditions(section=section, user=user)  # the deadline step waits for this transaction
    locked = UploadSession.objects.select_for_update(no_key=True).get(pk=session.pk)
    if locked.state == UploadSession.State.COMPLETE and locked.bid_id:
        return locked.bid
    final_relative = f"bids/{project.deal_code}/{section.code}/{session.pk}.sealed"
    final = storage.protected_path(final_relative)
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
