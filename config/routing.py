"""Websocket routes of every app, gathered in one list."""

from core.routing import websocket_urlpatterns as core_ws

websocket_urlpatterns = [*core_ws]
