"""Pages of the opening room, the record download, and the HTTP form of room commands (for the bidder tool)."""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, render
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.decorators import api_view, permission_classes
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.response import Response

from accounts.permissions import permission_required
from core.frames import refusal_messages
from trading.models import Bid
from trading.selectors import signs_with_tool
from trading.storage import protected_path

from . import selectors
from .models import OpeningRecord, OpeningSession
from .services import ACTIONS, command_apply


def _session(pk: int) -> OpeningSession:
    return get_object_or_404(OpeningSession.objects.select_related("section__project__tenderer",
                                                                    "section__project__agency"), pk=pk)


def session_list(request):
    mine = selectors.sessions_for(user=request.user)[:100] if request.user.is_authenticated else []
    return render(request, "bidding_room/list.html", {"mine": mine, "public": selectors.public_sessions()[:50]})


def room(request, pk: int):
    session = _session(pk)
    audience = selectors.room_audience(user=request.user, session=session)
    if audience is None:
        if not request.user.is_authenticated:
            from django.contrib.auth.views import redirect_to_login

            return redirect_to_login(request.get_full_path())
        raise PermissionDenied(_("This opening is open to its parties and regulators until the results are "
                                 "published; the public view opens then."))
    record = OpeningRecord.objects.filter(session=session).first()
    return render(request, "bidding_room/room.html", {
        "session": session, "section": session.section, "project": session.section.project, "audience": audience,
        "record": record, "words": room_words(),
        "signs_with_tool": audience == selectors.BIDDER and signs_with_tool(user=request.user)})


def room_words() -> dict:
    """What static/js/room.js writes into the page, in the person's language (handed over with json_script)."""
    return {
        "kind": {
            "opened": _("The room opens; bidders sign in"), "failed": _("Failed tender (流标)"),
            "decryption_started": _("The host sends the decrypt instruction; decryption begins"),
            "published": _("Results read out: the opening table is published"),
            "confirmation_opened": _("Confirmation and objections open"),
            "objection_raised": _("A bidder raises an objection"),
            "objection_answered": _("The host answers an objection"),
            "closed": _("The opening is closed"), "record_published": _("The opening record is published"),
        },
        "signed_in": _("Signed in"), "decrypted": _("Decrypted"),
        "not_decrypted": _("Not decrypted"), "confirmed": _("Confirmed"), "answer": _("Answer"),
        "answer_colon": _("Answer: "), "answered": _("Answered"), "not_opened": _("Bids not opened"),
        "until_opening": _("Opening in"), "decryption_left": _("Decryption ends in"),
        "objections_left": _("Objections end in"), "choose_key": _("Choose your private key file"),
        "no_envelope": _("Your bid file could not be fetched"), "colon": _(": "),
        "you_signed_in": _("You are signed in"), "you_not_signed_in": _("You are not signed in"),
        "bid_bond": _("Bid bond"),
        "backup_decrypt": _("Decrypt with the custodians' shares"),
    }


@permission_required("bidding_room.board")
def board(request):
    return render(request, "bidding_room/board.html", {"rooms": selectors.board()})


def record_download(request, pk: int):
    """The published opening record, for anyone: it is published on the portal."""
    record = get_object_or_404(OpeningRecord, session_id=pk)
    response = FileResponse(open(record.storage_path, "rb"), content_type="application/pdf",  # noqa: SIM115
                            filename=f"opening-record-{pk}.pdf")
    response["X-Content-SHA256"] = record.sha256
    return response


@login_required
def my_envelope(request, pk: int):
    """The bidder's own sealed envelope, fetched by the room page to unwrap its content key locally."""
    session = _session(pk)
    if timezone.now() < session.opens_at:
        raise PermissionDenied(_("Your envelope is available here from the bid deadline."))
    bid = Bid.objects.filter(section=session.section, organisation_id=request.user.organisation_id,
                             room_entry__session=session).first()
    if bid is None or request.user.role != "bidder":
        raise Http404(_("Your organisation has no bid in this opening."))
    return FileResponse(protected_path(bid.storage_path).open("rb"), content_type="application/octet-stream")


class CommandSerializer(serializers.Serializer):
    id = serializers.CharField(max_length=64, help_text="made by the client; a retry with the same id is applied once")
    action = serializers.ChoiceField(choices=ACTIONS)
    content_key = serializers.CharField(required=False, help_text="base64, for release_key")
    signature = serializers.CharField(required=False, help_text="base64, for sign_in")
    text = serializers.CharField(required=False, help_text="for object")
    objection = serializers.IntegerField(required=False, help_text="for answer")
    answer = serializers.CharField(required=False, help_text="for answer")


@extend_schema(request=CommandSerializer, responses={200: dict})
@api_view(["POST"])
@permission_classes([IsAuthenticated])
def api_command(request, pk: int):
    """Apply one room command (the same as over the websocket): the bidder tool's sign-in and key release."""
    session = _session(pk)
    audience = selectors.room_audience(user=request.user, session=session)
    if audience not in (selectors.HOST, selectors.BIDDER):
        return Response({"__all__": [_("Only the host and the bidders of this opening send commands.")]},
                        status=status.HTTP_403_FORBIDDEN)
    data = CommandSerializer(data=request.data)
    data.is_valid(raise_exception=True)
    args = {k: v for k, v in data.validated_data.items() if k not in ("id", "action")}
    try:
        result = command_apply(session_id=session.pk, user=request.user, client_id=data.validated_data["id"],
                               action=data.validated_data["action"], args=args)
    except (ValidationError, PermissionDenied) as error:
        code = status.HTTP_403_FORBIDDEN if isinstance(error, PermissionDenied) else status.HTTP_400_BAD_REQUEST
        return Response(refusal_messages(error), status=code)
    return Response(result)


@extend_schema(responses={200: dict})
@api_view(["GET"])
@permission_classes([AllowAny])
def api_session(request, pk: int):
    """The room's state and its log after ``since`` (what a reconnecting client asks for)."""
    session = _session(pk)
    audience = selectors.room_audience(user=request.user, session=session)
    if audience is None:
        return Response({"__all__": [_("You may not see this opening yet.")]}, status=status.HTTP_403_FORBIDDEN)
    try:
        since = max(0, int(request.query_params.get("since", 0)))
    except ValueError:
        since = 0
    record = OpeningRecord.objects.filter(session=session).first()
    return Response({"id": session.pk, "state": session.state, "last_seq": session.last_seq,
                     "events": selectors.events_since(session_id=session.pk, seq=since),
                     "record": {"sha256": record.sha256, "signature": record.signature,
                                "key_fingerprint": record.key_fingerprint} if record else None})
