from django.urls import path

from . import api, views

app_name = "auctions"

urlpatterns = [
    path("", views.sale_list, name="list"),
    path("new/", views.sale_new, name="new"),
    path("watch/", views.watch, name="watch"),
    path("sales/<int:pk>/", views.sale_detail, name="sale"),
    path("sales/<int:pk>/action/", views.sale_action, name="action"),
    path("lots/<int:pk>/hall/", views.hall, name="hall"),
    path("lots/<int:pk>/<str:kind>.pdf", views.document_download, name="document"),
]

api_urlpatterns = [
    path("sales/", api.sales, name="api-auction-sales"),
    path("lots/<int:pk>/", api.lot, name="api-auction-lot"),
    path("lots/<int:pk>/bids/", api.bid, name="api-auction-bid"),
]
