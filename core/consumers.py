"""The server clock over a websocket: every countdown on the platform reads it."""

from channels.generic.websocket import AsyncJsonWebsocketConsumer
from django.utils import timezone


class ClockConsumer(AsyncJsonWebsocketConsumer):
    """Answer each ping with the server time, so a page can compute its offset."""

    async def connect(self):
        await self.accept()
        await self.send_json({"type": "clock", "server_time": timezone.now().isoformat()})

    async def receive_json(self, content, **kwargs):
        await self.send_json(
            {"type": "clock", "server_time": timezone.now().isoformat(), "echo": content.get("t")}
        )
