"""The database search backend.

Chinese has no spaces between words, so a query word matches as a substring of the title or body. On PostgreSQL
every announcement carries ``title_grams`` and ``body_grams``: tsvectors of its characters and character pairs
(migration 0004, kept by a trigger, GIN-indexed). A one-character word is looked up as itself, a longer one as
the AND of its bigrams; the substring test then confirms the candidates. So words of every length — "院",
"医院", "滨江公园" — are answered from an index. Announcements whose title contains every word come first,
then those that match in the body, newest first within each. On SQLite it is a plain substring scan, in the same
order. A 20-digit word is taken as a deal code and matched exactly.
"""

import datetime as dt
import re

from django.db import connection
from django.db.models import BooleanField, Q
from django.db.models.expressions import RawSQL
from django.utils import timezone

from ..models import Announcement
from . import COUNT_LIMIT, PAGE_SIZE, SearchFilters, SearchPage

DEAL_CODE = re.compile(r"\d{20}")


def _start_of(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


def grams_query(word: str) -> str:
    """The tsquery text of a word: its character if it has one, else the AND of its bigrams (each lexeme quoted)."""
    text = re.sub(r"\s+", "", word).lower()
    grams = [text] if len(text) == 1 else sorted({text[i:i + 2] for i in range(len(text) - 1)})
    return " & ".join("'" + g.replace("\\", "\\\\").replace("'", "''") + "'" for g in grams)


def _indexed() -> bool:
    return connection.vendor == "postgresql"


def _in(column: str, word: str) -> Q:
    """``word`` is in ``column`` (title or body): from the n-gram index on PostgreSQL, confirmed as a substring."""
    q = Q(**{f"{column}__icontains": word})
    if _indexed():
        # The column is "title" or "body" (ours); the word goes in as a parameter.
        sql = f"trading_announcement.{column}_grams @@ %s::tsquery"
        q &= Q(RawSQL(sql, [grams_query(word)], output_field=BooleanField()))  # noqa: S611
    return q


def _filtered(*, filters: SearchFilters):
    qs = Announcement.objects.select_related("project")
    if filters.category:
        qs = qs.filter(project__category=filters.category)
    if filters.region:
        qs = qs.filter(project__region__startswith=filters.region)
    if filters.status:
        qs = qs.filter(project__status=filters.status)
    if filters.kind:
        qs = qs.filter(kind=filters.kind)
    if filters.published_from:
        qs = qs.filter(published_at__gte=_start_of(filters.published_from))
    if filters.published_to:
        qs = qs.filter(published_at__lt=_start_of(filters.published_to + dt.timedelta(days=1)))
    return qs


def _words(query: str, qs):
    """Apply deal-code words as exact filters; return the queryset and the words left to search for."""
    words = []
    for word in query.split():
        if DEAL_CODE.fullmatch(word):
            qs = qs.filter(project__deal_code=word)
        else:
            words.append(word)
    return qs, words


def filtered(*, query: str, filters: SearchFilters):
    """Every announcement matching the query (each word in the title or the body) and the filters, newest first."""
    qs, words = _words(query, _filtered(filters=filters))
    for word in words:
        qs = qs.filter(_in("title", word) | _in("body", word))
    return qs.order_by("-published_at", "-pk")


def search(*, query: str, filters: SearchFilters, page: int) -> SearchPage:
    start = (page - 1) * PAGE_SIZE
    qs, words = _words(query, _filtered(filters=filters))
    if not words:
        everything = qs.order_by("-published_at", "-pk")
        return _page(everything, everything[start:start + PAGE_SIZE], start, page)
    in_title = Q()
    for word in words:
        in_title &= _in("title", word)
    matching = qs
    for word in words:
        matching = matching.filter(_in("title", word) | _in("body", word))
    # Title matches first: two keyset-free slices (title matches, then body-only matches), each newest first,
    # so each is an index-served top-N rather than a sort of every match.
    titles = qs.filter(in_title).order_by("-published_at", "-pk")
    results = list(titles[start:start + PAGE_SIZE])
    if len(results) < PAGE_SIZE:
        in_titles = start + len(results) if results else titles[:start + 1].count()
        body_only = matching.exclude(in_title).order_by("-published_at", "-pk")
        skip = max(0, start - in_titles)
        results += list(body_only[skip:skip + PAGE_SIZE - len(results)])
    return _page(matching, results, start, page)


def _page(matching, results: list, start: int, page: int) -> SearchPage:
    if 0 < len(results) < PAGE_SIZE or (page == 1 and not results):
        total = start + len(results)
    else:
        # Counting every match of a frequent word costs a full scan; stop at COUNT_LIMIT ("10000+").
        total = matching.order_by()[:COUNT_LIMIT + 1].count()
    return SearchPage(results=results, total=min(total, COUNT_LIMIT), page=page, backend="database",
                      more=total > COUNT_LIMIT)


