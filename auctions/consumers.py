"""The live hall of a lot (限时竞价 / 拍卖) over websockets. Thin: parse, check, one service call.

Protocol (JSON), see docs/auctions.md "The live hall":
  client → server  {"type": "sync", "since": N}, {"type": "ping", "t": ...},
                   {"type": "command", "id": "<client id>", "action": "bid", "amount": "12300000"}
  server → client  {"type": "hello", ...}, {"type": "events", "events": [...]}, {"type": "event", "seq": N, ...},
                   {"type": "snapshot", ...}, {"type": "ack", "id": ..., "ok": bool, "result"|"errors": ...},
                   {"type": "warning", "remaining": s, "live_ends_at": ...}, {"type": "pong", "server_time": ...}
"""

import asyncio
import datetime as dt
import functools
import json
import logging
from concurrent.futures import ThreadPoolExecutor

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from audit.context import Actor, acting_as
from core.consumers import LeanDispatch
from core.fanout import Fanout
from core.frames import refusal_messages

from . import rules, selectors, signin
from .models import Lot, Sale, hall_group
from .services import BidCommand, command_check, commands_apply, lot_advance

logger = logging.getLogger(__name__)

read = functools.partial(database_sync_to_async, thread_sensitive=False)
BATCH_MAX = 50  # bids applied in one transaction at most
# The lots' batches of bids run on threads of their own, not behind the checks and connects of the default pool
# (where a batch of a bidding war waited for a free thread). One batch per lot at a time (LiveHalls._apply).
BATCH_THREADS = ThreadPoolExecutor(max_workers=4, thread_name_prefix="hall-bids")
BATCH_ATTEMPTS = 3  # a batch that failed on the database (a race with another process) is tried again


def tick_seconds() -> float:
    return float(getattr(settings, "AUCTIONS_HALL_TICK_SECONDS", 1.0))


def warning_marks() -> list[int]:
    """Seconds before the end at which the hall warns (the last minute: 60, 30, 10 by default)."""
    window = int(rules.warning_window().total_seconds())
    return sorted({m for m in (window, 30, 10) if m <= window}, reverse=True)


class LiveHalls:
    """In each process: the local clients of each lot and one clock loop per lot.

    The loop reads the lot's head once per tick. When the record says the countdown is over it takes the step
    itself (``lot_advance``, idempotent under the lot's lock, so several processes may race for it harmlessly);
    it sends the warnings of the last minute, each once per countdown end, from the server's clock."""

    def __init__(self):
        self.halls: dict[int, set] = {}
        self.loops: dict[int, asyncio.Task] = {}
        self.bids: dict[int, list[tuple[BidCommand, asyncio.Future]]] = {}
        self.appliers: dict[int, asyncio.Task] = {}

    async def bid(self, lot_id: int, command: BidCommand):
        """Apply ``command`` with every other bid for the lot waiting in this process (group commit): one task per lot
        takes all that wait, applies them in one transaction (``commands_apply``, in arrival order, under the lot's
        lock) and answers each once it has committed. Returns the result or the refusal."""
        answer = asyncio.get_running_loop().create_future()
        self.bids.setdefault(lot_id, []).append((command, answer))
        applier = self.appliers.get(lot_id)
        if applier is None or applier.done():
            self.appliers[lot_id] = asyncio.ensure_future(self._apply(lot_id))
        return await answer

    async def _apply(self, lot_id: int) -> None:
        try:
            while self.bids.get(lot_id):
                waiting = self.bids[lot_id]
                batch, waiting[:] = waiting[:BATCH_MAX], waiting[BATCH_MAX:]
                answers = await self._batch(lot_id, [command for command, _ in batch])
                for (_, future), answer in zip(batch, answers, strict=True):
                    if not future.done():
                        future.set_result(answer)
        finally:
            if self.appliers.get(lot_id) is asyncio.current_task():
                self.appliers.pop(lot_id, None)
            if not self.bids.get(lot_id):
                self.bids.pop(lot_id, None)

    @staticmethod
    async def _batch(lot_id: int, commands: list[BidCommand]) -> list:
        for attempt in range(1, BATCH_ATTEMPTS + 1):
            try:
                return await database_sync_to_async(commands_apply, thread_sensitive=False, executor=BATCH_THREADS)(
                    lot_id=lot_id, commands=commands)
            except Exception:
                # Rolled back whole (nothing applied): e.g. the same command id committed meanwhile (a retry sent
                # while the first was under way; the next attempt answers it as a retry), or the database went away.
                logger.exception("bids for lot %s failed (attempt %s of %s)", lot_id, attempt, BATCH_ATTEMPTS)
        failed = ValidationError(_("Your bid could not be recorded; nothing was changed. Send it again (the same "
                                   "command id is applied at most once)."))
        return [failed] * len(commands)

    def join(self, consumer) -> None:
        self.halls.setdefault(consumer.lot_id, set()).add(consumer)
        loop = self.loops.get(consumer.lot_id)
        if loop is None or loop.done():
            self.loops[consumer.lot_id] = asyncio.ensure_future(self._run(consumer.lot_id))

    def leave(self, consumer) -> None:
        clients = self.halls.get(consumer.lot_id)
        if clients is not None:
            clients.discard(consumer)

    async def _run(self, lot_id: int) -> None:
        warned: set[tuple] = set()
        try:
            while self.halls.get(lot_id):
                head = await read(selectors.lot_head)(lot_id=lot_id)
                if head is None:
                    return
                now = timezone.now()
                live = head["state"] == Lot.State.LIVE and head["sale__state"] == Sale.State.ANNOUNCED
                if live and head["live_ends_at"] <= now:
                    await read(lot_advance)(lot_id=lot_id)
                elif live:
                    remaining = (head["live_ends_at"] - now).total_seconds()
                    for mark in warning_marks():
                        key = (head["live_ends_at"], mark)
                        if remaining <= mark and key not in warned:
                            warned.add(key)
                            await self._send_all(lot_id, {
                                "type": "warning", "remaining": round(remaining), "mark": mark,
                                "live_ends_at": head["live_ends_at"].isoformat(),
                                "server_time": now.isoformat(),
                                "text": _("%(s)d seconds left before the countdown ends.") % {"s": mark}})
                            break
                elif head["sale__state"] == Sale.State.ANNOUNCED and (
                        (head["state"] == Lot.State.WAITING and head["sale__starts_at"] <= now)
                        or (head["state"] == Lot.State.LISTING and head["sale__listing_ends_at"] <= now)):
                    await read(lot_advance)(lot_id=lot_id)
                await asyncio.sleep(self._pause(head, now))
        except Exception:
            logger.exception("the clock of hall %s stopped", lot_id)
        finally:
            if self.loops.get(lot_id) is asyncio.current_task():
                self.loops.pop(lot_id, None)
            if not self.halls.get(lot_id):
                self.halls.pop(lot_id, None)

    @staticmethod
    def _pause(head: dict, now: dt.datetime) -> float:
        """A tick, or less when the countdown ends sooner (the close then comes within a few ms of its time)."""
        tick = tick_seconds()
        if head["state"] == Lot.State.LIVE and head["live_ends_at"] is not None:
            left = (head["live_ends_at"] - now).total_seconds()
            if 0 < left < tick:
                return left + 0.01
        return tick

    async def _send_all(self, lot_id: int, message: dict) -> None:
        await fanout.write(hall_group(lot_id), json.dumps(message, ensure_ascii=False))


live_halls = LiveHalls()
fanout = Fanout()  # the hall's frames: one subscription per lot and process, each frame framed once


class HallConsumer(LeanDispatch, AsyncJsonWebsocketConsumer):
    """One client in one lot's hall: ``/ws/hall/<lot id>/?since=N``. Anyone may watch; bidders with a 竞买号 bid.

    It has no channel of its own: the lot's frames reach it through the process's ``fanout``."""

    channel_layer_alias = None

    async def connect(self):
        self.lot_id = int(self.scope["url_route"]["kwargs"]["lot_id"])
        self.user = self.scope.get("user")
        since = self._since_param()
        # Join the group before reading the log, so nothing falls between the two: the frames that arrive meanwhile
        # are held and follow the catch-up (duplicates are dropped by seq).
        self.group = hall_group(self.lot_id)
        await fanout.join(self.group, self)
        entry = await read(selectors.hall_entry)(lot_id=self.lot_id, user=self.user, since=since)
        if entry is None:
            fanout.leave(self.group, self)
            del self.group
            await self.close(code=4404)
            return
        self.audience = entry["audience"]
        # Where the sale requires certificates, a bidder signs this connection's challenge before it bids.
        self.challenge, self.signed_in = "", True
        if self.audience == selectors.BIDDER and await read(signin.sign_in_required)(lot_id=self.lot_id):
            self.challenge = signin.challenge_new(lot_id=self.lot_id, bidder_number=entry["bidder_number"])
            self.signed_in = False
        await self.accept()
        await self.send_json({"type": "hello", "role": self.audience, "lot": self.lot_id,
                              "bidder_number": entry["bidder_number"], "server_time": timezone.now().isoformat(),
                              "countdown_seconds": rules.countdown().total_seconds(),
                              "warning_seconds": rules.warning_window().total_seconds(),
                              **({"sign_in": {"challenge": self.challenge}} if self.challenge else {})})
        await self.send(text_data=json.dumps({"type": "events", "since": since, "events": entry["events"]},
                                             ensure_ascii=False))
        await self.send(text_data=json.dumps(entry["snapshot"], ensure_ascii=False))
        await fanout.release(self.group, self)
        live_halls.join(self)

    def _since_param(self) -> int:
        for part in self.scope.get("query_string", b"").decode().split("&"):
            if part.startswith("since="):
                try:
                    return max(0, int(part[6:]))
                except ValueError:
                    return 0
        return 0

    async def disconnect(self, code):
        if hasattr(self, "group"):
            live_halls.leave(self)
            fanout.leave(self.group, self)

    async def receive_json(self, content, **kwargs):
        kind = content.get("type") if isinstance(content, dict) else None
        if kind == "sync":
            try:
                since = max(0, int(content.get("since", 0)))
            except (TypeError, ValueError):
                since = 0
            events = await read(selectors.events_since)(lot_id=self.lot_id, seq=since)
            await self.send(text_data=json.dumps({"type": "events", "since": since, "events": events},
                                                 ensure_ascii=False))
        elif kind == "ping":
            await self.send_json({"type": "pong", "server_time": timezone.now().isoformat(), "echo": content.get("t")})
        elif kind == "command":
            await self._command(content)
        elif kind == "sign_in":
            await self._sign_in(content)
        else:
            await self.send_json({"type": "error", "errors": {"type": [_("Send sync, ping or command messages.")]}})

    async def _sign_in(self, content: dict) -> None:
        """The certificate challenge of this connection, signed (auctions.signin)."""
        if not self.challenge:
            await self.send_json({"type": "signed_in", "ok": True})  # nothing to prove here
            return
        try:
            await database_sync_to_async(self._sign_in_check)(content.get("signature"))
        except (ValidationError, PermissionDenied) as error:
            await self.send_json({"type": "signed_in", "ok": False, "errors": refusal_messages(error)})
            return
        self.signed_in = True
        await self.send_json({"type": "signed_in", "ok": True})

    def _sign_in_check(self, signature) -> None:
        client = self.scope.get("client") or ("", 0)
        actor = Actor(label=self.user.get_username(), source="websocket", ip_address=client[0] or "", user=self.user)
        with acting_as(actor), transaction.atomic():
            signin.signature_check(user=self.user, text=self.challenge, signature=signature, what="sign_in")

    async def _command(self, content: dict) -> None:
        client_id = content.get("id")
        if self.audience != selectors.BIDDER:
            await self.send_json({"type": "ack", "id": client_id, "ok": False,
                                  "errors": {"__all__": [_("Only a bidder of this lot bids; this view is read-only.")]},
                                  })
            return
        if not self.signed_in:
            await self.send_json({"type": "ack", "id": client_id, "ok": False, "errors": {"certificate": [_(
                "Sign in to the hall with your certificate first: this sale requires it before bidding.")]}})
            return
        if content.get("action") != "bid":
            await self.send_json({"type": "ack", "id": client_id, "ok": False,
                                  "errors": {"action": [_("The hall takes one command: bid.")]}})
            return
        amount = content.get("amount")
        try:
            # A retry's first answer, or a bid already beaten, is answered from one read without the lot's lock;
            # the others are applied with the bids waiting beside them, committed before the acknowledgement is
            # sent: an accepted bid is never lost.
            answer = await read(command_check)(lot_id=self.lot_id, user=self.user, client_id=client_id,
                                               amount=amount)
            if not isinstance(answer, dict):
                client = self.scope.get("client") or ("", 0)
                actor = Actor(label=self.user.get_username(), source="websocket", ip_address=client[0] or "",
                              user=self.user)
                answer = await live_halls.bid(self.lot_id, BidCommand(user=self.user, client_id=client_id,
                                                                      amount=amount, actor=actor, application=answer))
            if isinstance(answer, Exception):
                raise answer
        except (ValidationError, PermissionDenied) as error:
            await self.send_json({"type": "ack", "id": client_id, "ok": False, "errors": refusal_messages(error)})
            return
        await self.send_json({"type": "ack", "id": client_id, "ok": True, "result": answer})
