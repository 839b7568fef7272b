from django.urls import path

from . import api

# Under /api/stats/.
urlpatterns = [
    path("statistics/", api.StatisticsView.as_view(), name="api-stats-statistics"),
]
