from django.urls import path, re_path

from . import views

app_name = "stats"

urlpatterns = [
    path("statistics/", views.statistics, name="statistics"),
    path("statistics/export.csv", views.statistics_export_csv, name="statistics_csv"),
    path("statistics/report.pdf", views.statistics_export_pdf, name="statistics_pdf"),
    path("statistics/marketplace/", views.marketplace_statistics_page, name="marketplace"),
    path("statistics/import/", views.history_import, name="history_import"),
    path("statistics/import/<int:pk>/", views.history_import_job, name="history_import_job"),
    re_path(r"^statistics/import/sample\.(?P<kind>csv|xlsx)$", views.history_import_sample,
            name="history_import_sample"),
]
