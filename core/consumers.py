"""Websocket furniture of core: the server clock every countdown reads, and a lean dispatch for busy consumers."""

from channels.consumer import get_handler_name
from channels.generic.websocket import AsyncJsonWebsocketConsumer
from django.utils import timezone


class LeanDispatch:
    """Dispatch each message to its handler without Channels' per-message ``aclose_old_connections``.

    Channels (4.x) hops to its single thread-sensitive thread before *every* message a consumer handles, including
    each channel-layer broadcast, to close stale database connections. A hall of 1,000 clients did 1,000 such hops
    per bid, queued on the very thread the bids ran on. A consumer that touches the database only through
    ``database_sync_to_async`` (which closes stale connections itself, in its own thread) does not need it."""

    async def dispatch(self, message):
        handler = getattr(self, get_handler_name(message), None)
        if handler is None:
            raise ValueError(f"No handler for message type {message['type']}")
        await handler(message)


class ClockConsumer(AsyncJsonWebsocketConsumer):
    """Answer each ping with the server time, so a page can compute its offset."""

    async def connect(self):
        await self.accept()
        await self.send_json({"type": "clock", "server_time": timezone.now().isoformat()})

    async def receive_json(self, content, **kwargs):
        await self.send_json(
            {"type": "clock", "server_time": timezone.now().isoformat(), "echo": content.get("t")}
        )
