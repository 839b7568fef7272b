from django.urls import path

from .consumers import BoardConsumer, RoomConsumer

websocket_urlpatterns = [
    path("ws/room/<int:session_id>/", RoomConsumer.as_asgi()),
    path("ws/board/", BoardConsumer.as_asgi()),
]
