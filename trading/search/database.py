"""The database search backend: substring match (icontains), served by pg_trgm GIN indexes on PostgreSQL.

Chinese has no spaces between words, so a substring match is the right primitive
for a word like “医院”; on PostgreSQL the trigram indexes (migration 0002) make
``UPPER(col) LIKE UPPER('%…%')`` an index scan for words of 3 or more characters
(pg_trgm cannot index a 2-character infix: those scan, newest first, which is
fast for frequent words); on SQLite it is a plain scan. A 20-digit word is taken
as a deal code and matched exactly.
"""

import datetime as dt
import re

from django.db.models import Q
from django.utils import timezone

from ..models import Announcement
from . import COUNT_LIMIT, PAGE_SIZE, SearchFilters, SearchPage

DEAL_CODE = re.compile(r"\d{20}")


def _start_of(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


def filtered(*, query: str, filters: SearchFilters):
    qs = Announcement.objects.select_related("project")
    for word in query.split():
        if DEAL_CODE.fullmatch(word):
            qs = qs.filter(project__deal_code=word)
        else:
            qs = qs.filter(Q(title__icontains=word) | Q(body__icontains=word))
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
    return qs.order_by("-published_at", "-pk")


def search(*, query: str, filters: SearchFilters, page: int) -> SearchPage:
    qs = filtered(query=query, filters=filters)
    start = (page - 1) * PAGE_SIZE
    results = list(qs[start:start + PAGE_SIZE])
    if 0 < len(results) < PAGE_SIZE or (page == 1 and not results):
        total = start + len(results)
    else:
        # Counting every match of a frequent word costs a full scan; stop at COUNT_LIMIT ("10000+").
        total = qs.order_by()[:COUNT_LIMIT + 1].count()
    return SearchPage(results=results, total=min(total, COUNT_LIMIT), page=page, backend="database",
                      more=total > COUNT_LIMIT)
