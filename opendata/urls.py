from django.urls import path

from . import views

app_name = "opendata"

urlpatterns = [
    path("opendata/", views.opendata_index, name="index"),
]
