"""The public search page's content, rendered once per query and kept until a search result can change.

/announcements/ is read far more often than announcements are written. Its content — the search form, the count,
the list and the pager — depends on the query, the filters, the page and the language, and on the announcements and
their projects' states. The rendered content is kept in the default cache (Redis when there is one, shared by every
web process) together with the *search generation* it was rendered at: a value in the same cache that every write
which can change a search result replaces (``search_generation_bump``: a notice published, an announcement saved or
deleted, a project's state changed). An entry is served only while its generation is the current one, so a page
never shows a notice after the write that changed it has committed.

The generation moves twice per write: at once, and again when the transaction commits. A page rendered in between
reads the database as it was before the write (the write is not committed yet) and is kept under the intermediate
generation, which the second move retires. Entries also expire after ``SEARCH_CACHE_SECONDS`` (0: no cache), which
bounds what a write that goes around these hooks (a raw SQL fix) could leave behind.
"""

import hashlib
import json
import secrets
import time
from collections.abc import Callable

from django.conf import settings
from django.core.cache import cache
from django.db import transaction

GENERATION_KEY = "trading:search:generation"
CONTENT_KEY = "trading:search:content:"


def _new_generation() -> str:
    # Never a value seen before (not a counter that restarts when the key is evicted): time and randomness.
    return f"{time.time_ns():x}-{secrets.token_hex(4)}"


def search_generation_bump() -> None:
    """Retire every cached search page: now, and again once the current transaction (if any) commits."""
    cache.set(GENERATION_KEY, _new_generation(), timeout=None)
    transaction.on_commit(lambda: cache.set(GENERATION_KEY, _new_generation(), timeout=None))


def announcement_changed(sender, **kwargs) -> None:
    """Signal receiver (post_save, post_delete of Announcement; connected in TradingConfig.ready)."""
    search_generation_bump()


def _timeout() -> int:
    return int(getattr(settings, "SEARCH_CACHE_SECONDS", 600))


def search_content_cached(key_parts: list, render: Callable[[], str]) -> str:
    """The content for ``key_parts`` rendered at the current generation: from the cache, else ``render()`` kept.

    One cache round trip for a hit: the generation and the entry are read together, and the entry names the
    generation it was rendered at."""
    timeout = _timeout()
    if timeout <= 0:
        return render()
    key = CONTENT_KEY + hashlib.sha256(json.dumps(key_parts, ensure_ascii=False).encode()).hexdigest()
    found = cache.get_many([GENERATION_KEY, key])
    generation = found.get(GENERATION_KEY)
    if generation is None:
        cache.add(GENERATION_KEY, _new_generation(), timeout=None)
        generation = cache.get(GENERATION_KEY)
    entry = found.get(key)
    if entry is not None and entry[0] == generation:
        return entry[1]
    content = render()
    cache.set(key, (generation, content), timeout=timeout)
    return content
