"""Helpers for tests against real Daphne processes: environments, log-in cookies, websocket clients."""

import asyncio
import contextlib
import json
import os

import websockets
from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.contrib.sessions.backends.db import SessionStore
from django.db import connection


def session_cookie(user) -> str:
    """A log-in session for ``user`` stored in the shared database (what the log-in form would leave)."""
    store = SessionStore()
    store[SESSION_KEY] = str(user.pk)
    store[BACKEND_SESSION_KEY] = settings.AUTHENTICATION_BACKENDS[0]
    store[HASH_SESSION_KEY] = user.get_session_auth_hash()
    store.create()
    return store.session_key


def logged_in_page(browser, user, **context_options):
    """A new Chromium page signed in as ``user`` (its own browser context, so several people can act side by side)."""
    context = browser.new_context(**context_options)
    context.add_cookies([{"name": "sessionid", "value": session_cookie(user), "domain": "127.0.0.1", "path": "/"}])
    return context.new_page()


def postgres_env(tmp_path, *, redis_db_prefix: str) -> dict[str, str]:
    """Daphne on pytest's own test database and Redis, the sweeps in-process, files where the tests put them."""
    db = connection.settings_dict
    url = f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"
    return {
        "DATABASE_URL": url,
        "REDIS_URL": os.environ["REDIS_URL"],
        "CHANNEL_PREFIX": redis_db_prefix,
        "CELERY_EAGER": "1",
        "EMBEDDED_SCHEDULER": "1",
        "SUNSHINE_VAR_DIR": str(tmp_path / "var"),
        "SUNSHINE_PROTECTED_ROOT": str(settings.PROTECTED_ROOT),
        "ROOM_SNAPSHOT_SECONDS": "0.3",
        "LOG_LEVEL": "WARNING",
    }


def snapshot_merge(held: dict | None, message: dict) -> dict:
    """As room.js: a "delta" snapshot's bidder rows replace the held ones with the same id."""
    if message.get("delta") and held and "bidders" in held and "bidders" in message:
        rows = {row["id"]: row for row in held["bidders"]}
        rows.update({row["id"]: row for row in message["bidders"]})
        return {**message, "delta": False, "bidders": [rows[k] for k in sorted(rows)]}
    return message


class Client:
    """One websocket client of a room that applies events in seq order, as static/js/room.js does."""

    def __init__(self, port: int, session_id: int, cookie: str | None):
        self.port = port
        self.session_id = session_id
        self.cookie = cookie
        self.events: list[dict] = []
        self.acks: dict[str, dict] = {}
        self.snapshot: dict | None = None
        self.ws = None
        self.reader: asyncio.Task | None = None

    @property
    def last_seq(self) -> int:
        return self.events[-1]["seq"] if self.events else 0

    async def connect(self) -> "Client":
        headers = {"Cookie": f"sessionid={self.cookie}"} if self.cookie else {}
        self.ws = await websockets.connect(
            f"ws://127.0.0.1:{self.port}/ws/room/{self.session_id}/?since={self.last_seq}",
            origin=f"http://127.0.0.1:{self.port}", additional_headers=headers, open_timeout=20)
        self.reader = asyncio.ensure_future(self._read())
        return self

    async def _read(self) -> None:
        with contextlib.suppress(websockets.ConnectionClosed):
            async for raw in self.ws:
                message = json.loads(raw)
                kind = message["type"]
                if kind == "event":
                    self._accept([message])
                elif kind == "events":
                    self._accept(message["events"])
                elif kind == "snapshot":
                    self.snapshot = snapshot_merge(self.snapshot, message)
                    if message["seq"] > self.last_seq:
                        await self.ws.send(json.dumps({"type": "sync", "since": self.last_seq}))
                elif kind == "ack":
                    self.acks[message["id"]] = message

    def _accept(self, events: list[dict]) -> None:
        for event in sorted(events, key=lambda e: e["seq"]):
            if event["seq"] == self.last_seq + 1:
                self.events.append(event)

    async def command(self, action: str, cid: str, timeout: float = 30, **args) -> dict:
        await self.ws.send(json.dumps({"type": "command", "id": cid, "action": action, **args}))
        return await self.wait(lambda: self.acks.get(cid), timeout=timeout)

    async def wait(self, check, timeout: float = 30):
        for _ in range(int(timeout * 20)):
            value = check()
            if value:
                return value
            await asyncio.sleep(0.05)
        raise TimeoutError(f"gave up waiting after {timeout}s; events so far: {[e['kind'] for e in self.events]}")

    async def wait_kind(self, kind: str, timeout: float = 30) -> dict:
        return await self.wait(lambda: next((e for e in self.events if e["kind"] == kind), None), timeout=timeout)

    async def close(self) -> None:
        if self.ws is not None:
            await self.ws.close()
        if self.reader is not None:
            with contextlib.suppress(Exception):
                await self.reader


def catalogue_seed() -> None:
    """The credit catalogue of the data migration, again: a transactional test before this one flushed it, and EB 31
    records a credit event from it."""
    import importlib

    from django.apps import apps

    importlib.import_module("credit.migrations.0002_seed_catalogue").seed(apps, None)
