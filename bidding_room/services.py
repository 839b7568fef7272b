"""Writes of the opening room. Every step locks the session row, so the log's order is the order things happened."""

import base64
import binascii
import datetime as dt
import secrets

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Role
from audit.services import audit_record
from core.effects import task_on_commit
from deposits.selectors import TooEarly
from trading.bonds import bond_cell, bond_statuses
from trading.models import Bid, CancelReason, Project, Section, Status

from . import decryption
from .machine import event_append, events_together, is_host, session_lock, session_step, status_bump
from .models import FINISHED, Objection, OpeningSession, RoomBidder, RoomCommand, State

OBJECTION_MAX_CHARS = 2000


def stale_decryption() -> dt.timedelta:
    """A decryption that shows no sign of life for this long is presumed lost (its process died) and is run again."""
    return dt.timedelta(seconds=getattr(settings, "ROOM_STALE_DECRYPTION_SECONDS", 20))


def window(minutes: int) -> dt.timedelta:
    """A window of ``minutes`` project minutes (``ROOM_WINDOW_MINUTE_SECONDS`` each: 60, shortened in tests)."""
    return dt.timedelta(seconds=minutes * getattr(settings, "ROOM_WINDOW_MINUTE_SECONDS", 60))


def min_valid_bids() -> int:
    return getattr(settings, "TRADING_MIN_VALID_BIDS", 3)


# Scheduling and opening ---------------------------------------------------------------------------------------


@transaction.atomic
def session_schedule(*, section: Section) -> OpeningSession:
    """The opening session of ``section``, created (scheduled at the bid deadline) if it does not exist yet."""
    session, created = OpeningSession.objects.get_or_create(
        section=section, defaults={"opens_at": section.project.bid_deadline})
    if created:
        audit_record(action="bidding_room.session.schedule", obj=session, payload={
            "section": section.full_code, "opens_at": session.opens_at.isoformat()})
        task_on_commit("bidding_room.tasks.room_open_due", session.pk, eta=session.opens_at)
    return session


def sessions_schedule() -> int:
    """Schedule a session for every section of a project that is taking bids or opening."""
    sections = Section.objects.filter(
        project__status__in=(Status.PUBLISHED, Status.DEADLINE_PASSED, Status.OPENING), opening__isnull=True,
        project__bid_deadline__isnull=False, failed_at__isnull=True,
    ).select_related("project")
    count = 0
    for section in sections:
        session_schedule(section=section)
        count += 1
    return count


def session_open_due(*, session_id: int) -> str:
    """At the bid deadline: move the project on (trading's lifecycle), then open the room or fail it (流标).

    Idempotent: a session not due, or already open, is left alone.
    """
    from trading.lifecycle import project_advance_due

    session = OpeningSession.objects.select_related("section__project").get(pk=session_id)
    if session.state != State.SCHEDULED or timezone.now() < session.opens_at:
        return session.state
    # The project's own step first, in its own transaction: the project row is never locked after the session's.
    project_advance_due(project_id=session.section.project_id)
    with transaction.atomic():
        session = session_lock(session_id=session_id)
        if session.state != State.SCHEDULED:
            return session.state
        project = Project.objects.get(pk=session.section.project_id)
        section = Section.objects.get(pk=session.section_id)
        if project.status in (Status.PUBLISHED, Status.SUSPENDED, Status.CANCELLED):
            return session.state
        bids = list(Bid.objects.filter(section=section, state=Bid.State.SUBMITTED).order_by("submitted_at", "pk"))
        if project.status == Status.FAILED or section.failed_at or len(bids) < min_valid_bids():
            session_step(session=session, to=State.FAILED, payload={"received": len(bids)}, fields={
                "failure_reason": _("Fewer than %(n)d bids were received (%(got)d): no opening, the section fails "
                                    "(流标).") % {"n": min_valid_bids(), "got": len(bids)}})
            return session.state
        RoomBidder.objects.bulk_create(RoomBidder(session=session, bid=bid, organisation_id=bid.organisation_id)
                                       for bid in bids)
        session_step(session=session, to=State.SIGN_IN, payload={
            "bidders": len(bids), "base_amount": str(section.base_amount), "base_type": section.base_type})
        return session.state


# Sign-in --------------------------------------------------------------------------------------------------------


def _entry_for(session: OpeningSession, user) -> RoomBidder:
    if user.role != Role.BIDDER or user.organisation_id is None:
        raise PermissionDenied(_("Only a person of a bidder that submitted a bid may do this."))
    entry = (RoomBidder.objects.select_for_update(no_key=True)
             .filter(session=session, organisation_id=user.organisation_id).first())
    if entry is None:
        raise PermissionDenied(_("Your organisation has no bid in this opening."))
    return entry


def challenge_text(*, session: OpeningSession, entry: RoomBidder) -> bytes:
    """The exact bytes a bidder signs to sign in."""
    return f"sunshine-opening-sign-in:{session.pk}:{entry.bid_id}:{entry.challenge}".encode()


@transaction.atomic
def signin_challenge(*, session: OpeningSession, user) -> str:
    """A fresh one-time challenge for the bidder to sign with its registered key; returns the text to sign."""
    session = session_lock(session_id=session.pk)
    if session.state not in (State.SIGN_IN, State.DECRYPTING):
        raise ValidationError({"state": _("Sign-in is open from the bid deadline until the decryption window ends.")})
    entry = _entry_for(session, user)
    entry.challenge = secrets.token_hex(32)
    entry.save(update_fields=["challenge"])
    return challenge_text(session=session, entry=entry).decode()


def _b64(value: str, field: str) -> bytes:
    try:
        return base64.b64decode(value or "", validate=True)
    except (binascii.Error, ValueError):
        raise ValidationError({field: _("This is not base64 text; send what the client produced unchanged.")})


@transaction.atomic
def bidder_sign_in(*, session: OpeningSession, user, signature: str) -> RoomBidder:
    """Sign the bidder in: its signature over the challenge must verify with its registered key."""
    session = session_lock(session_id=session.pk)
    if session.state not in (State.SIGN_IN, State.DECRYPTING):
        raise ValidationError({"state": _("Sign-in is open from the bid deadline until the decryption window ends.")})
    entry = _entry_for(session, user)
    if entry.signed_in_at is not None:
        return entry
    if not entry.challenge:
        raise ValidationError({"signature": _("Ask for a sign-in challenge first, then sign it with your key.")})
    raw = _b64(signature, "signature")
    decryption.signing_key_check(user=user, project=session.section.project)
    if not decryption.challenge_verify(user=user, challenge=challenge_text(session=session, entry=entry),
                                       signature=raw):
        raise ValidationError({"signature": _(
            "The signature does not verify with your registered key. Sign with the key file you registered.")})
    entry.challenge = ""
    entry.signed_in_at = timezone.now()
    entry.signed_in_by = user
    entry.save(update_fields=["challenge", "signed_in_at", "signed_in_by"])
    audit_record(action="bidding_room.bidder.sign_in", obj=entry, payload={
        "section": session.section.full_code, "bid": entry.bid_id})
    status_bump(session_id=session.pk)
    return entry


# Decryption -------------------------------------------------------------------------------------------------------


@transaction.atomic
def decryption_start(*, session: OpeningSession, user) -> OpeningSession:
    """The host's decrypt instruction: the window (minutes set per project) starts now."""
    session = session_lock(session_id=session.pk)
    now = timezone.now()
    ends = now + window(session.section.project.decryption_window_minutes)
    session_step(session=session, to=State.DECRYPTING, user=user,
                 fields={"decrypt_started_at": now, "decrypt_ends_at": ends})
    task_on_commit("bidding_room.tasks.room_window_due", session.pk, eta=ends)
    return session


@transaction.atomic
def key_release(*, session: OpeningSession, user, content_key: str) -> RoomBidder:
    """The bidder releases its content key; the platform decrypts the bid in a task."""
    session = session_lock(session_id=session.pk)
    if session.state != State.DECRYPTING:
        raise ValidationError({"state": _("Keys are released only while the decryption window is open.")})
    if timezone.now() >= session.decrypt_ends_at:
        raise ValidationError({"state": _("The decryption window has ended; the key can no longer be released.")})
    entry = _entry_for(session, user)
    if entry.signed_in_at is None:
        raise ValidationError({"content_key": _("Sign in with your key before releasing it.")})
    if entry.decryption not in (RoomBidder.Decryption.WAITING, RoomBidder.Decryption.FAILED):
        raise ValidationError({"content_key": _("Your key is already released; the platform is decrypting your bid.")})
    decryption.key_release(bid=entry.bid, user=user, content_key=_b64(content_key, "content_key"))
    now = timezone.now()
    entry.decryption = RoomBidder.Decryption.RELEASED
    entry.key_released_at = now
    entry.progress_at = now
    entry.progress = 0
    entry.error = ""
    entry.bidder_fault = None
    entry.save()
    audit_record(action="bidding_room.bidder.key_release", obj=entry, payload={
        "section": session.section.full_code, "bid": entry.bid_id})
    status_bump(session_id=session.pk)
    task_on_commit("bidding_room.tasks.room_decrypt", entry.pk)
    return entry


def bid_decrypt_run(*, entry_id: int) -> str:
    """Decrypt one released bid (the task body), report progress, then try to publish the results."""
    # Locks in the order every room service takes them (session, then the bidder's row, then the audit head):
    # with Celery workers this runs beside the room's commands, and any other order can deadlock with them.
    session_id = RoomBidder.objects.values_list("session_id", flat=True).get(pk=entry_id)
    with transaction.atomic():
        session_lock(session_id=session_id)
        entry = RoomBidder.objects.select_for_update(no_key=True).select_related("bid").get(pk=entry_id)
        if entry.decryption not in (RoomBidder.Decryption.RELEASED, RoomBidder.Decryption.DECRYPTING):
            return entry.decryption
        entry.decryption = RoomBidder.Decryption.DECRYPTING
        entry.progress_at = timezone.now()
        entry.save(update_fields=["decryption", "progress_at"])
        status_bump(session_id=entry.session_id)

    last = {"pct": -1}

    def on_progress(done: int, total: int) -> None:
        pct = min(99, int(done * 100 / total)) if total else 0
        if pct - last["pct"] >= 5:
            last["pct"] = pct
            RoomBidder.objects.filter(pk=entry_id).update(progress=pct, progress_at=timezone.now())
            status_bump(session_id=entry.session_id)

    failure = decryption.decrypt(bid=entry.bid, on_progress=on_progress)
    with transaction.atomic():
        session_lock(session_id=session_id)
        entry = RoomBidder.objects.select_for_update(no_key=True).get(pk=entry_id)
        if failure is None:
            entry.decryption = RoomBidder.Decryption.DECRYPTED
            entry.progress = 100
            entry.decrypted_at = timezone.now()
        else:
            entry.decryption = RoomBidder.Decryption.FAILED
            entry.error = failure.reason
            entry.bidder_fault = failure.bidder_fault
        entry.progress_at = timezone.now()
        entry.save()
        audit_record(action="bidding_room.bidder.decrypt", obj=entry, payload={
            "bid": entry.bid_id, "ok": failure is None, "reason": failure.reason if failure else "",
            "bidder_fault": failure.bidder_fault if failure else None})
        status_bump(session_id=entry.session_id)
    decryption_finish(session_id=entry.session_id)
    return entry.decryption


@transaction.atomic
def backup_decrypt(*, session: OpeningSession, user, entry_id: int, shares: list | None = None) -> RoomBidder:
    """The custodians' backup for a bid that failed through no fault of its bidder (where the project allows it).

    ``shares``: decrypted shares given with the command; None uses those the custodians handed in on the project page.
    """
    session = session_lock(session_id=session.pk)
    if not is_host(user, session):
        raise PermissionDenied(_("Only the host of the opening (the agency) may do this."))
    if session.state != State.DECRYPTING:
        raise ValidationError({"state": _("The backup decryption is possible only during the decryption window.")})
    entry = RoomBidder.objects.select_for_update(no_key=True).get(pk=entry_id, session=session)
    if entry.decryption != RoomBidder.Decryption.FAILED or entry.bidder_fault:
        raise ValidationError({"entry": _("Only a bid whose decryption failed through no fault of its bidder "
                                          "can be decrypted by the custodians' backup.")})
    decryption.backup_decrypt(bid=entry.bid, shares=shares)
    entry.decryption = RoomBidder.Decryption.DECRYPTED
    entry.progress = 100
    entry.decrypted_at = timezone.now()
    entry.save()
    audit_record(action="bidding_room.bidder.backup_decrypt", obj=entry, payload={"bid": entry.bid_id})
    status_bump(session_id=session.pk)
    return entry


def _bond_statuses(session: OpeningSession) -> dict | None:
    """The section's bid bonds, by bidder, once the deadline has passed (None: the section asks for no bond)."""
    try:
        return bond_statuses(session.section)
    except TooEarly:  # never at an opening, which starts at the deadline; show nothing rather than too much
        return None


def _opening_table(session: OpeningSession) -> list[dict]:
    """The 开标一览表 of the bids that opened, in the order they were received; where the section asks for a bid
    bond, each row says whether it arrived in full before the deadline (or a guarantee covers it)."""
    rows = []
    entries = session.bidders.filter(decryption=RoomBidder.Decryption.DECRYPTED).select_related(
        "bid", "organisation").order_by("bid__submitted_at", "pk")
    bonds = _bond_statuses(session)
    for number, entry in enumerate(entries, start=1):
        row = {"no": number, "bidder": entry.organisation.name, "credit_code": entry.organisation.credit_code,
               "summary": getattr(entry.bid, "opened_summary", None) or {}}
        if bonds is not None:
            row["bond"] = bond_cell(bonds, entry.organisation_id)
        rows.append(row)
    return rows


def not_opened(session: OpeningSession) -> list[dict]:
    entries = session.bidders.filter(decryption=RoomBidder.Decryption.NOT_DECRYPTED).select_related(
        "bid", "organisation").order_by("bid__submitted_at", "pk")
    return [{"bidder": e.organisation.name, "credit_code": e.organisation.credit_code, "state": e.bid.state,
             "state_label": str(e.bid.get_state_display()), "reason": e.error} for e in entries]


def decryption_finish(*, session_id: int, user=None) -> str:
    """When every bid is decrypted or the window has ended (and only then): apply EB 31, then publish (唱标) or fail.

    The platform calls it after each decryption and when the window ends; the host may
    call it too. Returns the state afterwards; not being due is not an error for the platform.
    """
    from .machine import _decryption_over

    with transaction.atomic():
        session = session_lock(session_id=session_id)
        if session.state != State.DECRYPTING:
            return session.state
        problem = _decryption_over(session, timezone.now())
        if problem:
            if user is not None:
                raise ValidationError({"state": problem})
            return session.state
        if user is not None and not is_host(user, session):
            raise PermissionDenied(_("Only the host of the opening (the agency) may do this."))
        for entry in session.bidders.exclude(decryption__in=(RoomBidder.Decryption.DECRYPTED,
                                                             RoomBidder.Decryption.NOT_DECRYPTED)).select_related("bid"):
            failed = entry.decryption == RoomBidder.Decryption.FAILED
            # Never releasing the key within the window is the bidder's own doing (EB 31).
            fault = bool(entry.bidder_fault) if failed and entry.bidder_fault is not None else True
            reason = entry.error if failed else _("The bidder did not release its key within the decryption window.")
            decryption.mark_not_decrypted(bid=entry.bid, bidder_fault=fault, reason=reason)
            entry.decryption = RoomBidder.Decryption.NOT_DECRYPTED
            entry.bidder_fault = fault
            entry.error = reason
            entry.save()
        status_bump(session_id=session.pk)
        table = _opening_table(session)
        section = session.section
        if len(table) < min_valid_bids():
            session_step(session=session, to=State.FAILED, user=user, payload={"not_opened": not_opened(session)},
                         fields={"failure_reason": _(
                             "Only %(got)d bids could be decrypted, fewer than %(n)d: the section fails (流标).") % {
                             "got": len(table), "n": min_valid_bids()}})
            Section.objects.filter(pk=section.pk).update(failed_at=timezone.now())
            _after_finish(session)
            return session.state
        now = timezone.now()
        with events_together():  # 唱标 and the confirmation window reach every client in one frame
            session_step(session=session, to=State.PUBLISHED, user=user, fields={"published_at": now}, payload={
                "table": table, "not_opened": not_opened(session), "base_amount": str(section.base_amount),
                "base_type": section.base_type, "base_type_label": str(section.get_base_type_display()),
                "announced_items": section.announced_items})
            _confirmation_open(session)
        return session.state


def _confirmation_open(session: OpeningSession) -> None:
    ends = timezone.now() + window(session.section.project.objection_window_minutes)
    session_step(session=session, to=State.CONFIRMING, fields={"confirm_ends_at": ends})
    task_on_commit("bidding_room.tasks.room_window_due", session.pk, eta=ends)


# Confirmation and objections ---------------------------------------------------------------------------------------


@transaction.atomic
def bidder_confirm(*, session: OpeningSession, user) -> RoomBidder:
    """The bidder confirms the published results."""
    session = session_lock(session_id=session.pk)
    if session.state != State.CONFIRMING:
        raise ValidationError({"state": _("Results can be confirmed only during the confirmation window.")})
    entry = _entry_for(session, user)
    if entry.confirmed_at is None:
        entry.confirmed_at = timezone.now()
        entry.save(update_fields=["confirmed_at"])
        audit_record(action="bidding_room.bidder.confirm", obj=entry, payload={"bid": entry.bid_id})
        status_bump(session_id=session.pk)
    return entry


@transaction.atomic
def objection_raise(*, session: OpeningSession, user, text: str) -> Objection:
    """A bidder objects (异议) to the opening within the objection window; the host answers in the room."""
    session = session_lock(session_id=session.pk)
    if session.state != State.CONFIRMING or timezone.now() >= session.confirm_ends_at:
        raise ValidationError({"state": _("Objections are taken only while the objection window is open.")})
    entry = _entry_for(session, user)
    text = (text or "").strip()
    if not text:
        raise ValidationError({"text": _("Write what you object to.")})
    if len(text) > OBJECTION_MAX_CHARS:
        raise ValidationError({"text": _("Keep the objection under %(n)d characters.") % {"n": OBJECTION_MAX_CHARS}})
    objection = Objection.objects.create(session=session, bidder=entry, text=text, raised_by=user,
                                         raised_at=timezone.now())
    event_append(session=session, kind="objection_raised", payload={
        "objection": objection.pk, "bidder": entry.organisation.name, "text": text})
    audit_record(action="bidding_room.objection.raise", obj=objection, payload={"text": text, "bid": entry.bid_id})
    return objection


@transaction.atomic
def objection_answer(*, session: OpeningSession, user, objection_id: int, answer: str) -> Objection:
    """The host answers an objection on the spot."""
    session = session_lock(session_id=session.pk)
    if not is_host(user, session):
        raise PermissionDenied(_("Only the host of the opening (the agency) may do this."))
    if session.state != State.CONFIRMING:
        raise ValidationError({"state": _("Objections are answered while the opening is in its confirmation step.")})
    objection = Objection.objects.select_for_update(no_key=True).filter(pk=objection_id, session=session).first()
    if objection is None:
        raise ValidationError({"objection": _("There is no such objection in this opening.")})
    if objection.answered_at is not None:
        raise ValidationError({"objection": _("This objection is already answered.")})
    answer = (answer or "").strip()
    if not answer:
        raise ValidationError({"answer": _("Write the answer to the objection.")})
    objection.answer = answer
    objection.answered_by = user
    objection.answered_at = timezone.now()
    objection.save()
    event_append(session=session, kind="objection_answered", payload={"objection": objection.pk, "answer": answer})
    audit_record(action="bidding_room.objection.answer", obj=objection, payload={"answer": answer})
    return objection


def session_close(*, session_id: int, user=None) -> str:
    """Close the opening (host, or the platform when the objection window ends with every objection answered)."""
    with transaction.atomic():
        session = session_lock(session_id=session_id)
        if user is None:
            if session.state != State.CONFIRMING:
                return session.state
            from .machine import _confirmation_over

            if _confirmation_over(session, timezone.now()):
                return session.state
        session_step(session=session, to=State.CLOSED, user=user, fields={"closed_at": timezone.now()})
        _after_finish(session)
        return session.state


def _after_finish(session: OpeningSession) -> None:
    """A session ended: make the record, and move the project once every section's opening is over."""
    if session.bidders.exists():
        task_on_commit("bidding_room.tasks.room_record", session.pk)
    project = session.section.project
    sections = list(Section.objects.filter(project=project).values_list("pk", "failed_at"))
    finished = dict(OpeningSession.objects.filter(section__project=project, state__in=FINISHED)
                    .values_list("section_id", "state"))
    if any(pk not in finished and failed_at is None for pk, failed_at in sections):
        return
    from trading.lifecycle import project_transition

    project = Project.objects.get(pk=project.pk)
    if project.status != Status.OPENING:
        return
    if State.CLOSED in finished.values():
        project_transition(project=project, to=Status.EVALUATION)
    else:
        project_transition(project=project, to=Status.FAILED, reason_code=CancelReason.TOO_FEW_BIDS,
                           note=_("Fewer than %(n)d bids could be opened in every section.") % {"n": min_valid_bids()})


# Timers ---------------------------------------------------------------------------------------------------------


def window_due(*, session_id: int) -> str:
    """A window ended: decryption → publish or fail; objections → close (once every objection is answered)."""
    session = OpeningSession.objects.get(pk=session_id)
    now = timezone.now()
    if session.state == State.DECRYPTING and session.decrypt_ends_at and now >= session.decrypt_ends_at:
        return decryption_finish(session_id=session_id)
    if session.state == State.CONFIRMING and session.confirm_ends_at and now >= session.confirm_ends_at:
        return session_close(session_id=session_id)
    return session.state


def sessions_sweep() -> dict:
    """The periodic sweep: schedule new sessions, open due ones, end due windows, rerun lost decryptions."""
    now = timezone.now()
    done = {"scheduled": sessions_schedule(), "opened": 0, "windows": 0, "requeued": 0}
    for session_id in OpeningSession.objects.filter(state=State.SCHEDULED, opens_at__lte=now).values_list(
            "pk", flat=True):
        session_open_due(session_id=session_id)
        done["opened"] += 1
    due = OpeningSession.objects.filter(state=State.DECRYPTING, decrypt_ends_at__lte=now).values_list("pk", flat=True)
    due_confirm = OpeningSession.objects.filter(state=State.CONFIRMING, confirm_ends_at__lte=now).values_list(
        "pk", flat=True)
    for session_id in [*due, *due_confirm]:
        window_due(session_id=session_id)
        done["windows"] += 1
    stale = RoomBidder.objects.filter(
        session__state=State.DECRYPTING,
        decryption__in=(RoomBidder.Decryption.RELEASED, RoomBidder.Decryption.DECRYPTING),
        progress_at__lt=now - stale_decryption())
    for entry_id in stale.values_list("pk", flat=True):
        RoomBidder.objects.filter(pk=entry_id).update(progress_at=now)
        task_on_commit("bidding_room.tasks.room_decrypt", entry_id)
        done["requeued"] += 1
    for session_id in OpeningSession.objects.filter(state=State.CLOSED, record__isnull=True,
                                                    bidders__isnull=False).distinct().values_list("pk", flat=True):
        from .record import record_generate

        record_generate(session_id=session_id)
    return done


# Commands -----------------------------------------------------------------------------------------------------------


# The host's own commands: anyone else is refused before anything runs or is recorded, whatever the room's state.
HOST_ONLY = ("start_decryption", "publish", "close")


def _run(action: str, session: OpeningSession, user, args: dict) -> dict:
    if action in HOST_ONLY and not is_host(user, session):
        raise PermissionDenied(_("Only the host of the opening (the agency) may do this."))
    if action == "challenge":
        return {"challenge": signin_challenge(session=session, user=user)}
    if action == "sign_in":
        bidder_sign_in(session=session, user=user, signature=str(args.get("signature", "")))
        return {}
    if action == "start_decryption":
        decryption_start(session=session, user=user)
        return {}
    if action == "release_key":
        key_release(session=session, user=user, content_key=str(args.get("content_key", "")))
        return {}
    if action == "publish":
        return {"state": decryption_finish(session_id=session.pk, user=user)}
    if action == "confirm":
        bidder_confirm(session=session, user=user)
        return {}
    if action == "object":
        return {"objection": objection_raise(session=session, user=user, text=str(args.get("text", ""))).pk}
    if action == "answer":
        try:
            objection_id = int(args.get("objection"))
        except (TypeError, ValueError):
            raise ValidationError({"objection": _("Name the objection to answer.")})
        objection_answer(session=session, user=user, objection_id=objection_id, answer=str(args.get("answer", "")))
        return {}
    if action == "close":
        return {"state": session_close(session_id=session.pk, user=user)}
    if action == "backup_decrypt":
        shares = args.get("shares")
        if shares is not None and not isinstance(shares, list):
            raise ValidationError({"shares": _("Give the custodians' shares as a list.")})
        try:
            entry_id = int(args.get("entry", 0))
        except (TypeError, ValueError):
            raise ValidationError({"entry": _("Name the bid to decrypt.")})
        backup_decrypt(session=session, user=user, entry_id=entry_id, shares=shares)
        return {"state": decryption_finish(session_id=session.pk)}  # the results, once it was the last bid
    raise ValidationError({"action": _("Unknown command “%(action)s”.") % {"action": action}})


ACTIONS = ("challenge", "sign_in", "start_decryption", "release_key", "publish", "confirm", "object", "answer",
           "close", "backup_decrypt")


def command_apply(*, session_id: int, user, client_id: str, action: str, args: dict) -> dict:
    """Apply a room command once per client-generated id; a retry gets the first result back.

    Raises ValidationError/PermissionDenied (nothing changed, nothing remembered, so a
    corrected retry with the same id is applied).
    """
    client_id = str(client_id or "").strip()
    if not client_id or len(client_id) > 64:
        raise ValidationError({"id": _("Every command needs an id of 1 to 64 characters, made by the client.")})
    session = OpeningSession.objects.select_related("section__project").get(pk=session_id)
    previous = RoomCommand.objects.filter(session_id=session_id, client_id=client_id).first()
    if previous is not None:
        return _replayed(previous, user)
    try:
        with transaction.atomic():
            result = _run(action, session, user, args)
            RoomCommand.objects.create(session_id=session_id, client_id=client_id, user=user, action=action,
                                       result=result)
    except IntegrityError:
        # The same command arrived twice at once: the first one won, this one rolled back whole.
        previous = RoomCommand.objects.filter(session_id=session_id, client_id=client_id).first()
        if previous is None:
            raise
        return _replayed(previous, user)
    return result


def _replayed(previous: RoomCommand, user) -> dict:
    if previous.user_id != user.pk:
        raise ValidationError({"id": _("This command id is already used; make a new one for each command.")})
    return {**previous.result, "replayed": True}
