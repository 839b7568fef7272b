"""Websocket routes of every app, gathered in one list."""

from auctions.routing import websocket_urlpatterns as hall_ws
from bidding_room.routing import websocket_urlpatterns as room_ws
from core.routing import websocket_urlpatterns as core_ws

websocket_urlpatterns = [*core_ws, *room_ws, *hall_ws]
