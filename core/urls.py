from django.urls import path

from . import views

app_name = "core"

urlpatterns = [
    path("regions/children.json", views.region_children_json, name="region_children"),
    path("pki/platform-ca.pem", views.platform_ca_pem, name="platform_ca"),
]
