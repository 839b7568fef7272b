from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from accounts import views as accounts_views
from bidding_room.urls import api_urlpatterns as opening_api
from credit.urls import api_urlpatterns as credit_api

urlpatterns = [
    path("", include("trading.urls")),
    path("accounts/", include("accounts.urls")),
    path("experts/", include("expert_pool.urls")),
    path("api/experts/", include("expert_pool.api_urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    path("credit/", include("credit.urls")),
    path("api/credit/", include(credit_api)),
    path("api/trading/", include("trading.api_urls")),
    path("opening/", include("bidding_room.urls")),
    path("api/opening/", include(opening_api)),
    path("api/me/", accounts_views.me, name="api-me"),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="api-schema"), name="api-docs"),
]
