from django.urls import path

from . import views

app_name = "stats"

urlpatterns = [
    path("statistics/", views.statistics, name="statistics"),
    path("statistics/export.csv", views.statistics_export_csv, name="statistics_csv"),
    path("statistics/report.pdf", views.statistics_export_pdf, name="statistics_pdf"),
]
