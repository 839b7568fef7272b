"""Reads of the opening room: who sees what, the log after N, the coalesced snapshots, the regulator's board."""

import datetime as dt

from django.db.models import Count, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Role

from .machine import is_host
from .models import IN_PROGRESS, Objection, OpeningSession, RoomBidder, RoomEvent, State

HOST = "host"
OBSERVER = "observer"  # regulators, officials and the tenderer: everything, read-only
BIDDER = "bidder"
PUBLIC = "public"  # anyone, read-only, after the results are published

PUBLIC_STATES = (State.PUBLISHED, State.CONFIRMING, State.CLOSED)
# Alerts on the board: a bidder not signed in this close to the end of the decryption window.
SIGN_IN_ALERT_BEFORE = dt.timedelta(minutes=5)


def room_audience(*, user, session: OpeningSession) -> str | None:
    """How ``user`` takes part in ``session``: host, observer, bidder, public, or None (may not enter)."""
    if user is not None and user.is_authenticated:
        if is_host(user, session):
            return HOST
        project = session.section.project
        if user.role in (Role.REGULATOR, Role.OFFICIAL, Role.ADMIN):
            return OBSERVER
        if user.role in (Role.TENDERER, Role.AGENCY) and user.organisation_id in (project.tenderer_id,
                                                                                  project.agency_id):
            return OBSERVER
        if user.role == Role.BIDDER and RoomBidder.objects.filter(
                session=session, organisation_id=user.organisation_id).exists():
            return BIDDER
        if user.role == Role.BIDDER and session.state == State.SCHEDULED and session.section.bids.filter(
                organisation_id=user.organisation_id, state="submitted").exists():
            return BIDDER
    if session.state in PUBLIC_STATES:
        return PUBLIC
    return None


def room_entry(*, session_id: int, user, since: int) -> dict | None:
    """Everything a client needs to enter a room, in one call: its audience (None: may not enter), the log after
    ``since`` and the room's head (to pick a cached snapshot). Two or three small queries, no per-bidder rows."""
    session = (OpeningSession.objects.select_related("section__project")
               .filter(pk=session_id).first())
    if session is None:
        return None
    audience = room_audience(user=user, session=session)
    if audience is None:
        return None
    return {
        "audience": audience,
        "organisation_id": getattr(user, "organisation_id", None) if audience == BIDDER else None,
        "group": session.group,
        "head": (session.last_seq, session.status_version, session.state),
        "events": events_since(session_id=session_id, seq=since),
    }


def events_since(*, session_id: int, seq: int) -> list[dict]:
    return [e.as_message() for e in RoomEvent.objects.filter(session_id=session_id, seq__gt=seq).order_by("seq")]


def session_head(*, session_id: int) -> tuple[int, int, str]:
    """(last_seq, status_version, state): what the live loop polls to know whether to send a snapshot."""
    return OpeningSession.objects.filter(pk=session_id).values_list("last_seq", "status_version", "state").get()


def _entry_dict(entry: RoomBidder, *, named: bool, backup: bool = False) -> dict:
    row = {"id": entry.pk, "signed_in": entry.signed_in_at is not None, "decryption": entry.decryption,
           "decryption_label": str(entry.get_decryption_display()), "progress": entry.progress,
           "confirmed": entry.confirmed_at is not None, "error": entry.error}
    if named:
        row["bidder"] = entry.organisation.name
    if backup:  # the custodians' shares may decrypt it (EB 31): failed through no fault of its bidder
        row["backup"] = entry.decryption == RoomBidder.Decryption.FAILED and entry.bidder_fault is False
    return row


def snapshots(*, session_id: int) -> dict:
    """Every snapshot variant of one room from one read: observers get each bidder's status, bidders their own
    and the counts. Sent periodically and only when something changed, so deliveries grow with clients, not
    with clients × bidders."""
    session = OpeningSession.objects.select_related("section__project").get(pk=session_id)
    backup = session.section.project.allow_backup_decryption
    entries = list(RoomBidder.objects.filter(session_id=session_id).select_related("organisation").order_by("pk"))
    counts = {
        "bidders": len(entries),
        "signed_in": sum(e.signed_in_at is not None for e in entries),
        "released": sum(e.key_released_at is not None for e in entries),
        "decrypted": sum(e.decryption == RoomBidder.Decryption.DECRYPTED for e in entries),
        "failed": sum(e.decryption in (RoomBidder.Decryption.FAILED, RoomBidder.Decryption.NOT_DECRYPTED)
                      for e in entries),
        "confirmed": sum(e.confirmed_at is not None for e in entries),
    }
    base = {"type": "snapshot", "seq": session.last_seq, "state": session.state,
            "state_label": str(session.get_state_display()), "server_time": timezone.now().isoformat(),
            "opens_at": _iso(session.opens_at), "decrypt_ends_at": _iso(session.decrypt_ends_at),
            "confirm_ends_at": _iso(session.confirm_ends_at), "counts": counts}
    return {
        "observer": {**base, "bidders": [_entry_dict(e, named=True, backup=backup) for e in entries]},
        "public": base,
        "by_org": {e.organisation_id: {**base, "me": _entry_dict(e, named=True)} for e in entries},
    }


def snapshot_for(*, session_id: int, audience: str, organisation_id: int | None) -> dict:
    variants = snapshots(session_id=session_id)
    return pick_snapshot(variants, audience=audience, organisation_id=organisation_id)


def pick_snapshot(variants: dict, *, audience: str, organisation_id: int | None) -> dict:
    if audience in (HOST, OBSERVER):
        return variants["observer"]
    if audience == BIDDER:
        return variants["by_org"].get(organisation_id, variants["public"])
    return variants["public"]


def _iso(value):
    return value.isoformat() if value else None


def sessions_for(*, user) -> QuerySet[OpeningSession]:
    """Openings a person takes part in."""
    qs = OpeningSession.objects.select_related("section__project").order_by("-opens_at")
    if user.role in (Role.REGULATOR, Role.OFFICIAL, Role.ADMIN):
        return qs
    if user.role in (Role.TENDERER, Role.AGENCY):
        return qs.filter(Q(section__project__tenderer_id=user.organisation_id)
                         | Q(section__project__agency_id=user.organisation_id))
    if user.role == Role.BIDDER:
        return qs.filter(section__bids__organisation_id=user.organisation_id).distinct()
    return qs.none()


def public_sessions() -> QuerySet[OpeningSession]:
    return OpeningSession.objects.filter(state__in=PUBLIC_STATES).select_related("section__project").order_by(
        "-published_at")


def board(*, now: dt.datetime | None = None) -> list[dict]:
    """开评标全监控: every room in progress, its state and alerts."""
    now = now or timezone.now()
    rows = []
    sessions = OpeningSession.objects.filter(state__in=IN_PROGRESS).select_related("section__project").annotate(
        n=Count("bidders", distinct=True),
        signed=Count("bidders", filter=Q(bidders__signed_in_at__isnull=False), distinct=True),
        decrypted=Count("bidders", filter=Q(bidders__decryption=RoomBidder.Decryption.DECRYPTED), distinct=True),
        failures=Count("bidders", filter=Q(bidders__decryption=RoomBidder.Decryption.FAILED), distinct=True),
    ).order_by("opens_at", "pk")
    waiting = dict(Objection.objects.filter(session__state__in=IN_PROGRESS, answered_at__isnull=True)
                   .values("session").annotate(n=Count("pk")).values_list("session", "n"))
    for s in sessions:
        alerts = []
        ends = s.decrypt_ends_at
        if s.state in (State.SIGN_IN, State.DECRYPTING) and s.signed < s.n and (
                s.state == State.SIGN_IN or (ends and ends - now <= SIGN_IN_ALERT_BEFORE)):
            alerts.append({"kind": "not_signed_in", "text": _("%(n)d bidder(s) not signed in") % {"n": s.n - s.signed}})
        if s.failures:
            alerts.append({"kind": "decrypt_failed", "text": _("%(n)d bid(s) failed to decrypt") % {"n": s.failures}})
        if waiting.get(s.pk):
            alerts.append({"kind": "objection_waiting",
                           "text": _("%(n)d objection(s) waiting for an answer") % {"n": waiting[s.pk]}})
        if s.state == State.SCHEDULED and s.opens_at < now - dt.timedelta(minutes=1):
            alerts.append({"kind": "late", "text": _("Past the opening time and not open yet")})
        rows.append({"id": s.pk, "section": s.section.full_code, "title": s.section.project.title,
                     "name": s.section.name, "state": s.state, "state_label": str(s.get_state_display()),
                     "opens_at": _iso(s.opens_at), "decrypt_ends_at": _iso(s.decrypt_ends_at),
                     "bidders": s.n, "signed_in": s.signed, "decrypted": s.decrypted, "alerts": alerts})
    return rows
