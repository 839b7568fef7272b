from django.urls import path

from . import api

app_name = "deposits"

urlpatterns: list = []

api_urlpatterns = [
    path("bank/arrivals/", api.bank_arrival, name="api-deposits-bank-arrival"),
    path("arrivals/import/", api.arrivals_import, name="api-deposits-import"),
    path("accounts/", api.my_accounts, name="api-deposits-accounts"),
    path("accounts/<int:pk>/guarantee/", api.account_guarantee, name="api-deposits-guarantee"),
]
