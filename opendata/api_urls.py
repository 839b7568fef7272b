from django.urls import path, re_path

from . import api

# Under /api/opendata/.
urlpatterns = [
    path("releases/", api.ReleaseFeedView.as_view(), name="api-opendata-releases"),
    path("releases/<str:ocid>/", api.OcidReleasesView.as_view(), name="api-opendata-ocid-releases"),
    path("records/<str:ocid>/", api.OcidRecordView.as_view(), name="api-opendata-ocid-record"),
    path("bulk/", api.BulkListView.as_view(), name="api-opendata-bulk"),
    re_path(r"^bulk/(?P<month>\d{4}-\d{2})\.json$", api.BulkMonthView.as_view(), name="api-opendata-bulk-month"),
]
