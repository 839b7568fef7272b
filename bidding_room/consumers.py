"""Websocket consumers of the opening room and of the regulator's live board. Thin: parse, check, one service call.

Protocol (JSON), see docs/opening-room.md:
  client → server  {"type": "sync", "since": N}
                   {"type": "command", "id": "<client id>", "action": "...", ...arguments}
                   {"type": "ping", "t": ...}
  server → client  {"type": "hello", ...}, {"type": "event", "seq": N, ...}, {"type": "events", "events": [...]},
                   {"type": "snapshot", "seq": N, ...}, {"type": "ack", "id": ..., "ok": bool, ...},
                   {"type": "pong", "server_time": ...}
"""

import asyncio
import logging

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer
from django.conf import settings
from django.core.exceptions import ObjectDoesNotExist, PermissionDenied, ValidationError
from django.utils import timezone

from accounts.permissions import can
from audit.context import Actor, acting_as

from . import selectors
from .models import OpeningSession
from .services import command_apply

logger = logging.getLogger(__name__)


def snapshot_period() -> float:
    return float(getattr(settings, "ROOM_SNAPSHOT_SECONDS", 1.0))


class LiveRooms:
    """In each process: the clients of each room, and one loop per room that sends coalesced snapshots.

    Per-bidder changes (sign-in, progress, confirmation) are not broadcast one by one:
    the loop polls the room's head once per period and, when it moved, reads every
    snapshot variant once and hands each local client its own. Deliveries per period
    are one per client, whatever the number of bidders changing.
    """

    def __init__(self):
        self.rooms: dict[int, set] = {}
        self.loops: dict[int, asyncio.Task] = {}

    def join(self, consumer) -> None:
        self.rooms.setdefault(consumer.session_id, set()).add(consumer)
        loop = self.loops.get(consumer.session_id)
        if loop is None or loop.done():
            self.loops[consumer.session_id] = asyncio.ensure_future(self._run(consumer.session_id))

    def leave(self, consumer) -> None:
        clients = self.rooms.get(consumer.session_id)
        if clients is not None:
            clients.discard(consumer)

    async def _run(self, session_id: int) -> None:
        last = None
        try:
            while self.rooms.get(session_id):
                head = await database_sync_to_async(selectors.session_head)(session_id=session_id)
                if head != last:
                    variants = await database_sync_to_async(selectors.snapshots)(session_id=session_id)
                    for consumer in list(self.rooms.get(session_id, ())):
                        await consumer.send_snapshot(variants)
                    last = head
                await asyncio.sleep(snapshot_period())
        except Exception:
            logger.exception("live snapshots of room %s stopped", session_id)
        finally:
            if not self.rooms.get(session_id):
                self.rooms.pop(session_id, None)
            if self.loops.get(session_id) is asyncio.current_task():
                self.loops.pop(session_id, None)


live_rooms = LiveRooms()


def _errors(error: Exception) -> dict:
    if isinstance(error, ValidationError):
        if hasattr(error, "error_dict"):
            return {field: [str(m) for m in messages] for field, messages in error.message_dict.items()}
        return {"__all__": [str(m) for m in error.messages]}
    return {"__all__": [str(error)]}


class RoomConsumer(AsyncJsonWebsocketConsumer):
    """One client in one room: ``/ws/room/<session id>/?since=N``."""

    async def connect(self):
        self.session_id = int(self.scope["url_route"]["kwargs"]["session_id"])
        self.user = self.scope.get("user")
        found = await database_sync_to_async(self._enter)()
        if found is None:
            await self.close(code=4403)
            return
        self.audience, self.organisation_id, self.group = found
        # Join the group before reading the log, so nothing falls between the two; duplicates are dropped by seq.
        await self.channel_layer.group_add(self.group, self.channel_name)
        await self.accept()
        await self.send_json({"type": "hello", "role": self.audience, "session": self.session_id,
                              "server_time": timezone.now().isoformat()})
        await self._send_since(self._since_param())
        snapshot = await database_sync_to_async(selectors.snapshot_for)(
            session_id=self.session_id, audience=self.audience, organisation_id=self.organisation_id)
        await self.send_json(snapshot)
        live_rooms.join(self)

    def _enter(self):
        try:
            session = OpeningSession.objects.select_related("section__project").get(pk=self.session_id)
        except ObjectDoesNotExist:
            return None
        audience = selectors.room_audience(user=self.user, session=session)
        if audience is None:
            return None
        organisation_id = getattr(self.user, "organisation_id", None) if audience == selectors.BIDDER else None
        return audience, organisation_id, session.group

    def _since_param(self) -> int:
        query = self.scope.get("query_string", b"").decode()
        for part in query.split("&"):
            if part.startswith("since="):
                try:
                    return max(0, int(part[6:]))
                except ValueError:
                    return 0
        return 0

    async def disconnect(self, code):
        if hasattr(self, "group"):
            live_rooms.leave(self)
            await self.channel_layer.group_discard(self.group, self.channel_name)

    async def _send_since(self, seq: int) -> None:
        events = await database_sync_to_async(selectors.events_since)(session_id=self.session_id, seq=seq)
        await self.send_json({"type": "events", "since": seq, "events": events})

    async def send_snapshot(self, variants: dict) -> None:
        try:
            await self.send_json(selectors.pick_snapshot(variants, audience=self.audience,
                                                         organisation_id=self.organisation_id))
        except Exception:
            logger.debug("snapshot to a closing client dropped", exc_info=True)

    async def receive_json(self, content, **kwargs):
        kind = content.get("type") if isinstance(content, dict) else None
        if kind == "sync":
            try:
                since = int(content.get("since", 0))
            except (TypeError, ValueError):
                since = 0
            await self._send_since(since)
        elif kind == "ping":
            await self.send_json({"type": "pong", "server_time": timezone.now().isoformat(), "echo": content.get("t")})
        elif kind == "command":
            await self._command(content)
        else:
            await self.send_json({"type": "error", "errors": {"type": ["Send sync, ping or command messages."]}})

    async def _command(self, content: dict) -> None:
        client_id = content.get("id")
        if self.audience in (selectors.PUBLIC, selectors.OBSERVER):
            await self.send_json({"type": "ack", "id": client_id, "ok": False,
                                  "errors": {"__all__": ["This view is read-only."]}})
            return
        args = {k: v for k, v in content.items() if k not in ("type", "id", "action")}
        try:
            result = await database_sync_to_async(self._apply)(client_id, str(content.get("action", "")), args)
        except (ValidationError, PermissionDenied) as error:
            await self.send_json({"type": "ack", "id": client_id, "ok": False, "errors": _errors(error)})
            return
        await self.send_json({"type": "ack", "id": client_id, "ok": True, "result": result})

    def _apply(self, client_id, action: str, args: dict) -> dict:
        client = self.scope.get("client") or ("", 0)
        actor = Actor(label=self.user.get_username(), source="websocket", ip_address=client[0] or "", user=self.user)
        with acting_as(actor):
            return command_apply(session_id=self.session_id, user=self.user, client_id=client_id, action=action,
                                 args=args)

    async def room_event(self, message):
        await self.send_json(message["event"])


class BoardConsumer(AsyncJsonWebsocketConsumer):
    """The regulator's live board (开评标全监控): every room in progress, its state and alerts."""

    async def connect(self):
        user = self.scope.get("user")
        if not can(user, "bidding_room.board"):
            await self.close(code=4403)
            return
        await self.accept()
        self.loop = asyncio.ensure_future(self._run())

    async def disconnect(self, code):
        loop = getattr(self, "loop", None)
        if loop is not None:
            loop.cancel()

    async def _run(self) -> None:
        last = None
        while True:
            rows = await database_sync_to_async(selectors.board)()
            if rows != last:
                await self.send_json({"type": "board", "rooms": rows, "server_time": timezone.now().isoformat()})
                last = rows
            await asyncio.sleep(snapshot_period() * 2)
