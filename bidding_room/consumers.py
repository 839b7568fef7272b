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
import functools
import json
import logging
from dataclasses import dataclass, field

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from accounts.permissions import can
from audit.context import Actor, acting_as
from core.frames import Encoded, now_json, refusal_messages

from . import selectors
from .models import group_for
from .services import command_apply

logger = logging.getLogger(__name__)

# Reads run on the loop's thread pool, each thread with its own connection, so a burst of connects does not queue
# on Channels' single thread-sensitive thread (where commands, and with Celery eager the decryption, run).
read = functools.partial(database_sync_to_async, thread_sensitive=False)


def snapshot_period() -> float:
    return float(getattr(settings, "ROOM_SNAPSHOT_SECONDS", 1.0))


# Snapshots sent between two looks at whether an event is waiting to go out (LiveRooms._send).
SNAPSHOT_SLICE = 50


@dataclass
class RoomSnapshot:
    """Every snapshot variant of one room at one head, each encoded at most once per process.

    ``base`` is set on a *delta*: its observer variant lists only the bidder rows that changed since the snapshot
    at ``base`` (``"delta": true``); a client that holds exactly that snapshot merges them by ``id``."""

    head: tuple
    variants: dict
    encoded: dict = field(default_factory=dict)
    base: tuple | None = None

    def text_for(self, *, audience: str, organisation_id: int | None, now: str) -> str:
        if audience in (selectors.HOST, selectors.OBSERVER):
            key = "observer"
        elif audience == selectors.BIDDER and organisation_id in self.variants["by_org"]:
            key = organisation_id
        else:
            key = "public"
        encoded = self.encoded.get(key)
        if encoded is None:
            encoded = self.encoded[key] = Encoded(selectors.pick_snapshot(
                self.variants, audience=audience, organisation_id=organisation_id))
        return encoded.text(now)

    def covers(self, head: tuple) -> bool:
        """At least as new as ``head`` (last_seq and status_version only grow)."""
        return _covers(self.head, head)

    def delta_since(self, previous: "RoomSnapshot") -> "RoomSnapshot":
        """This snapshot for clients that hold ``previous``: observers get only the bidder rows that changed.

        An observer's full snapshot lists every bidder; sent every period to every observer it was most of the
        room's bytes (69 MB in a 1,000-client opening). Bidders' and the public variants are small: unchanged."""
        before = {row["id"]: row for row in previous.variants["observer"]["bidders"]}
        observer = self.variants["observer"]
        changed = [row for row in observer["bidders"] if before.get(row["id"]) != row]
        return RoomSnapshot(head=self.head, base=previous.head,
                            variants={**self.variants, "observer": {**observer, "bidders": changed, "delta": True}})


def _covers(head: tuple, other: tuple) -> bool:
    return head[0] >= other[0] and head[1] >= other[1]


def _snapshot_read(session_id: int) -> RoomSnapshot:
    head = selectors.session_head(session_id=session_id)  # read first: the variants are at least this new
    return RoomSnapshot(head=head, variants=selectors.snapshots(session_id=session_id))


class LiveRooms:
    """In each process: the clients of each room, one loop per room that sends coalesced snapshots, and the room's
    latest snapshot (read once per change, shared by every client that connects meanwhile).

    Per-bidder changes (sign-in, progress, confirmation) are not broadcast one by one:
    the loop polls the room's head once per period and, when it moved, reads every
    snapshot variant once and hands each local client its own, encoded once per variant.
    Deliveries per period are one per client, whatever the number of bidders changing.
    """

    def __init__(self):
        self.rooms: dict[int, set] = {}
        self.loops: dict[int, asyncio.Task] = {}
        self.latest: dict[int, RoomSnapshot] = {}
        self.locks: dict[int, asyncio.Lock] = {}
        self.events: dict[int, int] = {}  # live event frames sent per room, to let them go before snapshots

    def join(self, consumer) -> None:
        self.rooms.setdefault(consumer.session_id, set()).add(consumer)
        loop = self.loops.get(consumer.session_id)
        if loop is None or loop.done():
            self.loops[consumer.session_id] = asyncio.ensure_future(self._run(consumer.session_id))

    def leave(self, consumer) -> None:
        clients = self.rooms.get(consumer.session_id)
        if clients is not None:
            clients.discard(consumer)

    async def snapshot(self, session_id: int, head: tuple) -> RoomSnapshot:
        """The room's snapshot at ``head`` or newer: from memory, else read once however many clients ask."""
        latest = self.latest.get(session_id)
        if latest is not None and latest.covers(head):
            return latest
        lock = self.locks.setdefault(session_id, asyncio.Lock())
        async with lock:
            latest = self.latest.get(session_id)
            if latest is None or not latest.covers(head):
                latest = self.latest[session_id] = await read(_snapshot_read)(session_id)
            return latest

    def event_arrived(self, session_id: int) -> None:
        """A consumer of the room is sending a live event frame (called from ``room_event``)."""
        self.events[session_id] = self.events.get(session_id, 0) + 1

    async def _send(self, session_id: int, snapshot: RoomSnapshot, delta: RoomSnapshot | None) -> bool:
        """Send ``snapshot`` to each local client of the room; stop (False) as soon as an event arrives.

        Events go first: a snapshot fan-out holds the process's loop for tens of milliseconds per few hundred
        clients, and an event (the published table above all) queued behind it reached the last clients late. The
        loop yields every SNAPSHOT_SLICE sends so that consumers' event handlers run, and gives up the round if one
        did (the event carries the news; the next round sends a newer snapshot)."""
        events = self.events.get(session_id, 0)
        now = now_json()
        for i, consumer in enumerate(list(self.rooms.get(session_id, ()))):
            if i and i % SNAPSHOT_SLICE == 0:
                await asyncio.sleep(0)
                if self.events.get(session_id, 0) != events:
                    return False
            await consumer.send_snapshot(snapshot, now, delta=delta)
        return True

    async def _run(self, session_id: int) -> None:
        last, sent = None, None
        try:
            while self.rooms.get(session_id):
                head = await read(selectors.session_head)(session_id=session_id)
                if last is not None and head[0] != last[0]:
                    # A new event is being fanned out to every client right now and carries the news itself:
                    # let it go first instead of competing with a snapshot to each client (docs "Performance").
                    await asyncio.sleep(snapshot_period() / 2)
                    head = await read(selectors.session_head)(session_id=session_id)
                if head != last:
                    snapshot = await self.snapshot(session_id, head)
                    delta = snapshot.delta_since(sent) if sent is not None and sent.head != snapshot.head else None
                    complete = await self._send(session_id, snapshot, delta)
                    # Cut short by an event: the clients left out get the next snapshot (whole, as they hold
                    # another base); ``last`` stays so that the next round goes out.
                    last, sent = (head if complete else last), snapshot
                await asyncio.sleep(snapshot_period())
        except Exception:
            logger.exception("live snapshots of room %s stopped", session_id)
        finally:
            if self.loops.get(session_id) is asyncio.current_task():
                self.loops.pop(session_id, None)
            if not self.rooms.get(session_id):
                self.rooms.pop(session_id, None)
                self.latest.pop(session_id, None)
                self.locks.pop(session_id, None)
                self.events.pop(session_id, None)


live_rooms = LiveRooms()


class RoomConsumer(AsyncJsonWebsocketConsumer):
    """One client in one room: ``/ws/room/<session id>/?since=N``."""

    async def connect(self):
        self.session_id = int(self.scope["url_route"]["kwargs"]["session_id"])
        self.user = self.scope.get("user")
        since = self._since_param()
        # Join the group before reading the log, so nothing falls between the two; duplicates are dropped by seq.
        self.group = group_for(self.session_id)
        await self.channel_layer.group_add(self.group, self.channel_name)
        entry = await read(selectors.room_entry)(session_id=self.session_id, user=self.user, since=since)
        if entry is None:
            await self.channel_layer.group_discard(self.group, self.channel_name)
            del self.group
            await self.close(code=4403)
            return
        self.audience, self.organisation_id = entry["audience"], entry["organisation_id"]
        await self.accept()
        await self.send_json({"type": "hello", "role": self.audience, "session": self.session_id,
                              "server_time": timezone.now().isoformat()})
        await self.send(text_data=json.dumps({"type": "events", "since": since, "events": entry["events"]},
                                             ensure_ascii=False))
        self.snapshot_head = None
        await self.send_snapshot(await live_rooms.snapshot(self.session_id, entry["head"]), now_json())
        live_rooms.join(self)

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
        events = await read(selectors.events_since)(session_id=self.session_id, seq=seq)
        await self.send(text_data=json.dumps({"type": "events", "since": seq, "events": events}, ensure_ascii=False))

    async def send_snapshot(self, snapshot: RoomSnapshot, now: str, *, delta: RoomSnapshot | None = None) -> None:
        """Send ``snapshot`` unless this client already holds it or a newer one: as ``delta`` when the client holds
        exactly the delta's base, else whole (a client that joined between two periods holds another one)."""
        held = self.snapshot_head
        if held is not None and _covers(held, snapshot.head):
            return
        chosen = delta if delta is not None and held == delta.base else snapshot
        self.snapshot_head = snapshot.head
        try:
            await self.send(text_data=chosen.text_for(audience=self.audience, organisation_id=self.organisation_id,
                                                      now=now))
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
            await self.send_json({"type": "ack", "id": client_id, "ok": False, "errors": refusal_messages(error)})
            return
        await self.send_json({"type": "ack", "id": client_id, "ok": True, "result": result})

    def _apply(self, client_id, action: str, args: dict) -> dict:
        client = self.scope.get("client") or ("", 0)
        actor = Actor(label=self.user.get_username(), source="websocket", ip_address=client[0] or "", user=self.user)
        with acting_as(actor):
            return command_apply(session_id=self.session_id, user=self.user, client_id=client_id, action=action,
                                 args=args)

    async def room_event(self, message):
        live_rooms.event_arrived(self.session_id)
        await self.send(text_data=message["text"])  # encoded once by the sender (machine.event_append)


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
            rows = await read(selectors.board)()
            if rows != last:
                await self.send_json({"type": "board", "rooms": rows, "server_time": timezone.now().isoformat()})
                last = rows
            await asyncio.sleep(snapshot_period() * 2)
