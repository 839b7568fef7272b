"""The sales' API (in the OpenAPI schema): public notices and lots, and bidding for a bidder's own tools."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404
from django.utils import timezone
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.decorators import api_view, permission_classes
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.response import Response

from audit.context import Actor, acting_as
from core.frames import refusal_messages

from . import selectors, signin
from .models import Lot, Sale
from .services import command_apply


class AuctionLotSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    title = serializers.CharField()
    deal_code = serializers.CharField()
    state = serializers.CharField()
    state_label = serializers.CharField()
    starting_price = serializers.CharField(help_text="yuan, decimal text")
    increment = serializers.CharField()
    current_price = serializers.CharField(allow_null=True)
    leading_number = serializers.CharField(help_text="the leader's 竞买号 (bidders are anonymous until the close)")
    live_ends_at = serializers.DateTimeField(allow_null=True, help_text="the countdown's end, server clock")
    deal_price = serializers.CharField(allow_null=True)
    winner_name = serializers.CharField(help_text="empty until the lot closes")


class AuctionSaleSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    title = serializers.CharField()
    deal_code = serializers.CharField()
    subject = serializers.CharField()
    method = serializers.CharField()
    state = serializers.CharField()
    starts_at = serializers.DateTimeField()
    listing_ends_at = serializers.DateTimeField(allow_null=True)
    lots = AuctionLotSerializer(many=True)


class AuctionBidSerializer(serializers.Serializer):
    id = serializers.CharField(max_length=64, help_text="made by the client; a retry with the same id is applied once")
    amount = serializers.CharField(max_length=24, help_text="yuan, decimal text such as 12300000.00")
    signature = serializers.CharField(
        max_length=200, required=False, help_text="where the sale requires certificates: base64 signature by the "
        "registered certificate's key over `sunshine-hall-bid:<lot id>:<id>:<amount>` (docs/certificates.md)")


@extend_schema(responses={200: AuctionSaleSerializer(many=True)})
@api_view(["GET"])
@permission_classes([AllowAny])
def sales(request):
    """Published sales (notices and results), newest first, with their lots."""
    rows = []
    for sale in Sale.objects.exclude(state=Sale.State.DRAFT).prefetch_related("lots")[:100]:
        rows.append({"id": sale.pk, "title": sale.title, "deal_code": sale.deal_code, "subject": sale.subject,
                     "method": sale.method, "state": sale.state, "starts_at": sale.starts_at,
                     "listing_ends_at": sale.listing_ends_at,
                     "lots": [selectors.lot_public(lot) for lot in sale.lots.select_related(
                         "sale", "leading__organisation")]})
    return Response(AuctionSaleSerializer(rows, many=True).data)


@extend_schema(responses={200: AuctionLotSerializer})
@api_view(["GET"])
@permission_classes([AllowAny])
def lot(request, pk: int):
    """One lot as anyone may see it, with the server's time (countdowns run on it)."""
    found = get_object_or_404(Lot.objects.select_related("sale", "leading__organisation"), pk=pk)
    if found.sale.state == Sale.State.DRAFT:
        return Response({"detail": "not found"}, status=status.HTTP_404_NOT_FOUND)
    data = AuctionLotSerializer(selectors.lot_public(found)).data
    return Response({**data, "server_time": timezone.now().isoformat()})


@extend_schema(request=AuctionBidSerializer, responses={
    200: inline_serializer("AuctionBidAccepted", {"seq": serializers.IntegerField(),
                                                   "amount": serializers.CharField(),
                                                   "bidder_number": serializers.CharField(),
                                                   "live_ends_at": serializers.DateTimeField(allow_null=True),
                                                   "replayed": serializers.BooleanField(required=False)}),
    400: inline_serializer("AuctionBidRefused", {"errors": serializers.DictField()})})
@api_view(["POST"])
@permission_classes([IsAuthenticated])
def bid(request, pk: int):
    """A bid, as in the live hall: committed before the answer, applied once per client id; a refusal says why."""
    get_object_or_404(Lot, pk=pk)
    form = AuctionBidSerializer(data=request.data)
    if not form.is_valid():
        return Response({"errors": form.errors}, status=status.HTTP_400_BAD_REQUEST)
    actor = Actor(label=request.user.get_username(), source="api", ip_address=request.META.get("REMOTE_ADDR", ""),
                  user=request.user)
    try:
        data = form.validated_data
        if signin.sign_in_required(lot_id=pk):
            signin.signature_check(user=request.user, signature=data.get("signature"), what="bid", text=signin.bid_text(
                lot_id=pk, client_id=data["id"], amount=data["amount"]))
        with acting_as(actor):
            result = command_apply(lot_id=pk, user=request.user, client_id=form.validated_data["id"],
                                   amount=form.validated_data["amount"])
    except PermissionDenied as error:  # the house's 403 shape, as DRF's own refusals (core/schema.py)
        return Response({"detail": str(error)}, status=status.HTTP_403_FORBIDDEN)
    except ValidationError as error:
        return Response({"errors": refusal_messages(error)}, status=status.HTTP_400_BAD_REQUEST)
    return Response(result)
