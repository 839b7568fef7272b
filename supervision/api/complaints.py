"""REST API of objections, challenges and complaints under /api/supervision/: parse, check, one call."""

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.decorators import api_view, parser_classes
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.response import Response

from accounts.permissions import require
from core.api import JSONParser, service_errors
from marketplace.models import Purchase
from trading.models import Project, Section

from .. import selectors as cs
from ..models import PROJECT_SUBJECTS, Complaint, Objection
from ..services import complaints
from ..services.purchase_complaints import purchase_complaint_file


class EvidenceSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    size = serializers.IntegerField()
    sha256 = serializers.CharField()


class StepSerializer(serializers.Serializer):
    label = serializers.CharField()
    at = serializers.CharField(allow_null=True)
    due = serializers.DateField(allow_null=True)
    days_left = serializers.IntegerField(allow_null=True)


class ObjectionSerializer(serializers.ModelSerializer):
    organisation = serializers.CharField(source="organisation.credit_code")
    evidence = EvidenceSerializer(many=True)
    timeline = serializers.SerializerMethodField()

    class Meta:
        model = Objection
        fields = ["id", "project", "section", "kind", "subject", "organisation", "grounds", "known_on", "filed_at",
                  "filing_deadline", "reply_due", "holds_procedure", "state", "answer", "answered_at",
                  "overdue_since", "evidence", "timeline"]

    def get_timeline(self, obj) -> list[dict]:
        return StepSerializer(cs.objection_timeline(obj), many=True).data


class ComplaintSerializer(serializers.ModelSerializer):
    organisation = serializers.CharField(source="organisation.credit_code")
    evidence = EvidenceSerializer(many=True)
    timeline = serializers.SerializerMethodField()

    class Meta:
        model = Complaint
        fields = ["id", "project", "purchase", "section", "track", "subject", "objection", "purchase_objection",
                  "organisation", "grounds", "known_on",
                  "filed_at", "filing_deadline", "state", "acceptance_due", "accepted_at", "decision_due", "outcome",
                  "decision", "decided_at", "malicious", "credit_event", "overdue_since", "evidence", "timeline"]

    def get_timeline(self, obj) -> list[dict]:
        return StepSerializer(cs.complaint_timeline(obj), many=True).data


class FilingSerializer(serializers.Serializer):
    subject = serializers.ChoiceField(choices=PROJECT_SUBJECTS)
    grounds = serializers.CharField(allow_blank=True)
    section = serializers.IntegerField(required=False, allow_null=True)
    known_on = serializers.DateField(required=False, allow_null=True)
    files = serializers.ListField(child=serializers.FileField(), required=False)


class TextSerializer(serializers.Serializer):
    text = serializers.CharField(allow_blank=True, required=False, default="")


class DecisionSerializer(serializers.Serializer):
    outcome = serializers.CharField()
    decision = serializers.CharField(allow_blank=True)
    malicious = serializers.BooleanField(required=False, default=False)


def _filing(request, project: Project) -> dict:
    serializer = FilingSerializer(data=request.data)
    serializer.is_valid(raise_exception=True)
    data = serializer.validated_data
    section = get_object_or_404(Section, pk=data["section"], project=project) if data.get("section") else None
    return {"subject": data["subject"], "grounds": data["grounds"], "section": section,
            "known_on": data.get("known_on"), "files": request.FILES.getlist("files")}


def _project_filings(request, pk: int, *, file_service, visible, serializer) -> Response:
    """GET: the filings of project ``pk`` the user may see (``visible``). POST: file one with ``file_service``."""
    project = get_object_or_404(Project, pk=pk)
    if request.method == "POST":
        require(request.user, "supervision.complaint.file")
        filed = file_service(project=project, user=request.user, **_filing(request, project))
        return Response(serializer(filed).data, status=status.HTTP_201_CREATED)
    require(request.user, "supervision.complaint.list")
    rows = visible(user=request.user).filter(project=project).prefetch_related("evidence")
    return Response(serializer(rows, many=True).data)


@extend_schema(request=FilingSerializer, responses=ObjectionSerializer(many=True))
@api_view(["GET", "POST"])
@parser_classes([JSONParser, MultiPartParser, FormParser])
@service_errors
def project_objections(request, pk: int):
    """GET: the project's objections/challenges you may see. POST (bidder): file one, with evidence files."""
    return _project_filings(request, pk, file_service=complaints.objection_file, visible=cs.objections_for,
                            serializer=ObjectionSerializer)


@extend_schema(request=TextSerializer, responses=ObjectionSerializer)
@api_view(["GET", "POST"])
@parser_classes([JSONParser, MultiPartParser, FormParser])
@service_errors
def objection_detail(request, pk: int):
    """GET: one objection with its timeline. POST ``{"text": ...}`` (tenderer/agency): answer it."""
    objection = get_object_or_404(Objection.objects.select_related("project"), pk=pk)
    if not cs.may_see(user=request.user, project=objection.project, organisation_id=objection.organisation_id):
        return Response(status=status.HTTP_404_NOT_FOUND)
    if request.method == "POST":
        objection = complaints.objection_answer(objection=objection, user=request.user,
                                                answer=request.data.get("text", ""),
                                                files=request.FILES.getlist("files"))
    return Response(ObjectionSerializer(objection).data)


@extend_schema(request=FilingSerializer, responses=ComplaintSerializer(many=True))
@api_view(["GET", "POST"])
@parser_classes([JSONParser, MultiPartParser, FormParser])
@service_errors
def project_complaints(request, pk: int):
    """GET: the project's complaints you may see. POST (bidder): file a complaint with the regulator."""
    return _project_filings(request, pk, file_service=complaints.complaint_file, visible=cs.complaints_for,
                            serializer=ComplaintSerializer)


class PurchaseFilingSerializer(serializers.Serializer):
    grounds = serializers.CharField(allow_blank=True)
    files = serializers.ListField(child=serializers.FileField(), required=False)


@extend_schema(request=PurchaseFilingSerializer, responses=ComplaintSerializer(many=True))
@api_view(["GET", "POST"])
@parser_classes([JSONParser, MultiPartParser, FormParser])
@service_errors
def purchase_complaints(request, pk: int):
    """GET: a marketplace purchase's complaints you may see. POST (an intermediary that took part, after its
    challenge): complain about the selection result."""
    purchase = get_object_or_404(Purchase, pk=pk)
    if request.method == "POST":
        require(request.user, "supervision.complaint.file")
        data = PurchaseFilingSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        filed = purchase_complaint_file(purchase=purchase, user=request.user, grounds=data.validated_data["grounds"],
                                        files=request.FILES.getlist("files"))
        return Response(ComplaintSerializer(filed).data, status=status.HTTP_201_CREATED)
    require(request.user, "supervision.complaint.list")
    rows = cs.complaints_for(user=request.user).filter(purchase=purchase).prefetch_related("evidence")
    return Response(ComplaintSerializer(rows, many=True).data)


@extend_schema(responses=ComplaintSerializer)
@api_view(["GET"])
def complaint_detail(request, pk: int):
    complaint = get_object_or_404(Complaint.objects.select_related("project", "purchase"), pk=pk)
    if not cs.may_see_complaint(user=request.user, complaint=complaint):
        return Response(status=status.HTTP_404_NOT_FOUND)
    return Response(ComplaintSerializer(complaint).data)


@extend_schema(request=DecisionSerializer, responses=ComplaintSerializer)
@api_view(["POST"])
@service_errors
def complaint_action(request, pk: int, action: str):
    """Regulator: accept, reject (text), pause (text), resume, decide (outcome, decision, malicious),
    suspend (text), lift (text)."""
    require(request.user, "supervision.complaint.handle")
    complaint = get_object_or_404(Complaint, pk=pk)
    user, text = request.user, request.data.get("text", "")
    if action == "decide":
        data = DecisionSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        complaints.complaint_decide(complaint=complaint, user=user, **data.validated_data)
    elif action == "accept":
        complaints.complaint_accept(complaint=complaint, user=user)
    elif action == "reject":
        complaints.complaint_reject(complaint=complaint, user=user, reasons=text)
    elif action == "pause":
        complaints.complaint_pause(complaint=complaint, user=user, reason=text)
    elif action == "resume":
        complaints.complaint_resume(complaint=complaint, user=user)
    elif action == "suspend":
        complaints.complaint_suspend_procedure(complaint=complaint, user=user, note=text)
    elif action == "lift":
        complaints.complaint_lift_suspension(complaint=complaint, user=user, note=text)
    else:
        return Response({"errors": {"action": ["Unknown action."]}}, status=status.HTTP_404_NOT_FOUND)
    complaint.refresh_from_db()
    return Response(ComplaintSerializer(complaint).data)


@extend_schema(responses=inline_serializer("ComplaintBoard", {
    "open_complaints": ComplaintSerializer(many=True), "overdue_complaints": serializers.ListField(
        child=serializers.IntegerField()), "overdue_objections": serializers.ListField(
        child=serializers.IntegerField())}))
@api_view(["GET"])
def regulator_board(request):
    """Regulator: open complaints and every overdue step."""
    require(request.user, "supervision.complaint.handle")
    return Response({
        "open_complaints": ComplaintSerializer(cs.open_complaints().prefetch_related("evidence"), many=True).data,
        "overdue_complaints": [c.pk for c in cs.overdue_complaints()],
        "overdue_objections": [o.pk for o in cs.overdue_objections()],
    })
