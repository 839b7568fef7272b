from django.urls import path

from .consumers import HallConsumer

websocket_urlpatterns = [path("ws/hall/<int:lot_id>/", HallConsumer.as_asgi())]
