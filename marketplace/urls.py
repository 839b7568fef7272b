from django.urls import path

from . import views

app_name = "marketplace"

urlpatterns = [
    path("", views.purchase_list, name="purchases"),
    path("purchases/<int:pk>/", views.purchase_detail, name="purchase"),
    path("intermediaries/", views.directory, name="directory"),
    path("intermediaries/<int:pk>/", views.intermediary_detail, name="intermediary_detail"),
    path("owner/", views.owner, name="owner"),
    path("owner/new/", views.purchase_new, name="purchase_new"),
    path("me/", views.intermediary_home, name="intermediary"),
    path("oversight/", views.oversight, name="oversight"),
    path("committee/", views.committee, name="committee"),
]
