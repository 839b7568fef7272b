"""The published audit checkpoints (audit.checkpoints): public, no log-in, paged oldest first.

A checkpoint names only the chain's sequence number, hash and time: nothing about what was recorded.
"""

from django.urls import reverse
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.decorators import api_view, permission_classes
from rest_framework.permissions import AllowAny
from rest_framework.response import Response

from .checkpoints import FORMAT, checkpoints_document
from .models import AuditCheckpoint

PAGE = 1000


class CheckpointQuerySerializer(serializers.Serializer):
    after = serializers.IntegerField(required=False, min_value=0, max_value=2**62, default=0,
                                     help_text="Only checkpoints of a later chain position (the last seq you hold)")
    limit = serializers.IntegerField(required=False, min_value=1, max_value=PAGE, default=PAGE)


CheckpointsSerializer = inline_serializer("AuditCheckpoints", {
    "format": serializers.ChoiceField(choices=[FORMAT]),
    "platform_key": serializers.CharField(help_text="PEM of the platform's public key that signed them"),
    "checkpoints": serializers.ListField(child=inline_serializer("AuditCheckpoint", {
        "seq": serializers.IntegerField(), "hash": serializers.CharField(), "time": serializers.DateTimeField(),
        "signature": serializers.CharField(help_text="base64; over b'SUNSHINE audit checkpoint v1\\x00' + "
                                                     "canonical JSON of {seq, hash, time}"),
        "key_fingerprint": serializers.CharField()})),
    "next": serializers.CharField(allow_null=True, help_text="The next page, absent (null) on the last one"),
})


@extend_schema(parameters=[CheckpointQuerySerializer], responses=CheckpointsSerializer)
@api_view(["GET"])
@permission_classes([AllowAny])
def checkpoints(request):
    """Public: the signed checkpoints of the audit chain, oldest first; keep a copy to prove the chain later.

    ``python manage.py verify_audit --checkpoints FILE|URL`` proves a copy of the chain against them.
    """
    query = CheckpointQuerySerializer(data=request.query_params)
    query.is_valid(raise_exception=True)
    after, limit = query.validated_data["after"], query.validated_data["limit"]
    page = list(AuditCheckpoint.objects.filter(seq__gt=after).order_by("seq", "id")[:limit + 1])
    more = len(page) > limit
    page = page[:limit]
    document = checkpoints_document(page)
    document["next"] = (request.build_absolute_uri(reverse("api-audit-checkpoints"))
                        + f"?after={page[-1].seq}&limit={limit}") if more else None
    return Response(document)
