"""REST API under /api/credit/: public lists, the joint-punishment feed, subject lookup; events for regulators."""

import csv
import datetime as dt

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import generics, serializers
from rest_framework.decorators import api_view, permission_classes, throttle_classes
from rest_framework.exceptions import ValidationError as ApiValidationError
from rest_framework.permissions import AllowAny
from rest_framework.response import Response

from accounts.models import Organisation
from accounts.permissions import Allowed
from accounts.throttling import ExportThrottle, SearchThrottle, with_scope
from core.api import date_in_range, date_message
from core.workdays import today

from . import selectors, services
from .models import BehaviourVersion, BlacklistEntry, CreditEvent, RedlistEntry


class _SubjectFields(serializers.Serializer):
    subject_type = serializers.SerializerMethodField()
    name = serializers.SerializerMethodField()
    credit_code = serializers.SerializerMethodField()

    def get_subject_type(self, obj) -> str:
        return "organisation" if obj.organisation_id else "person"

    def get_name(self, obj) -> str:
        return obj.organisation.name if obj.organisation_id else str(obj.person)

    def get_credit_code(self, obj) -> str:
        return obj.organisation.credit_code if obj.organisation_id else ""


class BlacklistEntrySerializer(_SubjectFields, serializers.ModelSerializer):
    class Meta:
        model = BlacklistEntry
        fields = ["id", "subject_type", "name", "credit_code", "reason", "legal_basis", "starts_on", "ends_on",
                  "public_until"]


class RedlistEntrySerializer(_SubjectFields, serializers.ModelSerializer):
    class Meta:
        model = RedlistEntry
        fields = ["id", "subject_type", "name", "credit_code", "reason", "legal_basis", "starts_on", "ends_on"]


class BehaviourSerializer(serializers.ModelSerializer):
    code = serializers.CharField(source="behaviour.code")

    class Meta:
        model = BehaviourVersion
        fields = ["code", "version", "title", "description", "points", "effect", "months", "applies_to",
                  "legal_basis", "active"]


class CreditEventSerializer(_SubjectFields, serializers.ModelSerializer):
    behaviour = serializers.CharField(source="behaviour_version.behaviour.code")
    rule_version = serializers.IntegerField(source="behaviour_version.version")

    class Meta:
        model = CreditEvent
        fields = ["id", "subject_type", "name", "credit_code", "behaviour", "rule_version", "points", "deal_code",
                  "evidence", "source", "decision_number", "occurred_on", "counts_from", "counts_until", "status",
                  "correction_reason", "replaces"]


class CreditEventCreateSerializer(serializers.Serializer):
    credit_code = serializers.CharField(required=False, allow_blank=True)
    username = serializers.CharField(required=False, allow_blank=True)
    behaviour = serializers.CharField()
    evidence = serializers.CharField()
    deal_code = serializers.CharField(required=False, allow_blank=True, default="")
    occurred_on = serializers.DateField(required=False, validators=[date_in_range])
    decision_number = serializers.CharField()


class BlacklistView(generics.ListAPIView):
    """Black-list entries public today; ``?q=`` searches name or unified social credit code."""

    permission_classes = [AllowAny]
    serializer_class = BlacklistEntrySerializer
    throttle_classes = with_scope(SearchThrottle)

    def get_queryset(self):
        return selectors.blacklist_public(q=self.request.query_params.get("q", ""))


class RedlistView(generics.ListAPIView):
    """Red-list entries current today."""

    permission_classes = [AllowAny]
    serializer_class = RedlistEntrySerializer
    throttle_classes = with_scope(SearchThrottle)

    def get_queryset(self):
        return selectors.redlist_current(q=self.request.query_params.get("q", ""))


class BehaviourListView(generics.ListAPIView):
    """The current version of every behaviour in the catalogue."""

    permission_classes = [AllowAny]
    serializer_class = BehaviourSerializer
    pagination_class = None

    def get_queryset(self):
        return selectors.catalogue_current()


class CreditEventListView(generics.ListCreateAPIView):
    """Credit events, for regulators: filter by ``credit_code``, ``username`` or ``deal_code``; POST records
    a regulator's decision (evidence documents are uploaded on the management page)."""

    permission_classes = [Allowed]
    permission_action = "credit.manage"
    serializer_class = CreditEventSerializer

    def get_queryset(self):
        events = CreditEvent.objects.select_related("organisation", "person", "behaviour_version__behaviour")
        params = self.request.query_params
        if params.get("credit_code"):
            events = events.filter(organisation__credit_code=params["credit_code"].strip().upper())
        if params.get("username"):
            events = events.filter(person__username=params["username"])
        if params.get("deal_code"):
            events = events.filter(deal_code=params["deal_code"])
        return events

    @extend_schema(request=CreditEventCreateSerializer, responses=CreditEventSerializer)
    def post(self, request, *args, **kwargs):
        data = CreditEventCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        subject = {}
        if values.get("credit_code"):
            subject["organisation"] = selectors.organisation_by_code(credit_code=values["credit_code"])
        elif values.get("username"):
            subject["person"] = get_user_model().objects.filter(username=values["username"]).first()
        if not subject or None in subject.values():
            raise ApiValidationError({"credit_code": [_("Name the subject by an existing unified social credit code "
                                                        "or an existing user name.")]})
        try:
            event = services.credit_event_record(
                behaviour_code=values["behaviour"], evidence=values["evidence"], deal_code=values["deal_code"],
                source=CreditEvent.Source.REGULATOR, occurred_on=values.get("occurred_on"),
                decision_number=values["decision_number"], by=request.user, **subject,
            )
        except ValidationError as exc:
            raise ApiValidationError(exc.message_dict if hasattr(exc, "error_dict") else {"detail": exc.messages})
        return Response(CreditEventSerializer(event).data, status=201)


@extend_schema(responses={200: dict})
@api_view(["GET"])
@permission_classes([AllowAny])
def subject_lookup(request, credit_code: str):
    """An organisation's score and grade (as of ``?on=YYYY-MM-DD``, default today), restriction and public entries."""
    organisation = selectors.organisation_by_code(credit_code=credit_code)
    if organisation is None or organisation.org_type not in (Organisation.Type.BIDDER, Organisation.Type.AGENCY,
                                                             Organisation.Type.TENDERER):
        raise Http404
    try:
        on = date_in_range(dt.date.fromisoformat(request.query_params["on"])) if request.query_params.get("on") \
            else today()
    except (ValueError, ValidationError):
        raise ApiValidationError({"on": [date_message()]})
    standing = selectors.subject_standing(organisation=organisation, on=on)
    refusal = selectors.organisation_refusal(organisation=organisation, on=on)
    return Response({
        "name": organisation.name, "credit_code": organisation.credit_code, "on": on,
        "score": standing.score, "grade": standing.grade,
        "cycle_start": standing.cycle_start, "restores_on": standing.restores_on,
        "restricted": refusal is not None,
        "restriction": refusal and {"reason": refusal.reason, "legal_basis": refusal.legal_basis,
                                    "until": refusal.until},
        "public_blacklist": BlacklistEntrySerializer(
            selectors.blacklist_public(on=on).filter(organisation=organisation), many=True).data,
        "redlist": RedlistEntrySerializer(
            selectors.redlist_current(on=on).filter(organisation=organisation), many=True).data,
    })


FEED_FIELDS = ["id", "subject_type", "name", "credit_code", "reason", "legal_basis", "starts_on", "ends_on"]


def _feed_rows():
    return [{key: row[key] for key in FEED_FIELDS}
            for row in BlacklistEntrySerializer(selectors.blacklist_in_force(), many=True).data]


@extend_schema(responses={200: dict})
@api_view(["GET"])
@permission_classes([AllowAny])
def feed_json(request):
    """Joint punishment (联合惩戒) feed: every black-list restriction in force today."""
    return Response({"generated_on": today(), "entries": _feed_rows()})


@extend_schema(responses={(200, "text/csv"): str})
@api_view(["GET"])
@permission_classes([AllowAny])
@throttle_classes(with_scope(ExportThrottle))
def feed_csv(request):
    """The same feed as CSV (UTF-8 with BOM, so spreadsheet programs read the Chinese names)."""
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="blacklist-{today().isoformat()}.csv"'
    response.write("\ufeff")
    writer = csv.DictWriter(response, fieldnames=FEED_FIELDS)
    writer.writeheader()
    writer.writerows(_feed_rows())
    return response
