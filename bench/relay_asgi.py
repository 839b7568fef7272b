"""Bench only: a bare Channels consumer that relays group messages, the baseline of bench/room_clients.py.

Served by its own Daphne (``daphne bench.relay_asgi:application``, ``:lean_application`` or ``:fanout_application``)
so it is no part of the product.
"""

import json
import os
import time

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
django.setup()

from channels.generic.websocket import AsyncJsonWebsocketConsumer  # noqa: E402
from channels.layers import get_channel_layer  # noqa: E402
from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from django.urls import path  # noqa: E402

from core.consumers import LeanDispatch  # noqa: E402
from core.fanout import Fanout, SocketCapture  # noqa: E402


class RelayConsumer(AsyncJsonWebsocketConsumer):
    """Joins one group; a client's {"broadcast": n, "payload": ...} goes to every member, stamped with the send time.

    The frame is encoded once by the sender and the same text goes to every member, as the room does; ``payload``
    lets the benchmark relay the room's own event frames (same bytes to send, same JSON for clients to parse)."""

    async def connect(self):
        await self.channel_layer.group_add("relay", self.channel_name)
        await self.accept()

    async def disconnect(self, code):
        await self.channel_layer.group_discard("relay", self.channel_name)

    async def receive_json(self, content, **kwargs):
        text = json.dumps({"type": "relay", "n": content.get("broadcast"), "sent": time.time(),
                           "payload": content.get("payload")}, ensure_ascii=False)
        await self.channel_layer.group_send("relay", {"type": "relay.message", "text": text})

    async def relay_message(self, message):
        await self.send(text_data=message["text"])


class LeanRelayConsumer(LeanDispatch, RelayConsumer):
    """The same relay without Channels' per-message hop to its database thread (``core.consumers.LeanDispatch``),
    as the auction hall dispatches: the baseline of bench/auction_hall.py, so both pay the same per-frame cost."""


fanout = Fanout()


class FanoutRelayConsumer(LeanDispatch, RelayConsumer):
    """The same relay with its frames fanned out once per process (``core.fanout``), as the auction hall's are: the
    baseline of bench/auction_hall.py, so both pay the same per-frame cost and the difference is the hall's own."""

    channel_layer_alias = None

    async def connect(self):
        await fanout.join("relay", self)
        await self.accept()
        await fanout.release("relay", self)

    async def disconnect(self, code):
        fanout.leave("relay", self)

    async def receive_json(self, content, **kwargs):
        text = json.dumps({"type": "relay", "n": content.get("broadcast"), "sent": time.time(),
                           "payload": content.get("payload")}, ensure_ascii=False)
        await get_channel_layer().group_send("relay", {"type": "relay.message", "text": text})


application = ProtocolTypeRouter({"websocket": URLRouter([path("ws/relay/", RelayConsumer.as_asgi())])})
lean_application = ProtocolTypeRouter({"websocket": URLRouter([path("ws/relay/", LeanRelayConsumer.as_asgi())])})
fanout_application = ProtocolTypeRouter({"websocket": SocketCapture(URLRouter([
    path("ws/relay/", FanoutRelayConsumer.as_asgi())]))})
