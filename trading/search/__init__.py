"""One search interface over announcements, two backends.

``search_announcements(query, filters, page)`` goes to Elasticsearch when
settings.ELASTICSEARCH_URL is set (trading.search.elastic) and to the database
otherwise (trading.search.database). Both return a ``SearchPage`` of
Announcement rows, newest first, and accept the same filters:

- ``category``: a Category value; ``region``: region code (prefix match on the project's region);
- ``status``: a project Status value; ``kind``: an Announcement.Kind value;
- ``published_from`` / ``published_to``: dates (inclusive, Asia/Shanghai).
"""

import datetime as dt
from dataclasses import dataclass, field

from django.conf import settings

PAGE_SIZE = 20
COUNT_LIMIT = 10_000  # totals above this show as "10000+"


@dataclass(frozen=True)
class SearchFilters:
    category: str = ""
    region: str = ""
    status: str = ""
    kind: str = ""
    published_from: dt.date | None = None
    published_to: dt.date | None = None


@dataclass
class SearchPage:
    results: list = field(default_factory=list)
    total: int = 0
    page: int = 1
    page_size: int = PAGE_SIZE
    backend: str = "database"
    more: bool = False  # the true total exceeds ``total`` (== COUNT_LIMIT)

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.page_size))

    @property
    def has_next(self) -> bool:
        return self.page < self.pages

    @property
    def has_previous(self) -> bool:
        return self.page > 1


def backend_name() -> str:
    return "elasticsearch" if getattr(settings, "ELASTICSEARCH_URL", None) else "database"


def search_announcements(query: str = "", filters: SearchFilters | None = None, page: int = 1,
                         *, backend: str | None = None) -> SearchPage:
    """Find announcements matching ``query`` (words in title or body, or a deal code) and ``filters``."""
    filters = filters or SearchFilters()
    page = max(1, int(page or 1))
    backend = backend or backend_name()
    if backend == "elasticsearch":
        from . import elastic

        return elastic.search(query=query.strip(), filters=filters, page=page)
    from . import database

    return database.search(query=query.strip(), filters=filters, page=page)
