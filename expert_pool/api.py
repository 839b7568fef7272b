"""REST API of the expert pool: the published draw record (public) and the committee (by permission)."""

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiTypes, extend_schema
from rest_framework.decorators import api_view, permission_classes
from rest_framework.permissions import AllowAny
from rest_framework.response import Response

from accounts.permissions import require
from core.api import WitnessCommitSerializer, WitnessRevealSerializer, service_errors, validated

from .models import DrawRequest
from .selectors.draws import committee_summary, committee_view, draw_record
from .services import draw_v2


@extend_schema(responses=OpenApiTypes.OBJECT)
@api_view(["GET"])
@permission_classes([AllowAny])
def record(request, pk: int):
    """The published draw record: commitment first, seed, pool and result once announced."""
    return Response(draw_record(request=get_object_or_404(DrawRequest, pk=pk)))


@extend_schema(responses=OpenApiTypes.OBJECT)
@api_view(["GET"])
def committee(request, pk: int):
    """Counts and confirmation states; names only for whom the law allows (regulators, or after announcement)."""
    draw_request = get_object_or_404(DrawRequest, pk=pk)
    require(request.user, "expert_pool.draw.view", draw_request)
    return Response({"summary": committee_summary(request=draw_request),
                     "seats": committee_view(user=request.user, request=draw_request)})


@extend_schema(request=WitnessCommitSerializer, responses=OpenApiTypes.OBJECT)
@api_view(["POST"])
@service_errors
def witness_commit(request, pk: int):
    """The supervising regulator commits to its secret before the pool is fixed (format 2); answers the record."""
    draw_request = get_object_or_404(DrawRequest, pk=pk)
    data = validated(WitnessCommitSerializer, request)
    draw_v2.witness_commit(request=draw_request, user=request.user, commitment=data["commitment"])
    return Response(draw_record(request=DrawRequest.objects.get(pk=pk)))


@extend_schema(request=WitnessRevealSerializer, responses=OpenApiTypes.OBJECT)
@api_view(["POST"])
@service_errors
def witness_reveal(request, pk: int):
    """The witness reveals its secret after the pool is fixed; the committee is drawn at once; answers the record."""
    draw_request = get_object_or_404(DrawRequest, pk=pk)
    data = validated(WitnessRevealSerializer, request)
    draw_v2.witness_reveal(request=draw_request, user=request.user, secret=data["secret"])
    return Response(draw_record(request=DrawRequest.objects.get(pk=pk)))
