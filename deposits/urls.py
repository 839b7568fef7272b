from django.urls import path

from . import api, views

app_name = "deposits"

urlpatterns = [
    path("", views.mine, name="mine"),
    path("accounts/<int:pk>/guarantee/", views.guarantee, name="guarantee"),
    path("manage/", views.manage, name="manage"),
    path("manage/import/", views.statement_import, name="import"),
    path("manage/<int:pk>/", views.requirement, name="requirement"),
]

api_urlpatterns = [
    path("bank/arrivals/", api.bank_arrival, name="api-deposits-bank-arrival"),
    path("arrivals/import/", api.arrivals_import, name="api-deposits-import"),
    path("accounts/", api.my_accounts, name="api-deposits-accounts"),
    path("accounts/<int:pk>/guarantee/", api.account_guarantee, name="api-deposits-guarantee"),
]
