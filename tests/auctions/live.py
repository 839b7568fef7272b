"""A websocket client of a lot's live hall for tests against real Daphne processes (as static/js/hall.js)."""

import asyncio
import contextlib
import json

import websockets

from tests.bidding_room.live import Client


class HallClient(Client):
    """Applies the hall's events in seq order, asks for what it missed on a gap, remembers acks and warnings."""

    def __init__(self, port: int, lot_id: int, cookie: str | None):
        super().__init__(port, lot_id, cookie)
        self.warnings: list[dict] = []
        self.hello: dict | None = None

    async def connect(self) -> "HallClient":
        headers = {"Cookie": f"sessionid={self.cookie}"} if self.cookie else {}
        self.ws = await websockets.connect(
            f"ws://127.0.0.1:{self.port}/ws/hall/{self.session_id}/?since={self.last_seq}",
            origin=f"http://127.0.0.1:{self.port}", additional_headers=headers, open_timeout=20)
        self.reader = asyncio.ensure_future(self._read())
        return self

    async def _read(self) -> None:
        with contextlib.suppress(websockets.ConnectionClosed):
            async for raw in self.ws:
                message = json.loads(raw)
                kind = message["type"]
                if kind == "hello":
                    self.hello = message
                elif kind == "event":
                    self._accept([message])
                    if message["seq"] > self.last_seq:
                        await self.ws.send(json.dumps({"type": "sync", "since": self.last_seq}))
                elif kind == "events":
                    self._accept(message["events"])
                elif kind == "snapshot":
                    self.snapshot = message
                    if message["seq"] > self.last_seq:
                        await self.ws.send(json.dumps({"type": "sync", "since": self.last_seq}))
                elif kind == "ack":
                    self.acks[message["id"]] = message
                elif kind == "warning":
                    self.warnings.append(message)

    async def bid(self, cid: str, amount: str, timeout: float = 30) -> dict:
        return await self.command("bid", cid, timeout=timeout, amount=amount)

    def bids(self) -> list[tuple[int, str, str]]:
        return [(e["seq"], e["payload"]["bidder_number"], e["payload"]["amount"]) for e in self.events
                if e["kind"] == "bid"]
