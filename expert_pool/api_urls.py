from django.urls import path

from . import api

app_name = "expert_pool_api"

urlpatterns = [
    path("draws/<int:pk>/record/", api.record, name="record"),
    path("draws/<int:pk>/committee/", api.committee, name="committee"),
    path("draws/<int:pk>/witness/commit/", api.witness_commit, name="witness_commit"),
    path("draws/<int:pk>/witness/reveal/", api.witness_reveal, name="witness_reveal"),
]
