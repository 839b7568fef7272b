from django.urls import path

from . import api

app_name = "marketplace_api"

urlpatterns = [
    path("purchases/", api.PurchaseListView.as_view(), name="purchases"),
    path("purchases/<int:pk>/", api.purchase_detail, name="purchase"),
    path("purchases/<int:pk>/draw/", api.draw, name="draw"),
    path("purchases/<int:pk>/draw/witness/commit/", api.witness_commit, name="witness_commit"),
    path("purchases/<int:pk>/draw/witness/reveal/", api.witness_reveal, name="witness_reveal"),
    path("purchases/<int:pk>/applications/", api.apply, name="apply"),
    path("intermediaries/", api.DirectoryView.as_view(), name="intermediaries"),
]
