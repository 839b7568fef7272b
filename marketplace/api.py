"""REST API under /api/marketplace/: public notices, results, draw records and the directory; owners post
purchases, intermediaries apply. Refusals are 400 ``{"errors": {field: [message]}}`` (core.api)."""

from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiTypes, extend_schema
from rest_framework import generics, serializers
from rest_framework.decorators import api_view, permission_classes
from rest_framework.exceptions import PermissionDenied
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.response import Response

from accounts.permissions import Allowed, can
from accounts.throttling import SearchThrottle, with_scope
from core.api import WitnessCommitSerializer, WitnessRevealSerializer, errors_body, service_errors, validated

from .models import Application, Intermediary, Method, Purchase
from .selectors import draw_record, intermediary_of, purchases_public, quotes_visible
from .services import draws, purchases


class PurchaseSerializer(serializers.ModelSerializer):
    owner = serializers.CharField(source="owner.name")
    service_type_name = serializers.CharField()
    winner = serializers.SerializerMethodField()
    savings = serializers.DecimalField(max_digits=14, decimal_places=2, allow_null=True)

    class Meta:
        model = Purchase
        fields = ["id", "number", "title", "owner", "service_type", "service_type_name", "scope", "requirements",
                  "region", "fee_cap", "method", "quote_mode", "weights", "deadline", "state", "posted_at",
                  "direct_reason", "winner", "amount", "savings", "selected_at", "publicity_until", "failure_reason"]

    def get_winner(self, obj) -> str | None:
        return obj.winner.organisation.name if obj.winner_id else None


class PurchaseCreateSerializer(serializers.Serializer):
    title = serializers.CharField(max_length=200)
    service_type = serializers.CharField(max_length=8)
    scope = serializers.CharField(max_length=4000)
    requirements = serializers.CharField(max_length=4000, required=False, allow_blank=True, default="")
    region = serializers.CharField(max_length=6)
    fee_cap = serializers.CharField(max_length=20)
    method = serializers.ChoiceField(choices=Method.choices)
    deadline = serializers.DateTimeField()
    quote_mode = serializers.CharField(max_length=8, required=False, allow_blank=True, default="")
    weights = serializers.DictField(child=serializers.IntegerField(min_value=0, max_value=100), required=False)
    direct_reason = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")


class ApplicationSerializer(serializers.ModelSerializer):
    intermediary = serializers.CharField(source="intermediary.organisation.name")

    class Meta:
        model = Application
        fields = ["id", "intermediary", "quote", "state", "rank", "score", "applied_at"]


class ApplicationCreateSerializer(serializers.Serializer):
    quote = serializers.CharField(max_length=20)
    proposal = serializers.CharField(max_length=8000, required=False, allow_blank=True, default="")


class IntermediarySerializer(serializers.ModelSerializer):
    name = serializers.CharField(source="organisation.name")
    credit_code = serializers.CharField(source="organisation.credit_code")

    class Meta:
        model = Intermediary
        fields = ["id", "name", "credit_code", "service_types", "regions", "status", "status_reason"]


class PurchaseListView(generics.ListCreateAPIView):
    """Selection notices and their results (public); POST publishes a notice (owners)."""

    serializer_class = PurchaseSerializer
    throttle_classes = with_scope(SearchThrottle)

    def get_permissions(self):
        return [Allowed()] if self.request.method == "POST" else [AllowAny()]

    permission_action = "marketplace.purchase.post"

    def get_queryset(self):
        qs = purchases_public()
        if self.request.query_params.get("service_type"):
            qs = qs.filter(service_type=self.request.query_params["service_type"])
        if self.request.query_params.get("state"):
            qs = qs.filter(state=self.request.query_params["state"])
        return qs

    @extend_schema(request=PurchaseCreateSerializer, responses={201: PurchaseSerializer})
    def post(self, request, *args, **kwargs):
        data = PurchaseCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        try:
            purchase = purchases.purchase_post(by=request.user, **data.validated_data)
        except ValidationError as exc:
            return Response(errors_body(exc), status=400)
        return Response(PurchaseSerializer(purchase).data, status=201)


@extend_schema(responses=OpenApiTypes.OBJECT)
@api_view(["GET"])
@permission_classes([AllowAny])
def purchase_detail(request, pk: int):
    """A notice, its result and its applications (quotes once they are no longer sealed)."""
    purchase = get_object_or_404(purchases_public(), pk=pk)
    applications = purchase.applications.exclude(state=Application.State.WITHDRAWN).select_related(
        "intermediary__organisation").order_by("rank", "applied_at")
    rows = ApplicationSerializer(applications, many=True).data
    if not quotes_visible(purchase=purchase):
        rows = [{**row, "quote": None} for row in rows]
    return Response({**PurchaseSerializer(purchase).data, "applications": rows})


@extend_schema(responses=OpenApiTypes.OBJECT)
@api_view(["GET"])
@permission_classes([AllowAny])
def draw(request, pk: int):
    """The published record of a random draw: the commitment from posting; seed, pool and order once drawn."""
    purchase = get_object_or_404(purchases_public(), pk=pk)
    return Response(draw_record(purchase=purchase))


@extend_schema(request=WitnessCommitSerializer, responses=OpenApiTypes.OBJECT)
@api_view(["POST"])
@service_errors
def witness_commit(request, pk: int):
    """A regulator, as the witness, commits to its secret before the pool is fixed (format 2); answers the record."""
    purchase = get_object_or_404(Purchase, pk=pk, method=Method.RANDOM)
    draws.witness_commit(purchase=purchase, user=request.user,
                         commitment=validated(WitnessCommitSerializer, request)["commitment"])
    return Response(draw_record(purchase=Purchase.objects.get(pk=pk)))


@extend_schema(request=WitnessRevealSerializer, responses=OpenApiTypes.OBJECT)
@api_view(["POST"])
@service_errors
def witness_reveal(request, pk: int):
    """The witness reveals its secret after the pool is fixed; the intermediary is drawn and publicised at once."""
    purchase = get_object_or_404(Purchase, pk=pk, method=Method.RANDOM)
    draws.witness_reveal(purchase=purchase, user=request.user,
                         secret=validated(WitnessRevealSerializer, request)["secret"])
    return Response(draw_record(purchase=Purchase.objects.get(pk=pk)))


@extend_schema(request=ApplicationCreateSerializer, responses={201: ApplicationSerializer})
@api_view(["POST"])
@permission_classes([IsAuthenticated])
def apply(request, pk: int):
    """An intermediary applies to a purchase (or revises its quote before the deadline)."""
    purchase = get_object_or_404(Purchase, pk=pk)
    intermediary = intermediary_of(request.user)
    if intermediary is None or not can(request.user, "marketplace.intermediary.register"):
        raise PermissionDenied(_not_registered())
    data = ApplicationCreateSerializer(data=request.data)
    data.is_valid(raise_exception=True)
    try:
        application = purchases.application_submit(purchase=purchase, intermediary=intermediary,
                                                   **data.validated_data)
    except ValidationError as exc:
        return Response(errors_body(exc), status=400)
    return Response(ApplicationSerializer(application).data, status=201)


def _not_registered() -> str:
    return _("Register your organisation in the marketplace first (中介超市入驻).")


class DirectoryView(generics.ListAPIView):
    """Registered intermediaries (public)."""

    permission_classes = [AllowAny]
    serializer_class = IntermediarySerializer
    throttle_classes = with_scope(SearchThrottle)

    def get_queryset(self):
        return Intermediary.objects.select_related("organisation").order_by("pk")
