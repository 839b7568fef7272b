from django.urls import path

from . import api, views

urlpatterns = [
    path("audit/checkpoints/", views.checkpoints_page, name="audit-checkpoints"),
]
api_urlpatterns = [
    path("checkpoints/", api.checkpoints, name="api-audit-checkpoints"),
]
