"""The database search backend.

Chinese has no spaces between words, so a query word matches as a substring of the title or body. On PostgreSQL
every announcement carries ``title_grams`` and ``body_grams``: tsvectors of its characters and character pairs
(migration 0005, kept by a trigger, GIN-indexed). A one-character word is looked up as itself, a longer one as
the AND of its bigrams; the substring test then confirms the candidates. So words of every length — "院",
"医院", "滨江公园" — are answered from an index. Announcements whose title contains every word come first,
then those that match in the body, newest first within each. On SQLite it is a plain substring scan, in the same
order. A 20-digit word is taken as a deal code and matched exactly.
"""

import contextlib
import datetime as dt
import json
import re

from django.db import connection, transaction
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
    """``word`` is in ``column`` (title or body). On PostgreSQL from the n-gram index: for one or two characters
    the index answers exactly (whitespace in the text aside), so no row is read to confirm it; a longer word's
    bigrams are all present in more rows than hold the word, so those candidates are confirmed as substrings."""
    substring = Q(**{f"{column}__icontains": word})
    if not _indexed():
        return substring
    # The column is "title" or "body" (ours); the word goes in as a parameter.
    sql = f"trading_announcement.{column}_grams @@ %s::tsquery"
    grams = Q(RawSQL(sql, [grams_query(word)], output_field=BooleanField()))  # noqa: S611
    return grams if len(re.sub(r"\s+", "", word)) <= 2 else grams & substring


def _filtered(*, filters: SearchFilters):
    qs = Announcement.objects.select_related("project")
    if filters.category:
        qs = qs.filter(category=filters.category)
    if filters.region:
        qs = qs.filter(region__startswith=filters.region)
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
            qs = qs.filter(deal_code=word)
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
    # Title matches first: two slices (title matches, then body-only matches), each newest first.
    titles = qs.filter(in_title).order_by("-published_at", "-pk")
    body_only = matching.exclude(in_title).order_by("-published_at", "-pk")
    with _newest_first_if_frequent(words):
        results = list(titles[start:start + PAGE_SIZE])
        if len(results) < PAGE_SIZE:
            in_titles = start + len(results) if results else titles[:start + 1].count()
            skip = max(0, start - in_titles)
            results += list(body_only[skip:skip + PAGE_SIZE - len(results)])
    return _page(matching, results, start, page, limit=WORD_COUNT_LIMIT)


WORD_COUNT_LIMIT = 1_000  # totals of word searches above this show as "1000+" (listings: COUNT_LIMIT)
FREQUENT_SHARE = 0.05  # a word in at least this share of announcements: walk the newest-first index


@contextlib.contextmanager
def _newest_first_if_frequent(words: list[str]):
    """For a frequent word, read newest first along the published_at index and test each row.

    PostgreSQL estimates an AND of bigrams as if they were independent ("中医" & "医院" → a few dozen rows), so
    for a frequent three- or four-character word it would fetch and sort thousands of matches through the n-gram
    index. Each character pair's own estimate is good (the statistics of the vectors); the rarest pair of each word
    bounds how many rows can match. When even that bound is large, the newest-first walk is chosen for the page.
    """
    if not _indexed() or min(_bound(word) for word in words) < max(1000, FREQUENT_SHARE * _table_rows()):
        yield
        return
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_bitmapscan = off; SET LOCAL enable_seqscan = off; "
                       "SET LOCAL enable_sort = off")
        yield


def _table_rows() -> float:
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN (FORMAT JSON) SELECT 1 FROM trading_announcement")
        return _plan_rows(cursor.fetchone()[0])


def _bound(word: str) -> float:
    """At most how many announcements hold ``word``: the planner's estimate for its rarest character pair."""
    text = re.sub(r"\s+", "", word).lower()
    grams = [text] if len(text) <= 2 else [text[i:i + 2] for i in range(len(text) - 1)]
    bound = float("inf")
    with connection.cursor() as cursor:
        for gram in set(grams):
            cursor.execute("EXPLAIN (FORMAT JSON) SELECT 1 FROM trading_announcement "
                           "WHERE title_grams @@ %s::tsquery OR body_grams @@ %s::tsquery",
                           [grams_query(gram)] * 2)
            bound = min(bound, _plan_rows(cursor.fetchone()[0]))
    return bound


def _plan_rows(plan) -> float:
    return (plan if isinstance(plan, list) else json.loads(plan))[0]["Plan"]["Plan Rows"]


def _page(matching, results: list, start: int, page: int, *, limit: int = COUNT_LIMIT) -> SearchPage:
    exact = 0 < len(results) < PAGE_SIZE or (page == 1 and not results)
    total = start + len(results) if exact else _count(matching, limit)
    return SearchPage(results=results, total=min(total, limit), page=page, backend="database", more=total > limit)


def _count(matching, limit: int) -> int:
    """How many announcements match, stopping at ``limit`` + 1 (shown as "1000+" or "10000+").

    On PostgreSQL, when the planner expects more than twice ``limit`` rows (its statistics of the n-gram vectors
    are good for single characters and pairs), the answer is "more than ``limit``" without counting. Otherwise the
    matches are counted through the n-gram indexes (a bitmap scan; the planner prices the sequential alternative
    as cheap because it does not cost reading each row's vector, which is many times slower).
    """
    qs = matching.order_by()
    if not _indexed():
        return qs[:limit + 1].count()
    with connection.cursor() as cursor:
        sql, params = qs.values("pk").query.sql_with_params()
        cursor.execute(f"EXPLAIN (FORMAT JSON) {sql}", params)
        estimate = _plan_rows(cursor.fetchone()[0])
    if estimate > 2 * limit:
        return limit + 1
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        return qs[:limit + 1].count()
