from django.urls import path

from . import views

app_name = "bidding_room"

urlpatterns = [
    path("", views.session_list, name="list"),
    path("board/", views.board, name="board"),
    path("<int:pk>/", views.room, name="room"),
    path("<int:pk>/record.pdf", views.record_download, name="record"),
    path("<int:pk>/my-envelope/", views.my_envelope, name="my_envelope"),
]

api_urlpatterns = [
    path("<int:pk>/", views.api_session, name="api-opening"),
    path("<int:pk>/commands/", views.api_command, name="api-opening-command"),
]
