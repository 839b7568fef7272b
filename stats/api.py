"""The stats API: GET /api/stats/statistics/ (the statistics table as JSON, Decimals as strings, for regulators'
systems) and /api/stats/imports/ (the history import: upload a file of past deals, follow its job)."""

from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.parsers import MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.permissions import Allowed
from accounts.throttling import StatisticsThrottle, with_scope
from core.api import service_errors
from core.workdays import today

from .marketplace import marketplace_statistics
from .models import ImportJob
from .selectors import (
    FIGURES,
    GROUP_BY,
    FailureRow,
    Figure,
    StatisticsRow,
    statistics_failures,
    statistics_filter_parse,
    statistics_table,
)
from .services import history_import_start


class FigureSerializer(serializers.Serializer):
    kind = serializers.CharField(help_text="count, money (yuan, 2 places) or rate (a fraction, 4 places)")
    value = serializers.CharField(allow_null=True, help_text="Decimal as a string; null when it does not apply")
    previous = serializers.CharField(allow_null=True, help_text="The same figure one year earlier")
    yoy = serializers.CharField(allow_null=True, help_text="同比: growth (current − previous) / |previous| for counts "
                                                           "and amounts, the change in points for rates")
    base_types = serializers.ListField(child=serializers.CharField(),
                                       help_text="The base types the figure is measured against")


FiguresSerializer = type("StatisticsFiguresSerializer", (serializers.Serializer,),
                         {spec.name: FigureSerializer() for spec in FIGURES})


class RowSerializer(serializers.Serializer):
    key = serializers.CharField(help_text="Category value, region code or period start date (YYYY-MM-DD)")
    label = serializers.CharField()
    figures = FiguresSerializer()
    base_type_awards = serializers.DictField(child=serializers.IntegerField(),
                                             help_text="Awards per base type in this group")


class FailureSerializer(serializers.Serializer):
    category = serializers.CharField()
    label = serializers.CharField()
    failed = serializers.IntegerField()
    awarded = serializers.IntegerField()
    rate = serializers.CharField(allow_null=True, help_text="failed / (failed + awarded), 4 places")


class StatisticsSerializer(serializers.Serializer):
    group_by = serializers.CharField()
    date_from = serializers.DateField(help_text="Inclusive, Asia/Shanghai")
    date_to = serializers.DateField(help_text="Inclusive, Asia/Shanghai")
    category = serializers.CharField(allow_blank=True)
    region = serializers.CharField(allow_blank=True)
    rows = RowSerializer(many=True)
    total = RowSerializer()
    failures = FailureSerializer(many=True)


def _text(value) -> str | None:
    return None if value is None else str(value)


def _figure(figure: Figure) -> dict:
    return {"kind": figure.kind, "value": _text(figure.value), "previous": _text(figure.previous),
            "yoy": _text(figure.yoy), "base_types": list(figure.base_types)}


def _row(row: StatisticsRow) -> dict:
    return {"key": row.key, "label": row.label, "figures": {name: _figure(f) for name, f in row.figures.items()},
            "base_type_awards": row.base_type_awards}


def _failure(row: FailureRow) -> dict:
    return {"category": row.key, "label": row.label, "failed": row.failed, "awarded": row.awarded,
            "rate": _text(row.rate)}


class StatisticsView(APIView):
    """Transaction statistics (交易统计) by category, region or period, with 同比; officials, regulators, admin."""

    permission_classes = [Allowed]
    permission_action = "statistics.view"
    throttle_classes = with_scope(StatisticsThrottle)

    @extend_schema(
        operation_id="stats_statistics",
        parameters=[
            OpenApiParameter("group_by", str, enum=list(GROUP_BY), description="Default: category"),
            OpenApiParameter("from", str, description="First day, YYYY-MM-DD (default: see docs/statistics.md)"),
            OpenApiParameter("to", str, description="Last day, YYYY-MM-DD (default: today)"),
            OpenApiParameter("category", str, description="A category value, e.g. construction"),
            OpenApiParameter("region", str, description="6-digit region code; covers its subdivisions"),
        ],
        responses={200: StatisticsSerializer, 400: OpenApiResponse(
            inline_serializer("StatisticsFilterErrors", {"errors": serializers.DictField(
                child=serializers.ListField(child=serializers.CharField()))}),
            description="A filter field is not valid; each message says what to give instead.")},
    )
    def get(self, request):
        try:
            flt = statistics_filter_parse(request.query_params, today=today())
        except ValidationError as exc:
            return Response({"errors": exc.message_dict}, status=400)
        table = statistics_table(flt=flt)
        return Response({
            "group_by": flt.group_by, "date_from": flt.date_from.isoformat(), "date_to": flt.date_to.isoformat(),
            "category": flt.category, "region": flt.region, "rows": [_row(row) for row in table.rows],
            "total": _row(table.total), "failures": [_failure(row) for row in statistics_failures(flt=flt)]})


class MarketRowSerializer(serializers.Serializer):
    key = serializers.CharField(help_text="service type code, selection method, or total")
    label = serializers.CharField()
    deals = serializers.IntegerField()
    caps = serializers.CharField(help_text="Sum of the fee caps, yuan (Decimal as a string)")
    amount = serializers.CharField(help_text="Sum of the contract amounts, yuan")
    savings = serializers.CharField(help_text="caps − amount, yuan")
    savings_rate = serializers.CharField(allow_null=True, help_text="savings / caps, 4 places; null without deals")


class MarketStatisticsSerializer(serializers.Serializer):
    date_from = serializers.DateField()
    date_to = serializers.DateField()
    total = MarketRowSerializer()
    by_service_type = MarketRowSerializer(many=True)
    by_method = MarketRowSerializer(many=True)
    posted = serializers.IntegerField()
    failed = serializers.IntegerField()
    ratings = serializers.IntegerField()
    poor_ratings = serializers.IntegerField()
    average_rating = serializers.CharField(allow_null=True)


class MarketplaceStatisticsView(APIView):
    """The intermediary marketplace (网上中介超市): deals, amounts and savings against the fee caps, by service type
    and selection method, with the owners' ratings; officials, regulators, admin."""

    permission_classes = [Allowed]
    permission_action = "statistics.view"
    throttle_classes = with_scope(StatisticsThrottle)

    @extend_schema(
        operation_id="stats_marketplace",
        parameters=[OpenApiParameter("from", str, description="First day, YYYY-MM-DD (default: 1 January)"),
                    OpenApiParameter("to", str, description="Last day, YYYY-MM-DD (default: today)")],
        responses={200: MarketStatisticsSerializer, 400: OpenApiResponse(
            inline_serializer("MarketplaceFilterErrors", {"errors": serializers.DictField(
                child=serializers.ListField(child=serializers.CharField()))}),
            description="A date is not valid; the message says what to give instead.")},
    )
    def get(self, request):
        query = {"from": request.query_params.get("from", ""), "to": request.query_params.get("to", "")}
        try:
            flt = statistics_filter_parse(query, today=today())
        except ValidationError as exc:
            return Response({"errors": exc.message_dict}, status=400)
        return Response(marketplace_statistics(date_from=flt.date_from, date_to=flt.date_to).as_dict())


class ImportUploadSerializer(serializers.Serializer):
    file = serializers.FileField(help_text="A .csv (UTF-8 or GBK) or .xlsx file with the sample file's header row")


class ImportErrorSerializer(serializers.Serializer):
    row = serializers.IntegerField(help_text="The row as the spreadsheet shows it (the header is row 1)")
    column = serializers.CharField(help_text="The column's header as written in the file")
    message = serializers.CharField(help_text="What is wrong and what to write instead")


class ImportJobSerializer(serializers.ModelSerializer):
    state_label = serializers.CharField(source="get_state_display")
    progress = serializers.IntegerField(help_text="Percent done")
    errors = ImportErrorSerializer(many=True)

    class Meta:
        model = ImportJob
        fields = ["id", "file_name", "file_sha256", "state", "state_label", "progress", "total", "checked", "errors",
                  "created", "updated", "unchanged", "uploaded_at", "finished_at"]


ERRORS_400 = OpenApiResponse(
    inline_serializer("HistoryImportErrors", {"errors": serializers.DictField(
        child=serializers.ListField(child=serializers.CharField()))}),
    description="The file cannot be read (format, size, header row); the message says what to do.")


class ImportJobsView(APIView):
    """History import (历史成交数据导入): upload a file of past deals; it is checked and imported in the background."""

    permission_classes = [Allowed]
    permission_action = "statistics.import"
    parser_classes = [MultiPartParser]

    @extend_schema(operation_id="stats_imports_list", responses={200: ImportJobSerializer(many=True)})
    def get(self, request):
        return Response(ImportJobSerializer(ImportJob.objects.all()[:50], many=True).data)

    @extend_schema(operation_id="stats_imports_create", request={"multipart/form-data": ImportUploadSerializer},
                   responses={202: ImportJobSerializer, 400: ERRORS_400})
    @service_errors
    def post(self, request):
        upload = ImportUploadSerializer(data=request.data)
        if not upload.is_valid():
            return Response({"errors": upload.errors}, status=status.HTTP_400_BAD_REQUEST)
        file = upload.validated_data["file"]
        job = history_import_start(user=request.user, file_name=file.name, content=file.read())
        job.refresh_from_db()
        return Response(ImportJobSerializer(job).data, status=status.HTTP_202_ACCEPTED)


class ImportJobView(APIView):
    """One import job: its state, progress, the problems of each row, and what it created or updated."""

    permission_classes = [Allowed]
    permission_action = "statistics.import"

    @extend_schema(operation_id="stats_imports_retrieve", responses={200: ImportJobSerializer,
                                                                     404: OpenApiResponse(description="No such job")})
    def get(self, request, pk: int):
        return Response(ImportJobSerializer(get_object_or_404(ImportJob, pk=pk)).data)
