from django.conf import settings
from django.utils import translation
from django.utils.cache import patch_vary_headers


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
