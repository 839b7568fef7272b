from django.conf import settings
from django.http import JsonResponse
from django.shortcuts import render
from django.utils import translation
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext as _


class PlatformLanguageMiddleware:
    """Chinese unless the person chose English with the language switch (a cookie).

    Pages ignore the browser's Accept-Language: a city's platform speaks Chinese
    by default. API clients (the bidder tool, integrations) may ask for English
    with Accept-Language.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        language = self._chosen(request)
        translation.activate(language)
        request.LANGUAGE_CODE = translation.get_language()
        response = self.get_response(request)
        patch_vary_headers(response, ("Cookie", "Accept-Language"))
        response.headers.setdefault("Content-Language", translation.get_language())
        return response

    @staticmethod
    def _chosen(request) -> str:
        cookie = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
        if cookie:
            try:
                return translation.get_supported_language_variant(cookie)
            except LookupError:
                pass
        if request.path.startswith("/api/"):
            return translation.get_language_from_request(request)
        return settings.LANGUAGE_CODE


class RefuseNulMiddleware:
    """Refuse a NUL character (``\\x00``, ``%00``) in the path, the query string or a form field with a 400.

    No field of the platform has a use for it, PostgreSQL cannot store it in text, and it cuts strings short
    in C code further down. JSON bodies are checked by the API's parser (core.api.JSONParser); uploads' bytes
    are not text and are not checked.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        field = self._field_with_nul(request)
        if field is not None:
            return refuse_request(request, 400, {field: [_nul_message()]})
        return self.get_response(request)

    @staticmethod
    def _field_with_nul(request) -> str | None:
        if "\x00" in request.path:
            return "path"
        query = request.META.get("QUERY_STRING", "")
        if "%00" in query or "\x00" in query:
            for name, values in request.GET.lists():
                if "\x00" in name or any("\x00" in v for v in values):
                    return name.replace("\x00", "") or "query"
            return "query"
        if request.method == "POST" and request.content_type in ("application/x-www-form-urlencoded",
                                                                 "multipart/form-data"):
            try:
                items = list(request.POST.lists())
            except Exception:  # noqa: BLE001 - a malformed body is the view's to refuse, not ours
                return None
            for name, values in items:
                if "\x00" in name or any("\x00" in v for v in values):
                    return name.replace("\x00", "") or "body"
        return None


def _nul_message() -> str:
    return _("The request contains a NUL character (\\x00 or %00), which no field accepts. Remove it and send "
             "again.")


def refuse_request(request, status: int, errors: dict):
    """A 4xx for a request refused before any view: JSON for the API, a page for people."""
    if request.path.startswith("/api/"):
        return JsonResponse({"errors": errors}, status=status)
    messages = [m for values in errors.values() for m in values]
    return render(request, "core/error.html", {"status": status, "reasons": messages}, status=status)
