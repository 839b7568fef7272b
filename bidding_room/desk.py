"""The opening-room lists of 我的工作台 (accounts.desk): openings to attend, to host, and rooms live now."""

from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.desk import DeskItem, desk_register
from accounts.models import Role

from .models import IN_PROGRESS, OpeningSession, RoomBidder, State


def _item(session: OpeningSession, action: str, deadline) -> DeskItem:
    project = session.section.project
    return DeskItem(project.title, reverse("bidding_room:room", args=[session.pk]), action, deadline,
                    f"{project.deal_code} · {session.get_state_display()}")


def _sessions():
    return OpeningSession.objects.filter(state__in=IN_PROGRESS).select_related("section__project")


def bidder_openings(user):
    """Openings the bidder has a bid in: attend, sign in, release the key, confirm the results."""
    org_id = user.organisation_id
    if org_id is None:
        return
    entries = {e.session_id: e for e in RoomBidder.objects.filter(organisation_id=org_id,
                                                                  session__state__in=IN_PROGRESS)}
    sessions = _sessions().filter(Q(pk__in=entries) | Q(state=State.SCHEDULED, section__bids__organisation_id=org_id,
                                                          section__bids__state="submitted")).distinct()
    for session in sessions.order_by("opens_at"):
        entry = entries.get(session.pk)
        if session.state == State.SCHEDULED:
            yield _item(session, _("Attend the opening"), session.opens_at)
        elif session.state == State.SIGN_IN or entry is not None and entry.signed_in_at is None:
            yield _item(session, _("Sign in"), session.decrypt_ends_at)
        elif session.state == State.DECRYPTING:
            yield _item(session, _("Release your key to decrypt"), session.decrypt_ends_at)
        elif entry is not None and entry.confirmed_at is None:
            yield _item(session, _("Confirm the results or object"), session.confirm_ends_at)


def host_openings(user):
    """Openings the person's organisation runs (the agency, or the tenderer without one)."""
    org_id = user.organisation_id
    if org_id is None:
        return
    own = _sessions().filter(Q(section__project__agency_id=org_id) | Q(section__project__agency__isnull=True,
                                                                        section__project__tenderer_id=org_id))
    for session in own.order_by("opens_at"):
        deadline = {State.SCHEDULED: session.opens_at, State.DECRYPTING: session.decrypt_ends_at,
                    State.CONFIRMING: session.confirm_ends_at}.get(session.state)
        yield _item(session, _("Host the opening"), deadline)


def live_rooms(user):
    """Rooms open now (and those about to open today), for regulators watching."""
    today_end = timezone.localtime().replace(hour=23, minute=59, second=59)
    for session in _sessions().filter(Q(~Q(state=State.SCHEDULED)) | Q(opens_at__lte=today_end)).order_by("opens_at"):
        yield _item(session, _("Watch"), session.opens_at if session.state == State.SCHEDULED else None)


def register() -> None:
    desk_register([Role.BIDDER], key="openings", heading=gettext_lazy("Openings to attend"), provider=bidder_openings,
                  empty=gettext_lazy("No opening of yours is coming up."), order=20,
                  more=lambda user: reverse("bidding_room:list"))
    desk_register([Role.AGENCY, Role.TENDERER], key="host", heading=gettext_lazy("Openings to host"),
                  provider=host_openings, empty=gettext_lazy("No opening to host."), order=20,
                  more=lambda user: reverse("bidding_room:list"))
    desk_register([Role.REGULATOR], key="rooms", heading=gettext_lazy("Opening rooms live now"), provider=live_rooms,
                  empty=gettext_lazy("No opening room is live today."), order=10,
                  more=lambda user: reverse("bidding_room:board"))
