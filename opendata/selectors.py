"""Reads of published releases: by ocid, the change feed (keyset pages by publication order), months."""

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from django.db.models import Count, Max, TextField
from django.db.models.functions import Cast, TruncMonth

from .models import Release

SHANGHAI = ZoneInfo("Asia/Shanghai")
STREAM_BATCH = 1000


@dataclass(frozen=True)
class FeedPage:
    releases: list[str]  # JSON texts
    next_cursor: int | None  # the id of the last release on the page; None when the feed is exhausted
    published: dt.datetime | None


def releases_of(*, ocid: str) -> list[Release]:
    return list(Release.objects.filter(ocid=ocid).order_by("pk"))


def feed_page(*, cursor: int = 0, since: dt.datetime | None = None, limit: int = 100) -> FeedPage:
    """Releases in publication order after ``cursor`` (a release's row id) or published at or after ``since``,
    each as its JSON text as stored (the feed sends it on without decoding and encoding it again).

    Keyset paging on the primary key: each page costs one index range scan, whatever its depth, so a client
    walks a million releases at a steady rate. Pass the page's ``next_cursor`` to get the next page.
    """
    if since is not None:
        first = Release.objects.filter(published_at__gte=since).order_by("published_at", "pk").values_list(
            "pk", flat=True).first()
        if first is None:
            return FeedPage(releases=[], next_cursor=None, published=None)
        cursor = max(cursor, first - 1)
    rows = list(feed_rows(after=cursor, limit=limit))
    next_cursor = rows[-1][0] if len(rows) == limit else None
    return FeedPage(releases=[data for _pk, data, _at in rows], next_cursor=next_cursor,
                    published=max((at for _pk, _data, at in rows), default=None))


def feed_rows(*, after: int, limit: int):
    """The page's rows: ``(id, JSON text, published_at)`` of the ``limit`` releases after the row id ``after``. One
    range scan of the primary key, no sort (bench/opendata_feed.py prints its plan at the start, middle and end)."""
    return Release.objects.filter(pk__gt=after).order_by("pk").annotate(text=Cast("data", TextField())).values_list(
        "pk", "text", "published_at")[:limit]


def month_bounds(month: str) -> tuple[dt.datetime, dt.datetime]:
    """"2025-03" → [1 March, 1 April) in Asia/Shanghai; ValueError if not a month."""
    year, number = (int(part) for part in month.split("-"))
    start = dt.datetime(year, number, 1, tzinfo=SHANGHAI)
    end = dt.datetime(year + (number == 12), number % 12 + 1, 1, tzinfo=SHANGHAI)
    return start, end


def releases_of_month(*, month: str) -> Iterator[dict]:
    """Every release whose event date falls in the month (Asia/Shanghai), streamed in batches."""
    start, end = month_bounds(month)
    last = 0
    while True:
        batch = list(Release.objects.filter(date__gte=start, date__lt=end, pk__gt=last).order_by("pk")
                     .values_list("pk", "data")[:STREAM_BATCH])
        if not batch:
            return
        yield from (data for _pk, data in batch)
        last = batch[-1][0]


def months() -> list[dict]:
    """The bulk files: one per month with releases, newest first, with how many releases each holds."""
    rows = (Release.objects.annotate(month=TruncMonth("date", tzinfo=SHANGHAI)).values("month")
            .annotate(releases=Count("pk"), latest=Max("published_at")).order_by("-month"))
    return [{"month": row["month"].astimezone(SHANGHAI).strftime("%Y-%m") if isinstance(row["month"], dt.datetime)
             else row["month"].strftime("%Y-%m"), "releases": row["releases"], "latest": row["latest"]}
            for row in rows]


def publication_summary() -> dict:
    totals = Release.objects.aggregate(releases=Count("pk"), ocids=Count("ocid", distinct=True),
                                       latest=Max("published_at"))
    totals["imported"] = Release.objects.filter(imported=True).values("ocid").distinct().count()
    return totals


def latest_ocid() -> str | None:
    return Release.objects.order_by("-pk").values_list("ocid", flat=True).first()
