"""REST API of enforcement under /api/supervision/: leads, cases, measures, decisions, the report, what is due.

Parse with a serializer (every write), check permission, call one service. Regulators of the region
(``supervision.enforce``); decisions: published ones for everyone, a party's own for that party.
"""

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.decorators import api_view, parser_classes, permission_classes
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.permissions import AllowAny
from rest_framework.response import Response

from accounts.models import Organisation
from accounts.permissions import require
from core.api import DATE_MAX, DATE_MIN, query_int, service_errors
from core.workdays import today
from expert_pool.models import Expert
from trading.models import Award, Bid, Project

from ..indicators.catalogue import BY_CODE
from ..models import Case, CaseEvidence, Lead, Measure
from ..selectors import enforcement as es
from ..selectors.report import enforcement_report, report_dict
from ..services import cases, leads

ERRORS = inline_serializer("SupervisionErrors", {"errors": serializers.DictField(
    child=serializers.ListField(child=serializers.CharField()))})
REFUSED = OpenApiResponse(description="Not a regulator of this region, or not a party to this decision.")
MISSING = OpenApiResponse(description="No such object (or not visible to you).")
INVALID = OpenApiResponse(ERRORS, description="A field is not valid; each message says what to give instead.")


def _answers(ok, code: int = 200) -> dict:
    return {code: ok, 400: INVALID, 403: REFUSED, 404: MISSING}


class LeadSerializer(serializers.ModelSerializer):
    title = serializers.SerializerMethodField()
    organisations = serializers.SerializerMethodField()
    deal_code = serializers.CharField(source="project.deal_code", default=None)

    class Meta:
        model = Lead
        fields = ["id", "family", "code", "title", "severity", "state", "project", "deal_code", "section",
                  "organisation", "organisations", "value", "evidence", "region", "detected_at", "reason",
                  "handled_at"]

    def get_title(self, obj) -> str:
        indicator = BY_CODE.get(obj.code)
        return str(indicator.title) if indicator else obj.code

    def get_organisations(self, obj) -> list[dict]:
        return [{"id": o.pk, "name": o.name, "credit_code": o.credit_code} for o in obj.organisations.all()]


class PartySerializer(serializers.Serializer):
    role = serializers.CharField()
    organisation = serializers.CharField(source="organisation.name", default=None)
    person = serializers.CharField(source="person.display_name", default=None)


class EvidenceOutSerializer(serializers.ModelSerializer):
    class Meta:
        model = CaseEvidence
        fields = ["id", "kind", "note", "bid", "room_event", "audit_event", "name", "size", "sha256", "added_at"]


class MeasureOutSerializer(serializers.ModelSerializer):
    subject = serializers.SerializerMethodField()
    case_number = serializers.CharField(source="case.number")
    deal_code = serializers.CharField(source="case.project.deal_code", default=None)
    document = serializers.SerializerMethodField()

    class Meta:
        model = Measure
        fields = ["id", "number", "case", "case_number", "deal_code", "kind", "subject", "legal_basis", "findings",
                  "behaviour_code", "credit_event", "talked_to", "talk_on", "amount", "payment_due", "paid_amount",
                  "paid_on", "expert", "ends_on", "award", "referred_to", "issued_at", "published_at",
                  "pdf_sha256", "signature", "key_fingerprint", "document"]

    def get_subject(self, obj) -> str:
        return str(obj.subject)

    def get_document(self, obj) -> str:
        return f"/decisions/{obj.pk}/pdf/"


class CaseSerializer(serializers.ModelSerializer):
    parties = PartySerializer(many=True)
    evidence = EvidenceOutSerializer(many=True)
    measures = MeasureOutSerializer(many=True)
    deal_code = serializers.CharField(source="project.deal_code", default=None)

    class Meta:
        model = Case
        fields = ["id", "number", "title", "origin", "project", "deal_code", "complaint", "lead", "facts", "region",
                  "category", "opened_at", "due", "state", "closed_at", "closing_note", "overdue_since", "parties",
                  "evidence", "measures"]


class CaseListSerializer(serializers.ModelSerializer):
    deal_code = serializers.CharField(source="project.deal_code", default=None)

    class Meta:
        model = Case
        fields = ["id", "number", "title", "origin", "project", "deal_code", "state", "opened_at", "due",
                  "overdue_since"]


class ReasonSerializer(serializers.Serializer):
    reason = serializers.CharField(allow_blank=True)


class CaseFromLeadSerializer(serializers.Serializer):
    title = serializers.CharField(required=False, allow_blank=True, default="")
    facts = serializers.CharField(required=False, allow_blank=True, default="")


class CaseOpenSerializer(serializers.Serializer):
    title = serializers.CharField(allow_blank=True)
    facts = serializers.CharField(allow_blank=True)
    origin = serializers.ChoiceField(choices=[c for c in Case.Origin.values if c != Case.Origin.LEAD])
    deal_code = serializers.CharField(required=False, allow_blank=True, default="")

    def validate_deal_code(self, value: str):
        if not value:
            return None
        project = Project.objects.filter(deal_code=value.strip()).first()
        if project is None:
            raise serializers.ValidationError("No project has this deal code; copy it from the project page.")
        return project


class EvidenceInSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=[CaseEvidence.Kind.NOTE, CaseEvidence.Kind.FILE, CaseEvidence.Kind.BID])
    note = serializers.CharField(allow_blank=True)
    bid = serializers.IntegerField(required=False, allow_null=True)
    file = serializers.FileField(required=False, allow_null=True)


class PersonTalkedSerializer(serializers.Serializer):
    name = serializers.CharField()
    position = serializers.CharField(allow_blank=True, required=False, default="")


class MeasureInSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=Measure.Kind.choices)
    legal_basis = serializers.CharField(allow_blank=True)
    findings = serializers.CharField(allow_blank=True)
    behaviour_code = serializers.CharField(required=False, allow_blank=True, default="")
    organisation = serializers.PrimaryKeyRelatedField(queryset=Organisation.objects.all(), required=False,
                                                      allow_null=True, default=None)
    talked_to = PersonTalkedSerializer(many=True, required=False, default=list)
    talk_on = serializers.DateField(required=False, allow_null=True, default=None)
    amount = serializers.DecimalField(max_digits=16, decimal_places=2, required=False, allow_null=True,
                                      default=None)
    expert = serializers.PrimaryKeyRelatedField(queryset=Expert.objects.all(), required=False, allow_null=True,
                                                default=None)
    months = serializers.IntegerField(required=False, allow_null=True, default=None, min_value=1, max_value=60)
    award = serializers.PrimaryKeyRelatedField(queryset=Award.objects.all(), required=False, allow_null=True,
                                               default=None)
    referred_to = serializers.CharField(required=False, allow_blank=True, default="")
    publish = serializers.BooleanField(required=False, default=False)


class PaymentSerializer(serializers.Serializer):
    amount = serializers.DecimalField(max_digits=16, decimal_places=2)
    paid_on = serializers.DateField()
    reference = serializers.CharField(allow_blank=True)


class NoteSerializer(serializers.Serializer):
    note = serializers.CharField(allow_blank=True)


def _valid(serializer_class, request) -> dict:
    serializer = serializer_class(data=request.data)
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data


def _regulator(request) -> None:
    require(request.user, "supervision.enforce")


@extend_schema(parameters=[OpenApiParameter(n, str) for n in ("family", "severity", "code", "state", "q")],
               responses=_answers(LeadSerializer(many=True)))
@api_view(["GET"])
def lead_list(request):
    """Signals and red flags of your region, most severe first (filters: family, severity, code, state, q)."""
    _regulator(request)
    get = request.query_params
    flt = es.LeadFilter(family=get.get("family", ""), severity=get.get("severity", ""), code=get.get("code", ""),
                        state=get.get("state", Lead.State.NEW), q=get.get("q", ""))
    rows = es.leads_for(user=request.user, flt=flt).prefetch_related("organisations")[:500]
    return Response(LeadSerializer(rows, many=True).data)


def _lead(request, pk: int) -> Lead:
    _regulator(request)
    return get_object_or_404(es.leads_for(user=request.user, flt=es.LeadFilter(state="")), pk=pk)


@extend_schema(responses=_answers(LeadSerializer))
@api_view(["GET"])
def lead_detail(request, pk: int):
    return Response(LeadSerializer(_lead(request, pk)).data)


@extend_schema(request=ReasonSerializer, responses=_answers(LeadSerializer))
@api_view(["POST"])
@service_errors
def lead_dismiss(request, pk: int):
    """Dismiss a lead with the reason (audited)."""
    lead = _lead(request, pk)
    return Response(LeadSerializer(leads.lead_dismiss(lead=lead, user=request.user,
                                                      **_valid(ReasonSerializer, request))).data)


@extend_schema(request=CaseFromLeadSerializer, responses=_answers(CaseSerializer, 201))
@api_view(["POST"])
@service_errors
def lead_case(request, pk: int):
    """Open a case from a lead (audited); its organisations become the parties."""
    lead = _lead(request, pk)
    case = cases.case_open_from_lead(lead=lead, user=request.user, **_valid(CaseFromLeadSerializer, request))
    return Response(CaseSerializer(case).data, status=status.HTTP_201_CREATED)


@extend_schema(methods=["GET"], parameters=[OpenApiParameter("state", str), OpenApiParameter("q", str)],
               responses=_answers(CaseListSerializer(many=True)))
@extend_schema(methods=["POST"], request=CaseOpenSerializer, responses=_answers(CaseSerializer, 201))
@api_view(["GET", "POST"])
@service_errors
def case_list(request):
    """GET: the cases of your region, open ones by deadline. POST: open a case (立案)."""
    _regulator(request)
    if request.method == "POST":
        data = _valid(CaseOpenSerializer, request)
        case = cases.case_open(user=request.user, title=data["title"], facts=data["facts"], origin=data["origin"],
                               project=data["deal_code"])
        return Response(CaseSerializer(case).data, status=status.HTTP_201_CREATED)
    rows = es.cases_for(user=request.user, state=request.query_params.get("state", ""),
                        q=request.query_params.get("q", ""))[:500]
    return Response(CaseListSerializer(rows, many=True).data)


def _case(request, pk: int) -> Case:
    _regulator(request)
    return get_object_or_404(es.cases_for(user=request.user), pk=pk)


@extend_schema(responses=_answers(CaseSerializer))
@api_view(["GET"])
def case_detail(request, pk: int):
    return Response(CaseSerializer(_case(request, pk)).data)


@extend_schema(request={"multipart/form-data": EvidenceInSerializer, "application/json": EvidenceInSerializer},
               responses=_answers(EvidenceOutSerializer, 201))
@api_view(["POST"])
@parser_classes([JSONParser, MultiPartParser, FormParser])
@service_errors
def case_evidence(request, pk: int):
    """Add evidence to a case: a note, a file, or one of the project's bids."""
    case = _case(request, pk)
    data = _valid(EvidenceInSerializer, request)
    bid = get_object_or_404(Bid, pk=data["bid"], section__project=case.project) if data.get("bid") else None
    item = cases.case_evidence_add(case=case, user=request.user, kind=data["kind"], note=data["note"], bid=bid,
                                   file=data.get("file"))
    return Response(EvidenceOutSerializer(item).data, status=status.HTTP_201_CREATED)


@extend_schema(request=MeasureInSerializer, responses=_answers(MeasureOutSerializer, 201))
@api_view(["POST"])
@service_errors
def case_measure(request, pk: int):
    """Issue a decision: warning talk, fine, expert suspension or disqualification, award void, referral."""
    case = _case(request, pk)
    data = _valid(MeasureInSerializer, request)
    data["talked_to"] = [dict(person) for person in data["talked_to"]]
    measure = cases.measure_issue(case=case, user=request.user, **data)
    return Response(MeasureOutSerializer(measure).data, status=status.HTTP_201_CREATED)


@extend_schema(request=NoteSerializer, responses=_answers(CaseSerializer))
@api_view(["POST"])
@service_errors
def case_close(request, pk: int):
    """Close the case (结案) with a note."""
    case = cases.case_close(case=_case(request, pk), user=request.user, **_valid(NoteSerializer, request))
    return Response(CaseSerializer(case).data)


def _measure(request, pk: int) -> Measure:
    _regulator(request)
    return get_object_or_404(Measure.objects.filter(case__in=es.cases_for(user=request.user)), pk=pk)


@extend_schema(request=PaymentSerializer, responses=_answers(MeasureOutSerializer))
@api_view(["POST"])
@service_errors
def measure_payment(request, pk: int):
    """Record the payment of a fine."""
    measure = _measure(request, pk)
    return Response(MeasureOutSerializer(cases.fine_payment_record(
        measure=measure, user=request.user, **_valid(PaymentSerializer, request))).data)


@extend_schema(request=None, responses=_answers(MeasureOutSerializer))
@api_view(["POST"])
@service_errors
def measure_publish(request, pk: int):
    """Publish a decision on the portal."""
    return Response(MeasureOutSerializer(cases.measure_publish(measure=_measure(request, pk),
                                                               user=request.user)).data)


@extend_schema(operation_id="supervision_decisions_list", responses={200: inline_serializer("Decisions", {
    "published": MeasureOutSerializer(many=True), "mine": MeasureOutSerializer(many=True)})})
@api_view(["GET"])
@permission_classes([AllowAny])
def decision_list(request):
    """Published decisions (anyone), and the decisions addressed to you or your organisation."""
    return Response({"published": MeasureOutSerializer(es.decisions_public()[:200], many=True).data,
                     "mine": MeasureOutSerializer(es.decisions_of(user=request.user)[:200], many=True).data})


@extend_schema(responses={200: MeasureOutSerializer, 404: MISSING})
@api_view(["GET"])
@permission_classes([AllowAny])
def decision_detail(request, pk: int):
    measure = get_object_or_404(Measure.objects.select_related("case__project"), pk=pk)
    if not es.may_see_decision(user=request.user, measure=measure):
        return Response({"errors": {"detail": ["No such decision."]}}, status=status.HTTP_404_NOT_FOUND)
    return Response(MeasureOutSerializer(measure).data)


class ReportRowSerializer(serializers.Serializer):
    key = serializers.CharField()
    label = serializers.CharField()
    cases = serializers.IntegerField()
    projects = serializers.IntegerField()
    people_warned = serializers.IntegerField()
    experts_handled = serializers.IntegerField()
    fines = serializers.IntegerField()
    fines_amount = serializers.CharField(help_text="yuan, 2 places")
    fines_paid = serializers.CharField(help_text="yuan, 2 places")
    awards_voided = serializers.IntegerField()
    referrals = serializers.IntegerField()
    decisions = serializers.IntegerField()


@extend_schema(parameters=[OpenApiParameter("year", int)], responses=_answers(inline_serializer(
    "EnforcementReport", {"year": serializers.IntegerField(), "region": serializers.CharField(),
                          "total": ReportRowSerializer(), "by_kind": ReportRowSerializer(many=True),
                          "by_category": ReportRowSerializer(many=True),
                          "by_region": ReportRowSerializer(many=True)})))
@api_view(["GET"])
def report(request):
    """The yearly enforcement report of your region (counts and amounts by measure, category, region)."""
    _regulator(request)
    year = query_int(request.query_params, "year", default=today().year, minimum=DATE_MIN.year,
                     maximum=DATE_MAX.year)
    return Response(report_dict(enforcement_report(year=year, user=request.user)))


@extend_schema(responses=_answers(inline_serializer("DueItem", {
    "kind": serializers.CharField(), "title": serializers.CharField(), "due": serializers.DateField(allow_null=True),
    "url": serializers.CharField(), "overdue": serializers.BooleanField()}, many=True)))
@api_view(["GET"])
def due(request):
    """What is due for you (a regulator): open cases, unpaid fines, high-severity leads, by deadline."""
    _regulator(request)
    return Response([item.__dict__ for item in es.regulator_due(user=request.user)])

