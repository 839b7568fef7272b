from django.urls import path

from . import api

# Included by trading/api_urls.py under /api/trading/.
urlpatterns = [
    path("statistics/", api.StatisticsView.as_view(), name="api-trading-statistics"),
]
