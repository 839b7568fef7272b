"""GET /api/stats/statistics/: the statistics table as JSON (Decimals as strings), for regulators' systems."""

from django.core.exceptions import ValidationError
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.permissions import Allowed
from accounts.throttling import StatisticsThrottle, with_scope
from core.workdays import today

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
