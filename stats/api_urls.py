from django.urls import path

from . import api

# Under /api/stats/.
urlpatterns = [
    path("statistics/", api.StatisticsView.as_view(), name="api-stats-statistics"),
    path("marketplace/", api.MarketplaceStatisticsView.as_view(), name="api-stats-marketplace"),
    path("imports/", api.ImportJobsView.as_view(), name="api-stats-imports"),
    path("imports/<int:pk>/", api.ImportJobView.as_view(), name="api-stats-import"),
]
