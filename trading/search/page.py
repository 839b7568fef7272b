"""The content of the public search page (/announcements/): the search form, the count, the list and the pager.

A valid search is reduced to its canonical parameters (the form's cleaned values as text, empty ones left out),
which decide everything the content shows: the content is rendered from them — the form too, so two spellings of
one search (``?region=310104`` or the picker's ``region_0…region_2``) give the same HTML — and kept in the search
cache (trading.search.cache) under them, the page number and the language. The form alone, which does not depend
on the announcements, is also kept per process, so a search rendered after a write only renders its results.
"""

from functools import lru_cache
from urllib.parse import urlencode

from django.template.loader import render_to_string
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language

from ..forms import SearchForm
from . import SearchFilters, backend_name, search_announcements
from .cache import search_content_cached


def search_params(form: SearchForm) -> dict[str, str] | None:
    """The canonical parameters of a valid search form (dates as YYYY-MM-DD), or None if it is not valid."""
    if not form.is_valid():
        return None
    params = {}
    for name in form.fields:
        value = form.cleaned_data.get(name)
        if value not in (None, ""):
            params[name] = value.isoformat() if hasattr(value, "isoformat") else str(value)
    return params


def _filters(data: dict) -> SearchFilters:
    return SearchFilters(category=data.get("category", ""), region=data.get("region", ""),
                         status=data.get("status", ""), published_from=data.get("date_from"),
                         published_to=data.get("date_to"))


@lru_cache(maxsize=512)
def _form_html(language: str, params: tuple[tuple[str, str], ...]) -> str:
    """The search form filled in with ``params``: static choices and regions, so it is kept per process."""
    return render_to_string("trading/_search_form.html", {"form": SearchForm(dict(params) or None)})


def _render(*, form_html: str, query: str, filters: SearchFilters, page: int, querystring: str) -> str:
    result = search_announcements(query, filters, page)
    return render_to_string("trading/_announcements_content.html", {
        "form_html": mark_safe(form_html),  # noqa: S308 - rendered by our own template just above
        "result": result, "querystring": querystring})


def announcements_content(*, form: SearchForm, page: int) -> SafeString:
    """The page's content for ``form`` (bound to the request's GET or unbound) and ``page``.

    A valid search comes from the search cache; an invalid one (a malformed date) lists every announcement, as
    before, with the form as sent, and is not cached."""
    params = search_params(form) if form.is_bound else {}
    if params is None:
        html = _render(form_html=render_to_string("trading/_search_form.html", {"form": form}), query="",
                       filters=SearchFilters(), page=page, querystring="")
        return mark_safe(html)  # noqa: S308 - our template's output
    language = get_language()
    items = tuple(sorted(params.items()))
    data = form.cleaned_data if form.is_bound else {}

    def render() -> str:
        return _render(form_html=_form_html(language, items), query=data.get("q", ""), filters=_filters(data),
                       page=page, querystring=urlencode(items))

    html = search_content_cached([language, backend_name(), items, page], render)
    return mark_safe(html)  # noqa: S308 - our template's output, kept as rendered
