from django.contrib import admin
from django.shortcuts import redirect
from django.templatetags.static import static
from django.urls import include, path, re_path
from django.views.generic import RedirectView
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from accounts import views as accounts_views
from auctions.urls import api_urlpatterns as auctions_api
from audit.urls import api_urlpatterns as audit_api
from bidding_room.urls import api_urlpatterns as opening_api
from credit.urls import api_urlpatterns as credit_api
from deposits.urls import api_urlpatterns as deposits_api


def moved(prefix: str):
    """A permanent redirect (308: method and body kept) from an API address that moved to ``prefix``."""

    def view(request, rest: str):
        target = prefix + rest
        if request.META.get("QUERY_STRING"):
            target += "?" + request.META["QUERY_STRING"]
        return redirect(target, permanent=True, preserve_request=True)

    return view


urlpatterns = [
    path("", include("trading.urls")),
    path("", include("supervision.urls")),
    path("", include("stats.urls")),
    path("", include("opendata.urls")),
    path("accounts/", include("accounts.urls")),
    path("", include("core.urls")),
    path("", include("audit.urls")),
    path("api/audit/", include(audit_api)),
    path("experts/", include("expert_pool.urls")),
    path("api/experts/", include("expert_pool.api_urls")),
    path("marketplace/", include("marketplace.urls")),
    path("api/marketplace/", include("marketplace.api_urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    path("credit/", include("credit.urls")),
    path("api/credit/", include(credit_api)),
    path("deposits/", include("deposits.urls")),
    path("api/deposits/", include(deposits_api)),
    # Complaints and statistics moved out of trading: their old API addresses redirect.
    re_path(r"^api/trading/(?P<rest>statistics/.*)$", moved("/api/stats/")),
    re_path(r"^api/trading/(?P<rest>(projects/\d+/(objections|complaints)|objections|complaints)/.*)$",
            moved("/api/supervision/")),
    path("api/trading/", include("trading.api_urls")),
    path("api/supervision/", include("supervision.api_urls")),
    path("api/stats/", include("stats.api_urls")),
    path("api/opendata/", include("opendata.api_urls")),
    path("opening/", include("bidding_room.urls")),
    path("auctions/", include("auctions.urls")),
    path("api/auctions/", include(auctions_api)),
    path("api/opening/", include(opening_api)),
    path("api/me/", accounts_views.me, name="api-me"),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    # Swagger UI from the vendored sidecar; its start-up script is a separate file, so the CSP holds.
    path("api/docs/", SpectacularSwaggerSplitView.as_view(url_name="api-schema", template_name="core/swagger_ui.html"),
         name="api-docs"),
    path("favicon.ico", RedirectView.as_view(url=static("favicon.ico"), permanent=True)),
]

handler400 = "core.error_pages.bad_request"
handler403 = "core.error_pages.permission_denied"
handler404 = "core.error_pages.page_not_found"
handler500 = "core.error_pages.server_error"
