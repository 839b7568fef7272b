from django.urls import path

from . import api

app_name = "expert_pool_api"

urlpatterns = [
    path("draws/<int:pk>/record/", api.record, name="record"),
    path("draws/<int:pk>/committee/", api.committee, name="committee"),
]
