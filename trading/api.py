"""The trading REST API under /api/trading/: parse, check permission, call one service."""


from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import FileResponse
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.decorators import api_view, parser_classes, permission_classes, throttle_classes
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.permissions import AllowAny
from rest_framework.response import Response

from accounts.models import Organisation
from accounts.permissions import require
from accounts.throttling import SearchThrottle, UploadThrottle, with_scope
from core.api import date_in_range, date_message, query_int, service_errors

from . import lifecycle, selectors, storage
from .client import client_info
from .models import Award, Bid, Contract, Project, Registration, Section, TenderDocument
from .search import SearchFilters, search_announcements
from .serializers import (
    AmendSerializer,
    AnnouncementSerializer,
    AwardInSerializer,
    AwardSerializer,
    BidSerializer,
    CandidatesSerializer,
    CommitmentSerializer,
    ContractInSerializer,
    ContractSerializer,
    ContractTerminationInSerializer,
    DocumentSerializer,
    DownloadSerializer,
    ProjectSerializer,
    ProjectUpdateSerializer,
    ProjectWriteSerializer,
    RegistrationSerializer,
    SectionInSerializer,
    TransitionRowSerializer,
    TransitionSerializer,
    UploadSerializer,
)
from .services import awards, bids, notices, participation, projects, refusals

ReceiptSerializer = inline_serializer("BidReceipt", {
    "receipt_no": serializers.CharField(), "deal_code": serializers.CharField(), "section": serializers.CharField(),
    "bidder_credit_code": serializers.CharField(), "sha256": serializers.CharField(),
    "size": serializers.IntegerField(),
    "received_at": serializers.DateTimeField(),
})


def _valid(serializer_class, request):
    serializer = serializer_class(data=request.data)
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data


def _org(code: str | None, field: str) -> Organisation | None:
    if not code:
        return None
    organisation = Organisation.objects.filter(credit_code=code.strip().upper()).first()
    if organisation is None:
        raise DjangoValidationError({field: "No organisation is registered with this credit code."})
    return organisation


def _visible_project(request, pk: int) -> Project:
    project = get_object_or_404(Project, pk=pk)
    if project.status == "draft":
        require(request.user, "trading.project.draft", project)
    return project


@extend_schema(responses=ProjectSerializer(many=True), request=ProjectWriteSerializer,
               parameters=[OpenApiParameter("status", str)])
@api_view(["GET", "POST"])
@service_errors
def project_list(request):
    """GET: the projects you work on (tenderer/agency: own; bidder: joined; regulator: all). POST: register one."""
    if request.method == "POST":
        require(request.user, "trading.project.create")
        data = dict(_valid(ProjectWriteSerializer, request))
        sections = [dict(s) for s in data.pop("sections", [])]
        tenderer = _org(data.pop("tenderer", None), "tenderer")
        agency = _org(data.pop("agency", None), "agency")
        project = projects.project_create(user=request.user, sections=sections, tenderer=tenderer, agency=agency,
                                          **data)
        return Response(ProjectSerializer(project).data, status=status.HTTP_201_CREATED)
    require(request.user, "trading.desk")
    qs = selectors.projects_for(user=request.user).prefetch_related("sections")
    if request.query_params.get("status"):
        qs = qs.filter(status=request.query_params["status"])
    return Response(ProjectSerializer(qs[:200], many=True).data)


@extend_schema(responses=ProjectSerializer, request=ProjectUpdateSerializer)
@api_view(["GET", "PATCH"])
@service_errors
def project_detail(request, pk: int):
    """GET a project (drafts only for its parties and regulators). PATCH: change a draft."""
    project = _visible_project(request, pk)
    if request.method == "PATCH":
        serializer = ProjectUpdateSerializer(data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        data.pop("sections", None)
        data.pop("tenderer", None)
        data.pop("agency", None)
        project = projects.project_update(project=project, user=request.user, **data)
    return Response(ProjectSerializer(project).data)


@extend_schema(request=SectionInSerializer, responses={201: ProjectSerializer})
@api_view(["POST"])
@service_errors
def section_create(request, pk: int):
    """Add a section to a draft project."""
    project = get_object_or_404(Project, pk=pk)
    projects.section_add(project=project, user=request.user, **_valid(SectionInSerializer, request))
    return Response(ProjectSerializer(project).data, status=status.HTTP_201_CREATED)


@extend_schema(request=TransitionSerializer, responses=ProjectSerializer)
@api_view(["POST"])
@service_errors
def project_transition(request, pk: int):
    """Move the project to another lifecycle state (see trading.lifecycle for the table)."""
    project = get_object_or_404(Project, pk=pk)
    data = _valid(TransitionSerializer, request)
    lifecycle.project_transition(project=project, to=data["to"], user=request.user,
                                 reason_code=data.get("reason_code") or None, note=data.get("note", ""))
    return Response(ProjectSerializer(project).data)


@extend_schema(request=None, responses=ProjectSerializer)
@api_view(["POST"])
@service_errors
def project_retender(request, pk: int):
    """Start a re-tender of a failed project: a new linked draft."""
    project = get_object_or_404(Project, pk=pk)
    new = projects.project_retender(project=project, user=request.user)
    return Response(ProjectSerializer(new).data, status=status.HTTP_201_CREATED)


@extend_schema(responses=TransitionRowSerializer(many=True))
@api_view(["GET"])
def project_history(request, pk: int):
    project = _visible_project(request, pk)
    require(request.user, "trading.project.inspect", project)
    return Response(TransitionRowSerializer(project.transitions.all(), many=True).data)


@extend_schema(request=AmendSerializer, responses=AnnouncementSerializer)
@api_view(["POST"])
@service_errors
def project_amend(request, pk: int):
    """Publish a clarification or amendment; within 15 days of the deadline a new deadline is required."""
    project = get_object_or_404(Project, pk=pk)
    data = _valid(AmendSerializer, request)
    announcement = notices.announcement_amend(project=project, user=request.user, **data)
    return Response(AnnouncementSerializer(announcement).data, status=status.HTTP_201_CREATED)


@extend_schema(request={"multipart/form-data": UploadSerializer}, responses=DocumentSerializer(many=True))
@api_view(["GET", "POST"])
@parser_classes([MultiPartParser, FormParser])
@throttle_classes(with_scope(UploadThrottle))
@service_errors
def project_documents(request, pk: int):
    """GET the tender documents of a project; POST (multipart ``file``) uploads one (tenderer/agency)."""
    project = _visible_project(request, pk)
    if request.method == "POST":
        document = participation.document_upload(project=project, user=request.user, upload=request.FILES.get("file"))
        return Response(DocumentSerializer(document).data, status=status.HTTP_201_CREATED)
    return Response(DocumentSerializer(project.documents.all(), many=True).data)


@extend_schema(responses={(200, "application/octet-stream"): bytes})
@api_view(["GET"])
@service_errors
def document_download(request, pk: int):
    """Download a tender document (registered bidders, the parties, regulators); every download is recorded."""
    document = get_object_or_404(TenderDocument, pk=pk)
    participation.document_download(document=document, user=request.user)
    return FileResponse(storage.protected_path(document.storage_path).open("rb"), as_attachment=True,
                        filename=document.name)


@extend_schema(responses=inline_serializer("Downloads", {
    "count": serializers.IntegerField(), "downloads": DownloadSerializer(many=True)}))
@api_view(["GET"])
def project_downloads(request, pk: int):
    """Who downloaded the tender documents: secret from everyone until the bid deadline (EB 23/24), then the parties,
    regulators and officials."""
    project = get_object_or_404(Project, pk=pk)
    if not selectors.participation_visible(user=request.user, project=project):
        raise PermissionDenied(_("Who downloaded the tender documents, registered or bid, and how many, is secret "
                                 "until the bid deadline."))
    downloads = selectors.project_downloads(project=project).exclude(organisation=None)
    return Response({"count": selectors.project_downloader_count(project=project),
                     "downloads": DownloadSerializer(downloads, many=True).data})


@extend_schema(responses=RegistrationSerializer(many=True), request=None)
@api_view(["GET", "POST"])
@service_errors
def section_registrations(request, pk: int):
    """POST: register your bidder organisation for the section. GET: the registrations (after the bid deadline only:
    the parties, regulators and officials)."""
    section = get_object_or_404(Section.objects.select_related("project"), pk=pk)
    if request.method == "POST":
        registration = participation.registration_create(section=section, user=request.user)
        data = RegistrationSerializer(registration).data
        data["commitment_to_sign"] = participation.commitment_text()
        return Response(data, status=status.HTTP_201_CREATED)
    require(request.user, "trading.project.inspect", section.project)
    if not selectors.participation_visible(user=request.user, project=section.project):
        raise PermissionDenied(_("Who downloaded the tender documents, registered or bid, and how many, is secret "
                                 "until the bid deadline."))
    return Response(RegistrationSerializer(section.registrations.select_related("organisation"), many=True).data)


@extend_schema(request=CommitmentSerializer, responses=RegistrationSerializer)
@api_view(["POST"])
@service_errors
def registration_commitment(request, pk: int):
    """Sign the credit commitment (信用承诺) of a registration."""
    registration = get_object_or_404(Registration, pk=pk)
    data = _valid(CommitmentSerializer, request)
    registration = participation.registration_sign_commitment(registration=registration, user=request.user,
                                                               accepted=data["accepted"])
    return Response(RegistrationSerializer(registration).data)


@extend_schema(request={"multipart/form-data": UploadSerializer}, responses={201: ReceiptSerializer})
@api_view(["POST"])
@parser_classes([MultiPartParser, FormParser])
@throttle_classes(with_scope(UploadThrottle))
@service_errors
def section_bid(request, pk: int):
    """Submit (or replace) your bid envelope for a section; the answer is the receipt (回执)."""
    section = get_object_or_404(Section.objects.select_related("project"), pk=pk)
    bid = bids.bid_submit(section=section, user=request.user, upload=request.FILES.get("file"),
                          client=client_info(request))
    return Response(bids.bid_receipt(bid=bid).as_dict(), status=status.HTTP_201_CREATED)


@extend_schema(responses=BidSerializer(many=True))
@api_view(["GET"])
def my_bids(request):
    """Your organisation's bids and their states."""
    require(request.user, "trading.bid.submit")
    return Response(BidSerializer(selectors.bids_of(organisation=request.user.organisation), many=True).data)


@extend_schema(request=None, responses=BidSerializer)
@api_view(["POST"])
@service_errors
def bid_withdraw(request, pk: int):
    """Withdraw your live bid before the deadline."""
    bid = get_object_or_404(Bid.objects.select_related("section"), pk=pk)
    bid = bids.bid_withdraw(bid=bid, user=request.user)
    return Response(BidSerializer(bid).data)


@extend_schema(request=CandidatesSerializer, responses=None)
@api_view(["POST"])
@service_errors
def section_candidates(request, pk: int):
    """Enter the ranked candidates of a section (during evaluation)."""
    section = get_object_or_404(Section, pk=pk)
    data = _valid(CandidatesSerializer, request)
    rows = awards.candidates_set(section=section, user=request.user, candidates=[dict(c) for c in data["candidates"]])
    return Response({"candidates": [{"rank": c.rank, "organisation": c.organisation.credit_code, "price": str(c.price)}
                                    for c in rows]}, status=status.HTTP_201_CREATED)


def _award_data(award: Award) -> dict:
    figures = selectors.award_figures(award=award)
    data = AwardSerializer(award).data
    data.update({k: (str(v) if v is not None else None) for k, v in (
        ("savings", figures.savings), ("savings_rate", figures.savings_rate),
        ("premium", figures.premium), ("premium_rate", figures.premium_rate))})
    return data


@extend_schema(request=AwardInSerializer, responses=AwardSerializer)
@api_view(["GET", "POST"])
@service_errors
def section_award(request, pk: int):
    """POST: record the award of a section once publicity ended. GET: the award with savings/premium."""
    section = get_object_or_404(Section.objects.select_related("project"), pk=pk)
    if request.method == "POST":
        data = _valid(AwardInSerializer, request)
        award = awards.award_create(section=section, user=request.user,
                                    organisation=_org(data["organisation"], "organisation"), amount=data["amount"])
        return Response(_award_data(award), status=status.HTTP_201_CREATED)
    if section.project.status in ("draft",):
        require(request.user, "trading.project.draft", section.project)
    award = get_object_or_404(Award, section=section)
    return Response(_award_data(award))


@extend_schema(request=ContractInSerializer, responses=ContractSerializer)
@api_view(["POST"])
@service_errors
def award_contract(request, pk: int):
    """Record the contract of an award."""
    award = get_object_or_404(Award.objects.select_related("section"), pk=pk)
    data = _valid(ContractInSerializer, request)
    contract = awards.contract_record(award=award, user=request.user, **data)
    return Response(ContractSerializer(contract).data, status=status.HTTP_201_CREATED)


@extend_schema(request=ContractTerminationInSerializer, responses=ContractSerializer)
@api_view(["POST"])
@service_errors
def contract_termination(request, pk: int):
    """Record that a contract was terminated (合同终止): the day it ended and why."""
    contract = get_object_or_404(Contract, pk=pk)
    data = _valid(ContractTerminationInSerializer, request)
    contract = awards.contract_terminate(contract=contract, user=request.user, **data)
    return Response(ContractSerializer(contract).data)


@extend_schema(responses=inline_serializer("AnnouncementPage", {
    "total": serializers.IntegerField(), "page": serializers.IntegerField(), "pages": serializers.IntegerField(),
    "backend": serializers.ChoiceField(choices=["database", "elasticsearch"]),
    "results": AnnouncementSerializer(many=True)}), parameters=[
    *(OpenApiParameter(name, str) for name in ("q", "category", "region", "status", "kind")),
    *(OpenApiParameter(name, OpenApiTypes.DATE) for name in ("from", "to")),
    OpenApiParameter("page", int, description="1 or more")])
@api_view(["GET"])
@permission_classes([AllowAny])
@throttle_classes(with_scope(SearchThrottle))
@service_errors
def announcements(request):
    """Public: search the announcements (words in title/body, or a deal code) with filters."""
    filters, page = filters_from(request.query_params)
    result = search_announcements(request.query_params.get("q", ""), filters, page)
    return Response({"total": result.total, "page": result.page, "pages": result.pages, "backend": result.backend,
                     "results": AnnouncementSerializer(result.results, many=True).data})


def filters_from(params) -> tuple[SearchFilters, int]:
    from django.forms import DateField

    def date(name):
        value = params.get(name) or ""
        if not value:
            return None
        try:
            return date_in_range(DateField().clean(value))
        except DjangoValidationError:
            raise DjangoValidationError({name: date_message()})

    page = query_int(params, "page", default=1, minimum=1, maximum=settings.API_MAX_PAGE)
    return SearchFilters(category=params.get("category", ""), region=params.get("region", ""),
                         status=params.get("status", ""), kind=params.get("kind", ""),
                         published_from=date("from"), published_to=date("to")), page


# Refusals of the award (放弃中标 / 拒签合同) and what comes next (TL 55, 74) ---------------------------------------


class RefusedSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    refusal = serializers.CharField()
    refused_at = serializers.DateTimeField()


class NextAwardSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    organisation = serializers.CharField()
    amount = serializers.CharField()


class AmountSerializer(serializers.Serializer):
    amount = serializers.DecimalField(max_digits=16, decimal_places=2, required=False, allow_null=True)


class ProjectStatusSerializer(serializers.Serializer):
    project_status = serializers.CharField()


class RefusalSerializer(serializers.Serializer):
    refusal = serializers.ChoiceField(choices=["award", "contract"])
    reason = serializers.CharField(allow_blank=True)


class RefusalTextSerializer(serializers.Serializer):
    text = serializers.CharField(allow_blank=True, required=False, default="")


@extend_schema(request=RefusalSerializer, responses=RefusedSerializer)
@api_view(["POST"])
@service_errors
def award_refuse(request, pk: int):
    """Tenderer/agency: the winner refused the award or the contract (credit event recorded)."""
    award = get_object_or_404(Award, pk=pk)
    data = RefusalSerializer(data=request.data)
    data.is_valid(raise_exception=True)
    award = refusals.award_refuse(award=award, user=request.user, **data.validated_data)
    return Response({"id": award.pk, "refusal": award.refusal, "refused_at": award.refused_at})


@extend_schema(request=AmountSerializer, responses=NextAwardSerializer)
@api_view(["POST"])
@service_errors
def section_next_candidate(request, pk: int):
    """Tenderer/agency: award the next-ranked candidate after a refusal (TL 55); optional ``amount``."""
    section = get_object_or_404(Section, pk=pk)
    award = refusals.award_next_candidate(section=section, user=request.user,
                                          amount=_valid(AmountSerializer, request).get("amount"))
    return Response({"id": award.pk, "organisation": award.organisation.credit_code, "amount": str(award.amount)},
                    status=status.HTTP_201_CREATED)


@extend_schema(request=RefusalTextSerializer, responses=ProjectStatusSerializer)
@api_view(["POST"])
@service_errors
def section_retender(request, pk: int):
    """Tenderer/agency: after a refusal, give the section up (流标) to tender it again; ``text`` says why."""
    section = get_object_or_404(Section, pk=pk)
    project = refusals.award_refusal_retender(section=section, user=request.user,
                                              note=_valid(RefusalTextSerializer, request)["text"])
    return Response({"project_status": project.status})
