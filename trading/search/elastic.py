"""The Elasticsearch backend, through elasticsearch-dsl.

Announcements are indexed with the built-in ``cjk`` analyzer, which splits Han
text into overlapping bigrams: “医院” in a query matches “第一人民医院” without a
dictionary. Where the analysis-smartcn or IK plugin is installed, an index with
that analyzer gives better precision; the field names stay the same.
Documents are written on commit by the ``announcement_index`` Celery task.
"""

import datetime as dt

from django.conf import settings
from django.utils import timezone
from elasticsearch_dsl import Date, Document, Keyword, Text, connections

from ..models import Announcement
from . import PAGE_SIZE, SearchFilters, SearchPage


def index_name() -> str:
    return getattr(settings, "ELASTICSEARCH_INDEX", "sunshine-announcements")


class AnnouncementDocument(Document):
    title = Text(analyzer="cjk")
    body = Text(analyzer="cjk")
    deal_code = Keyword()
    kind = Keyword()
    category = Keyword()
    region = Keyword()
    status = Keyword()
    published_at = Date()

    class Index:
        name = "sunshine-announcements"


def _connect() -> None:
    connections.create_connection(alias="default", hosts=[settings.ELASTICSEARCH_URL], timeout=10)


def _index():
    AnnouncementDocument._index._name = index_name()
    return AnnouncementDocument._index


def ensure_index() -> None:
    _connect()
    if not _index().exists():
        AnnouncementDocument.init(index=index_name())


def index_announcement(*, announcement_id: int) -> None:
    ensure_index()
    a = Announcement.objects.select_related("project").filter(pk=announcement_id).first()
    if a is None:
        AnnouncementDocument(meta={"id": announcement_id}).delete(index=index_name(), ignore=404)
        return
    AnnouncementDocument(
        meta={"id": a.pk}, title=a.title, body=a.body, deal_code=a.project.deal_code, kind=a.kind,
        category=a.project.category, region=a.project.region, status=a.project.status,
        published_at=a.published_at,
    ).save(index=index_name(), refresh="wait_for")


def _start_of(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


def search(*, query: str, filters: SearchFilters, page: int) -> SearchPage:
    ensure_index()
    s = AnnouncementDocument.search(index=index_name())
    for word in query.split():
        s = s.query("bool", should=[
            {"match_phrase": {"title": word}}, {"match_phrase": {"body": word}}, {"term": {"deal_code": word}},
        ], minimum_should_match=1)
    for name in ("category", "status", "kind"):
        value = getattr(filters, name)
        if value:
            s = s.filter("term", **{name: value})
    if filters.region:
        s = s.filter("prefix", region=filters.region)
    date_range = {}
    if filters.published_from:
        date_range["gte"] = _start_of(filters.published_from)
    if filters.published_to:
        date_range["lt"] = _start_of(filters.published_to + dt.timedelta(days=1))
    if date_range:
        s = s.filter("range", published_at=date_range)
    start = (page - 1) * PAGE_SIZE
    s = s.sort("-published_at")[start:start + PAGE_SIZE]
    response = s.execute()
    ids = [int(hit.meta.id) for hit in response]
    by_id = Announcement.objects.select_related("project").in_bulk(ids)
    results = [by_id[i] for i in ids if i in by_id]
    return SearchPage(results=results, total=response.hits.total.value, page=page, backend="elasticsearch")
