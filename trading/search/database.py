"""The database search backend.

Chinese has no spaces between words, so a query word matches as a substring of the title or body. On PostgreSQL
every announcement carries ``title_grams`` and ``body_grams``: tsvectors of its characters and character pairs
(migration 0005, kept by a trigger, GIN-indexed). A one-character word is looked up as itself, a longer one as
the AND of its bigrams; the substring test then confirms the candidates. So words of every length — "院",
"医院", "滨江公园" — are answered from an index. Announcements whose title contains every word come first,
then those that match in the body, newest first within each: from a walk through the newest announcements (a
frequent word), else from one bounded read of every match (up to the count limit), else through the ordered index
reads (docs/trading.md "Search"). On SQLite it is a plain substring scan, in the same
order. A 20-digit word is taken as a deal code and matched exactly.
"""

import datetime as dt
import json
import re
from dataclasses import dataclass

from django.db import connection, transaction
from django.db.models import BooleanField, ExpressionWrapper, Q
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


def _short(word: str) -> bool:
    """One or two characters (whitespace aside): the n-gram index answers exactly, with no row read to confirm."""
    return len(re.sub(r"\s+", "", word)) <= 2


def _text(column: str, word: str) -> Q:
    """``word`` is in ``column`` of the row, judged on its text as the index would match it (``_match_sql``)."""
    if not _indexed():
        return Q(**{f"{column}__icontains": word})
    sql, params = _match_sql(f"trading_announcement.{column}", word)
    return Q(RawSQL(sql, params, output_field=BooleanField()))  # noqa: S611 - our columns, the word a parameter


def _grams(columns: tuple[str, ...], word: str) -> Q:
    """Rows whose n-grams in any of ``columns`` hold ``word``'s: an index condition (GIN), never read from a row."""
    # The columns are "title" and "body" (ours); the word goes in as a parameter.
    sql = " OR ".join(f"trading_announcement.{column}_grams @@ %s::tsquery" for column in columns)
    return Q(RawSQL(f"({sql})", [grams_query(word)] * len(columns), output_field=BooleanField()))  # noqa: S611


def _in_title(word: str) -> Q:
    """``word`` is in the title: from the title's n-gram index, confirmed on the title's text when longer than two."""
    if not _indexed():
        return _text("title", word)
    return _grams(("title",), word) if _short(word) else _grams(("title",), word) & _text("title", word)


def _found(word: str) -> Q:
    """``word`` is in the title or the body.

    On PostgreSQL the candidates come from the two n-gram indexes and are confirmed on the text: (title grams or
    body grams) and (title text or body text), which equals (title grams and title text) or (body grams and body
    text) because a word in a text has its n-grams in that text's vector. Written this way the vectors stay index
    conditions (a bitmap, exact) and only the text is read from a row, never a vector (large, and out of line once
    a notice is long)."""
    if not _indexed():
        return _text("title", word) | _text("body", word)
    grams = _grams(("title", "body"), word)
    return grams if _short(word) else grams & (_text("title", word) | _text("body", word))


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
        qs = qs.filter(_found(word))
    return qs.order_by("-published_at", "-pk")


def search(*, query: str, filters: SearchFilters, page: int) -> SearchPage:
    start = (page - 1) * PAGE_SIZE
    qs, words = _words(query, _filtered(filters=filters))
    if not words:
        everything = qs.order_by("-published_at", "-pk")
        return _page(everything[start:start + PAGE_SIZE], start, page, total=None, matching=everything)
    # Title matches first, then body-only matches, each newest first. A frequent word's pages come from the walk
    # through the newest announcements; a rarer word's every match (up to the count limit) from one bounded read
    # through the n-gram indexes, which gives the page and the total together; only a word with many matches but
    # few of them among the newest titles is read through the ordered index paths.
    walked = _walk(qs, words) if _indexed() and WALK > 0 else None
    if walked is not None and walked.rows < WALK:  # the walk read every announcement the filters leave
        ids = walked.title_ids + walked.body_ids
        return _page(_load(ids[start:start + PAGE_SIZE]), start, page, total=walked.matches)
    if walked is not None and len(walked.title_ids) >= start + PAGE_SIZE:
        many = walked.matches * _estimate(qs) / walked.rows > 2 * WORD_COUNT_LIMIT  # by the share among the newest
        total = WORD_COUNT_LIMIT + 1 if many else _bounded(qs, words).total
        return _page(_load(walked.title_ids[start:start + PAGE_SIZE]), start, page, total=total)
    found = _bounded(qs, words)
    if found.complete:
        return _page(_load(found.ids[start:start + PAGE_SIZE]), start, page, total=found.total)
    in_title = Q()
    for word in words:
        in_title &= _in_title(word)
    titles = qs.filter(in_title).order_by("-published_at", "-pk")
    results = list(titles[start:start + PAGE_SIZE])
    if len(results) < PAGE_SIZE:
        in_titles = start + len(results) if results or not start else titles[:start + 1].count()
        skip, wanted = max(0, start - in_titles), PAGE_SIZE - len(results)
        if walked is not None and len(walked.body_ids) >= skip + wanted:
            results += _load(walked.body_ids[skip:skip + wanted])
        else:
            body_only = qs
            for word in words:
                body_only = body_only.filter(_found(word))
            title_text = Q()
            for word in words:
                title_text &= _text("title", word)
            results += list(body_only.exclude(title_text).order_by("-published_at", "-pk")[skip:skip + wanted])
    return _page(results, start, page, total=WORD_COUNT_LIMIT + 1)


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
    # Of the project, only its state (the API shows it): not its hundred other columns.
    fields = [f.name for f in Announcement._meta.concrete_fields]
    by_id = Announcement.objects.select_related("project").only(*fields, "project__status").in_bulk(ids)
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


@dataclass(frozen=True)
class _Found:
    ids: list[int]  # the matches, title matches first, then the others, newest first within each
    complete: bool  # every match is there (at most WORD_COUNT_LIMIT of them)

    @property
    def total(self) -> int:
        return len(self.ids) if self.complete else WORD_COUNT_LIMIT + 1


def _bounded(qs, words: list[str]) -> _Found:
    """Every announcement matching ``words``, if there are at most WORD_COUNT_LIMIT: one read of at most that many
    rows plus one (their id, time and whether the title holds every word), through the n-gram indexes and without
    an order, so it stops there; then ranked, title matches first, newest first. More rows than the limit:
    ``complete`` is False."""
    in_title = Q()
    for word in words:
        qs = qs.filter(_found(word))
        in_title &= _text("title", word)
    rows = (qs.order_by().annotate(in_title=ExpressionWrapper(in_title, output_field=BooleanField()))
            .values_list("pk", "published_at", "in_title")[:WORD_COUNT_LIMIT + 1])
    if _indexed():
        ids = _ranked_without_sequential_scan(rows)
    else:
        ids = [pk for pk, _at, _title in sorted(rows, key=lambda row: (row[2], row[1], row[0]), reverse=True)]
    return _Found(ids=ids, complete=len(ids) <= WORD_COUNT_LIMIT)


def _ranked_without_sequential_scan(rows) -> list[int]:
    """The ids of ``rows`` (id, time, title match) ranked by PostgreSQL (one array: no time is read into Python),
    the rows read through their indexes.

    The planner, which estimates an AND of words as if they were independent, would otherwise scan the table "until
    the limit is reached" when every match is wanted (“滨江 绿化”: 3,538 rows expected, 988 found after reading all
    100,000). The hint holds for this statement only: the three statements go in one round trip and run as one
    transaction (or end with the reset inside the caller's)."""
    sql, params = rows.query.sql_with_params()
    # The statement is the queryset's own, compiled by Django with its parameters apart.
    ranked = (f"SELECT array_agg(pk ORDER BY in_title DESC, at DESC, pk DESC) FROM ({sql}) "  # noqa: S608
              "AS m(pk, at, in_title)")
    with connection.cursor() as cursor:
        cursor.execute(f"SET LOCAL enable_seqscan = off; {ranked}; RESET enable_seqscan", params)
        cursor.nextset()
        return cursor.fetchone()[0] or []


def _page(results, start: int, page: int, *, total: int | None, matching=None) -> SearchPage:
    """The page with its total: exact when this page is the last, else ``total`` if known, else counted (a listing:
    ``matching``, up to COUNT_LIMIT). A word search's total above WORD_COUNT_LIMIT shows as "1000+"."""
    results = list(results)
    limit = COUNT_LIMIT if matching is not None else WORD_COUNT_LIMIT
    if 0 < len(results) < PAGE_SIZE or (page == 1 and not results):
        total = start + len(results)
    elif total is None:
        total = _count(matching, limit)
    return SearchPage(results=results, total=min(total, limit), page=page, backend="database", more=total > limit)


def _count(matching, limit: int) -> int:
    """How many announcements a listing (no words) has, stopping at ``limit`` + 1 (shown as "10000+").

    On PostgreSQL, when the planner expects more than twice ``limit`` rows, the answer is "more than ``limit``"
    without counting; otherwise the rows are counted through the filters' indexes.
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
