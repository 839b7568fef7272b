from django.urls import path

from . import api, views

app_name = "credit"

urlpatterns = [
    path("", views.lists, name="lists"),
    path("mine/", views.mine, name="mine"),
    path("events/<int:pk>/appeal/", views.appeal, name="appeal"),
    path("blacklist/<int:pk>/repair/", views.repair, name="repair"),
    path("documents/<int:pk>/", views.document, name="document"),
    path("manage/", views.manage, name="manage"),
    path("manage/record/", views.manage_record, name="manage_record"),
    path("manage/events/<int:pk>/", views.manage_event, name="manage_event"),
    path("manage/appeals/<int:pk>/", views.manage_appeal, name="manage_appeal"),
    path("manage/repairs/<int:pk>/", views.manage_repair, name="manage_repair"),
    path("manage/catalogue/", views.manage_catalogue, name="manage_catalogue"),
    path("manage/catalogue/<slug:code>/", views.manage_behaviour, name="manage_behaviour"),
    path("manage/subjects/<str:kind>/<int:pk>/", views.manage_subject, name="manage_subject"),
]

api_urlpatterns = [
    path("blacklist/", api.BlacklistView.as_view(), name="api-credit-blacklist"),
    path("redlist/", api.RedlistView.as_view(), name="api-credit-redlist"),
    path("behaviours/", api.BehaviourListView.as_view(), name="api-credit-behaviours"),
    path("events/", api.CreditEventListView.as_view(), name="api-credit-events"),
    path("subjects/<str:credit_code>/", api.subject_lookup, name="api-credit-subject"),
    path("feed/blacklist.json", api.feed_json, name="api-credit-feed-json"),
    path("feed/blacklist.csv", api.feed_csv, name="api-credit-feed-csv"),
]
