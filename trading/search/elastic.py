"""The Elasticsearch backend, through elasticsearch-dsl.

Announcements are indexed with ``sunshine_grams``: the standard tokenizer (one token per Han character), width
folding, lower case, and ``cjk_bigram`` with ``output_unigrams`` — every character and every pair of adjacent
characters, as the database backend's n-gram index does. A query word is a phrase over the same analysis, so
“院”, “医院” and “滨江公园” all match as substrings, from the index, without a dictionary. Ranking as on the
database: announcements whose title holds every word first (function_score), then the others, newest first.
Changing the analyzer needs a new index: set a new ``ELASTICSEARCH_INDEX`` and reindex.
Documents are written on commit by the ``announcement_index`` Celery task.
"""

import datetime as dt

from django.conf import settings
from django.utils import timezone
from elasticsearch_dsl import Date, Document, Keyword, Q, Text, analyzer, connections, token_filter

from ..models import Announcement
from . import PAGE_SIZE, SearchFilters, SearchPage
from .cache import search_generation_bump


def index_name() -> str:
    return getattr(settings, "ELASTICSEARCH_INDEX", "sunshine-announcements")


GRAMS = analyzer("sunshine_grams", tokenizer="standard", filter=[
    "cjk_width", "lowercase", token_filter("sunshine_cjk_bigram", type="cjk_bigram", output_unigrams=True)])


class AnnouncementDocument(Document):
    title = Text(analyzer=GRAMS)
    body = Text(analyzer=GRAMS)
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
        AnnouncementDocument(meta={"id": announcement_id}).delete(index=index_name(), ignore=404, refresh=True)
        search_generation_bump()
        return
    AnnouncementDocument(
        meta={"id": a.pk}, title=a.title, body=a.body, deal_code=a.deal_code, kind=a.kind,
        category=a.category, region=a.region, status=a.project.status if a.project_id else "",
        published_at=a.published_at,
    ).save(index=index_name(), refresh="wait_for")
    search_generation_bump()  # searched now: the pages cached before it was indexed are retired


def _start_of(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


def search(*, query: str, filters: SearchFilters, page: int) -> SearchPage:
    ensure_index()
    s = AnnouncementDocument.search(index=index_name())
    words = query.split()
    if words:
        matches = [Q("bool", should=[Q("match_phrase", title=word), Q("match_phrase", body=word),
                                     Q("term", deal_code=word)], minimum_should_match=1) for word in words]
        in_title = Q("bool", filter=[Q("bool", should=[Q("match_phrase", title=word), Q("term", deal_code=word)],
                                       minimum_should_match=1) for word in words])
        s = s.query("function_score", query=Q("bool", filter=matches), boost_mode="replace",
                    functions=[{"filter": in_title, "weight": 2}])
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
    s = s.sort({"_score": "desc"}, {"published_at": "desc"})[start:start + PAGE_SIZE]
    response = s.execute()
    ids = [int(hit.meta.id) for hit in response]
    by_id = Announcement.objects.select_related("project").in_bulk(ids)
    results = [by_id[i] for i in ids if i in by_id]
    return SearchPage(results=results, total=response.hits.total.value, page=page, backend="elasticsearch")
