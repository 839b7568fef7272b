"""The open-data API (OCDS 1.1): the change feed, release and record packages by ocid, bulk files by month.

Public, no log-in: everything here is already public by law when it is published (opendata.ocds).
"""

import datetime as dt
import json

from django.conf import settings
from django.http import Http404, HttpResponse, StreamingHttpResponse
from django.urls import reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from .compile import package_meta, record_build, record_package, release_package
from .selectors import feed_page, month_bounds, months, releases_of, releases_of_month

ERRORS = inline_serializer("OpendataErrors", {"errors": serializers.DictField(
    child=serializers.ListField(child=serializers.CharField()))})


class FeedQuerySerializer(serializers.Serializer):
    cursor = serializers.IntegerField(required=False, min_value=0, default=0,
                                      help_text="The next_cursor of the previous page (0 or absent: the start)")
    since = serializers.DateTimeField(required=False, help_text="Only releases published at or after this time "
                                                                "(ISO 8601, e.g. 2025-03-01T00:00:00+08:00)")
    limit = serializers.IntegerField(required=False, min_value=1, max_value=settings.OPENDATA_FEED_MAX_PAGE,
                                     default=settings.OPENDATA_FEED_PAGE)


class ReleaseFeedView(APIView):
    """The change feed: every release in publication order, as release packages of ``limit`` releases.

    Follow ``links.next`` (or pass ``next_cursor`` as ``cursor``) until it is absent; keep the last cursor and
    ask again later for what is new. ``since`` starts at a time instead of a cursor.
    """

    permission_classes = [AllowAny]
    authentication_classes = []

    @extend_schema(operation_id="opendata_releases", parameters=[FeedQuerySerializer],
                   responses={200: OpenApiTypes.OBJECT, 400: OpenApiResponse(ERRORS, description="A bad parameter")})
    def get(self, request):
        query = FeedQuerySerializer(data=request.query_params)
        if not query.is_valid():
            return Response({"errors": query.errors}, status=400)
        args = query.validated_data
        page = feed_page(cursor=args["cursor"], since=args.get("since"), limit=args["limit"])
        meta = package_meta(uri=request.build_absolute_uri(), published=page.published)
        meta["next_cursor"] = page.next_cursor
        if page.next_cursor is not None:
            meta["links"] = {"next": request.build_absolute_uri(
                f"{reverse('api-opendata-releases')}?cursor={page.next_cursor}&limit={args['limit']}")}
        # The stored releases go out as stored: spliced into the package, not decoded and encoded again.
        body = json.dumps(meta, ensure_ascii=False)[:-1] + ', "releases": [' + ",".join(page.releases) + "]}"
        return HttpResponse(body, content_type="application/json; charset=utf-8")


def _of_ocid(ocid: str):
    rows = releases_of(ocid=ocid)
    if not rows:
        raise Http404("no releases for this ocid")
    return rows


class OcidReleasesView(APIView):
    """The release package of one contracting process (ocid = prefix + deal code): every release, in order."""

    permission_classes = [AllowAny]
    authentication_classes = []

    @extend_schema(operation_id="opendata_ocid_releases",
                   responses={200: OpenApiTypes.OBJECT, 404: OpenApiResponse(description="No such ocid")})
    def get(self, request, ocid: str):
        rows = _of_ocid(ocid)
        return Response(release_package(uri=request.build_absolute_uri(), releases=[r.data for r in rows],
                                        published=rows[-1].published_at))


class OcidRecordView(APIView):
    """The record package of one contracting process: its releases and the compiled release."""

    permission_classes = [AllowAny]
    authentication_classes = []

    @extend_schema(operation_id="opendata_ocid_record",
                   responses={200: OpenApiTypes.OBJECT, 404: OpenApiResponse(description="No such ocid")})
    def get(self, request, ocid: str):
        rows = _of_ocid(ocid)
        body = record_package(uri=request.build_absolute_uri(), records=[record_build([r.data for r in rows])],
                              published=rows[-1].published_at)
        body["packages"] = [request.build_absolute_uri(reverse("api-opendata-ocid-releases", args=[ocid]))]
        return Response(body)


class BulkListView(APIView):
    """The bulk files: one release package per month of event dates, with how many releases each holds."""

    permission_classes = [AllowAny]
    authentication_classes = []

    @extend_schema(operation_id="opendata_bulk_list", responses={200: inline_serializer("OpendataMonth", {
        "month": serializers.CharField(), "releases": serializers.IntegerField(), "url": serializers.URLField()},
        many=True)})
    def get(self, request):
        return Response([{"month": m["month"], "releases": m["releases"], "url": request.build_absolute_uri(
            reverse("api-opendata-bulk-month", args=[m["month"]]))} for m in months()])


class BulkMonthView(APIView):
    """One month's releases as a release package, streamed (``YYYY-MM``, event dates in Asia/Shanghai)."""

    permission_classes = [AllowAny]
    authentication_classes = []

    @extend_schema(operation_id="opendata_bulk_month",
                   responses={200: OpenApiTypes.OBJECT, 404: OpenApiResponse(description="Not a month")})
    def get(self, request, month: str):
        try:
            month_bounds(month)
        except ValueError:
            raise Http404("give the month as YYYY-MM")
        meta = package_meta(uri=request.build_absolute_uri(), published=dt.datetime.now(dt.UTC))

        def chunks():
            head = json.dumps(meta, ensure_ascii=False)[:-1]
            yield head + ', "releases": ['
            for n, release in enumerate(releases_of_month(month=month)):
                yield ("," if n else "") + json.dumps(release, ensure_ascii=False)
            yield "]}"

        response = StreamingHttpResponse(chunks(), content_type="application/json; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="ocds-releases-{month}.json"'
        return response
