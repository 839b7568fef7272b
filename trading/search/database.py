"""The database search backend.

Chinese has no spaces between words, so a query word matches as a substring of the title or body. On PostgreSQL
every announcement carries ``title_grams`` and ``body_grams``: tsvectors of its characters and character pairs
(migration 0005, kept by a trigger, GIN-indexed). A one-character word is looked up as itself, a longer one as
the AND of its bigrams; the substring test then confirms the candidates. So words of every length — "院",
"医院", "滨江公园" — are answered from an index. Announcements whose title contains every word come first,
then those that match in the body, newest first within each. On SQLite it is a plain substring scan, in the same
order. A 20-digit word is taken as a deal code and matched exactly.
"""

import datetime as dt
import json
import re
from dataclasses import dataclass

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
    # Title matches first, then body-only matches, each newest first: from the walk through the newest
    # announcements when it holds them (a frequent word), else through the n-gram indexes (a rarer one).
    walked = _walk(qs, words) if _indexed() and WALK > 0 else None
    if walked is not None and len(walked.title_ids) >= start + PAGE_SIZE:
        results = _load(walked.title_ids[start:start + PAGE_SIZE])
    else:
        titles = qs.filter(in_title).order_by("-published_at", "-pk")
        results = list(titles[start:start + PAGE_SIZE])
        if len(results) < PAGE_SIZE:
            in_titles = start + len(results) if results else titles[:start + 1].count()
            skip, wanted = max(0, start - in_titles), PAGE_SIZE - len(results)
            if walked is not None and len(walked.body_ids) >= skip + wanted:
                results += _load(walked.body_ids[skip:skip + wanted])
            else:
                body_only = matching.exclude(in_title).order_by("-published_at", "-pk")
                results += list(body_only[skip:skip + wanted])
    total = None
    if walked is not None and walked.rows < WALK:  # the walk read every announcement the filters leave
        total = walked.matches
    elif walked is not None and walked.matches * _estimate(qs) / walked.rows > 2 * WORD_COUNT_LIMIT:
        total = WORD_COUNT_LIMIT + 1  # by the share of matches among the newest announcements
    return _page(matching, results, start, page, limit=WORD_COUNT_LIMIT, total=total)


WORD_COUNT_LIMIT = 1_000  # totals of word searches above this show as "1000+" (listings: COUNT_LIMIT)
WALK = 500  # the newest announcements (under the filters) read first for a word's title matches


@dataclass(frozen=True)
class _Walked:
    title_ids: list[int]  # the title matches among the newest WALK announcements, newest first
    body_ids: list[int]  # the body-only matches among them, newest first
    matches: int  # announcements among them matching in the title or the body
    rows: int  # how many announcements the walk read (fewer than WALK: all there are under the filters)


def _walk(qs, words: list[str]) -> _Walked:
    """Read the newest ``WALK`` announcements under the filters along the published_at index and test each.

    A frequent word (one in a few percent of the announcements or more) has its first pages of title matches among
    them, so those pages cost a bounded read of at most WALK rows, whatever the word's length. Through the n-gram
    index instead, PostgreSQL would fetch and sort every match — and it cannot tell which is cheaper: it estimates
    an AND of character pairs as if they were independent ("中医" & "医院" → a few dozen rows, really thousands).
    A subquery with a LIMIT is read first, so the plan is fixed by the statement's shape, not by estimates.
    """
    newest = qs.order_by("-published_at", "-pk").values("pk", "published_at", "title", "body")[:WALK]
    inner, params = newest.query.sql_with_params()
    in_title, in_any, match_params = [], [], []
    for word in words:
        title, title_params = _match_sql("title", word)
        body, body_params = _match_sql("body", word)
        in_title.append(title)
        in_any.append(f"({title} OR {body})")
        match_params.append((title_params, body_params))
    title, any_word = " AND ".join(in_title), " AND ".join(in_any)
    # The column names are ours and the words go in as parameters.
    sql = (f"SELECT array_agg(pk ORDER BY published_at DESC, pk DESC) FILTER (WHERE {title}), "  # noqa: S608
           f"array_agg(pk ORDER BY published_at DESC, pk DESC) FILTER (WHERE {any_word} AND NOT ({title})), "
           f"count(*) FILTER (WHERE {any_word}), count(*) FROM ({inner}) newest")
    title_params = [p for title_word, _body in match_params for p in title_word]
    any_params = [p for title_word, body in match_params for p in (*title_word, *body)]
    with connection.cursor() as cursor:
        cursor.execute(sql, [*title_params, *any_params, *title_params, *any_params, *params])
        title_ids, body_ids, matches, rows = cursor.fetchone()
    return _Walked(title_ids=title_ids or [], body_ids=body_ids or [], matches=matches, rows=rows)


def _load(ids: list[int]) -> list:
    by_id = Announcement.objects.select_related("project").in_bulk(ids)
    return [by_id[pk] for pk in ids if pk in by_id]


def _match_sql(column: str, word: str) -> tuple[str, list]:
    """``word`` is in ``column`` of a walked row, as ``_in`` finds it through the index: a word of one or two
    characters anywhere in the text with its whitespace taken out (the n-grams skip it), a longer one as a substring
    of the text itself (the index's candidates are confirmed that way). Tested on the text, not the vectors, which
    would each be read from their TOAST storage."""
    if len(re.sub(r"\s+", "", word)) <= 2:
        return (f"(strpos(lower(translate({column}, E' \\t\\n\\r\\f\u3000', '')), %s) > 0)",
                [re.sub(r"\s+", "", word).lower()])
    return f"(strpos(upper({column}), %s) > 0)", [word.upper()]


def _estimate(qs) -> float:
    """How many announcements the filters leave, by the planner's estimate (one EXPLAIN, no rows read)."""
    with connection.cursor() as cursor:
        sql, params = qs.order_by().values("pk").query.sql_with_params()
        cursor.execute(f"EXPLAIN (FORMAT JSON) {sql}", params)
        return _plan_rows(cursor.fetchone()[0])


def _plan_rows(plan) -> float:
    return (plan if isinstance(plan, list) else json.loads(plan))[0]["Plan"]["Plan Rows"]


def _page(matching, results: list, start: int, page: int, *, limit: int = COUNT_LIMIT,
          total: int | None = None) -> SearchPage:
    """The page with its total: exact when this page is the last, else ``total`` if known, else counted."""
    if 0 < len(results) < PAGE_SIZE or (page == 1 and not results):
        total = start + len(results)
    elif total is None:
        total = _count(matching, limit)
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
