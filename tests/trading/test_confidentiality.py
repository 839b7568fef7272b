"""Before the bid deadline nobody but the bidder itself learns who registered, downloaded the documents or bid, or
how many (DOMAIN.md "Submission", EB 23/24): walk every page, API answer, export, back-office list and room frame
each role can reach, and look for any bidder's name, credit code or user name, and for the counts' labels."""

import asyncio
import contextlib
import datetime as dt
import json

import pytest
import websockets
from asgiref.sync import sync_to_async
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone

from accounts.models import Role
from audit.models import AuditEvent
from bidding_room import services as room
from tests import factories
from tests.bidding_room.factories import bid_for, opening
from tests.bidding_room.live import postgres_env, session_cookie
from tests.servers import Daphne
from trading.models import Project

from .conftest import create_project, deadline_passes, join_and_bid, transition

pytestmark = pytest.mark.django_db

# What shows a count or a list of participants, in English (the walk asks for English pages)
COUNT_LABELS = ("Valid bids", "Downloads of the tender documents", "commitment signed", "commitment not signed",
                '"downloads"')


def pages_for(pid: int, sid: int, doc: int) -> list[str]:
    return [
        "/", "/announcements/", f"/projects/{pid}/", "/trading/desk/", "/accounts/dashboard/", "/opening/",
        "/opening/board/", "/statistics/", "/statistics/export.csv", "/complaints/", f"/complaints/project/{pid}/",
        "/supervision/", "/audit/checkpoints/", "/opendata/",
        f"/api/trading/projects/{pid}/", "/api/trading/projects/", f"/api/trading/projects/{pid}/downloads/",
        f"/api/trading/sections/{sid}/registrations/", f"/api/trading/projects/{pid}/history/",
        f"/api/trading/projects/{pid}/opening-key/", "/api/trading/announcements/", "/api/stats/statistics/",
        f"/api/supervision/projects/{pid}/complaints/", "/api/opendata/releases/", "/api/audit/checkpoints/",
        "/admin/", "/admin/trading/bid/", "/admin/trading/registration/", "/admin/audit/auditevent/",
        "/admin/trading/project/",
    ]


@pytest.fixture
def tender(world):
    """A published project a day before its deadline: three bidders downloaded, registered, signed and bid."""
    project = create_project(world, seconds=86400)
    assert transition(world, world.agency, project["id"], "published").status_code == 200
    pid, sid = project["id"], project["sections"][0]["id"]
    doc = world.api(world.agency).post(f"/api/trading/projects/{pid}/documents/",
                                       {"file": SimpleUploadedFile("招标文件.pdf", b"%PDF tender")},
                                       format="multipart").json()["id"]
    bidders = world.bidders[:3]
    for bidder in bidders:
        assert world.api(bidder).get(f"/api/trading/documents/{doc}/download/").status_code == 200
        assert join_and_bid(world, bidder, sid).status_code == 201
    return pid, sid, doc, bidders


def secrets_of(bidders) -> list[str]:
    found = []
    for bidder in bidders:
        found += [bidder.organisation.name, bidder.organisation.credit_code, bidder.username]
    return found


def walk(user, urls) -> dict[str, str]:
    client = Client()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    if user is not None:
        client.force_login(user)
    seen = {}
    for url in urls:
        response = client.get(url, HTTP_ACCEPT="application/json, text/html")
        body = b"".join(response.streaming_content) if response.streaming else response.content
        seen[url] = f"{response.status_code} " + body.decode("utf-8", "replace")
    return seen


def leaks(seen: dict[str, str], secrets: list[str], labels=COUNT_LABELS) -> list[str]:
    return [f"{url}: {text}" for url, page in seen.items() for text in (*secrets, *labels) if text in page]


def test_before_the_deadline_no_role_but_the_bidder_sees_who_bids_or_how_many(world, tender):
    pid, sid, doc, bidders = tender
    official = factories.user(role=Role.OFFICIAL)
    expert = factories.user(role=Role.EXPERT)
    admin = world.officer
    admin.is_staff = admin.is_superuser = True
    admin.save()
    urls = pages_for(pid, sid, doc)
    secrets = secrets_of(bidders)
    for who in (None, world.tenderer, world.agency, world.outsider_agency, world.bidders[4], world.regulator,
                official, admin, expert):
        found = leaks(walk(who, urls), secrets)
        assert found == [], f"{getattr(who, 'role', 'anonymous')} learns: {found[:3]}"
    # Each bidder sees itself (and only itself)
    for bidder in bidders:
        others = secrets_of([b for b in bidders if b != bidder])
        seen = walk(bidder, urls)
        assert leaks(seen, others, labels=()) == []  # its own registration it sees, nobody else's
        assert "commitment signed" in seen[f"/projects/{pid}/"]  # its own registration, on its own side of the page


def test_the_walk_would_see_them_after_the_deadline(world, tender):
    """The walk is not blind: once the deadline passed, the parties do see who took part."""
    pid, sid, doc, bidders = tender
    deadline_passes(pid)
    seen = walk(world.agency, [f"/projects/{pid}/", f"/api/trading/sections/{sid}/registrations/"])
    assert all(b.organisation.name in seen[f"/projects/{pid}/"] for b in bidders)
    assert leaks(seen, secrets_of(bidders))


def test_the_regulator_looks_early_only_through_the_audited_supervision_view(world, tender):
    pid, sid, doc, bidders = tender
    client = Client()
    client.force_login(world.regulator)
    url = f"/supervision/projects/{pid}/participation/"
    assert all(b.organisation.name not in client.get(url).content.decode() for b in bidders)
    refused = client.post(url, {"reason": " "}).content.decode()
    assert "Give the reason" in refused and not AuditEvent.objects.filter(
        action="supervision.participation.view").exists()
    page = client.post(url, {"reason": "投诉 TS-2026-001 调查"}).content.decode()
    assert all(b.organisation.name in page for b in bidders)
    event = AuditEvent.objects.get(action="supervision.participation.view")
    assert event.payload["reason"] == "投诉 TS-2026-001 调查" and event.payload["bids"] == 3
    for other in (world.agency, world.tenderer):
        other_client = Client()
        other_client.force_login(other)
        assert other_client.post(url, {"reason": "想看看"}).status_code == 403


# Opening-room frames (websockets through a real Daphne) ---------------------------------------------------------

COUNT_KEYS = ("bidders", "received", "bids", "signed_in", "released", "decrypted", "failed", "confirmed", "n",
              "signed")


def counted(frame) -> list[str]:
    """Where a frame tells how many took part or lists them: a count key above zero, or a non-empty list."""
    found = []
    if isinstance(frame, dict):
        for key, value in frame.items():
            if key in COUNT_KEYS and (isinstance(value, int) and not isinstance(value, bool) and value > 0
                                      or isinstance(value, list) and value):
                found.append(f"{key}={value!r}")
            found += counted(value)
    elif isinstance(frame, list):
        for value in frame:
            found += counted(value)
    return found


class Listener:
    """One websocket of the opening room (or the regulator's board) that keeps every frame as it came."""

    def __init__(self, port: int, path: str, cookie: str | None):
        self.port, self.path, self.cookie = port, path, cookie
        self.frames: list[str] = []
        self.refused = False

    async def open(self) -> "Listener":
        headers = {"Cookie": f"sessionid={self.cookie}"} if self.cookie else {}
        try:
            self.ws = await websockets.connect(f"ws://127.0.0.1:{self.port}{self.path}",
                                               origin=f"http://127.0.0.1:{self.port}", additional_headers=headers,
                                               open_timeout=20)
        except websockets.InvalidStatus:
            self.refused, self.ws = True, None
            return self
        self.reader = asyncio.ensure_future(self._read())
        return self

    async def _read(self) -> None:
        with contextlib.suppress(websockets.ConnectionClosed):
            async for raw in self.ws:
                self.frames.append(raw)

    async def settled(self) -> None:
        """Every frame the server sent before this call has arrived (a room answers a ping after them; the board,
        which takes no messages, has sent its first frame)."""
        if self.ws is None or self.reader.done():
            return
        if self.path == "/ws/board/":
            await self.until(lambda: self.frames)
            return
        mark = f"settled-{len(self.frames)}"
        await self.ws.send(json.dumps({"type": "ping", "t": mark}))
        await self.until(lambda: any(mark in f for f in self.frames) or self.reader.done())

    async def until(self, check, timeout: float = 30) -> None:
        for _ in range(int(timeout * 20)):
            if check():
                return
            await asyncio.sleep(0.05)
        raise TimeoutError(f"{self.path}: gave up after {timeout}s; frames: {self.frames[-3:]}")

    async def close(self) -> None:
        if self.ws is not None:
            await self.ws.close()
            with contextlib.suppress(Exception):
                await self.reader


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_before_the_deadline_no_opening_room_frame_names_a_bidder_or_counts_them(tmp_path):
    # given a room scheduled for a deadline an hour away, three bidders with bids and one still to bid, and every
    # role that may look into it (the host agency, the tenderer, a regulator, an official, an admin) or may not
    world = opening(bidders=4, bids=False, deadline=timezone.now() + dt.timedelta(hours=1))
    for person in world.bidders[:3]:
        world.bids.append(bid_for(world.section, person))
    late, stranger = world.bidders[3], factories.user(role=Role.BIDDER)
    admin = factories.user(role=Role.ADMIN)
    admin.is_staff = admin.is_superuser = True
    admin.save()
    onlookers = {"agency (host)": world.agency, "tenderer": world.tenderer, "regulator": world.regulator,
                 "official": factories.user(role=Role.OFFICIAL), "admin": admin, "bidder without a bid": stranger,
                 "anonymous": None}
    cookies = {name: session_cookie(user) if user else None for name, user in onlookers.items()}
    bidder_cookies = {person.pk: session_cookie(person) for person in world.bidders}
    room_path = f"/ws/room/{world.session.pk}/"

    with Daphne(env=postgres_env(tmp_path, redis_db_prefix=f"confidential-room-{world.session.pk}"),
                log_path=tmp_path / "daphne.log") as daphne:
        async def watch():
            listeners = {name: await Listener(daphne.port, room_path, cookie).open()
                         for name, cookie in cookies.items()}
            listeners["regulator's board"] = await Listener(daphne.port, "/ws/board/", cookies["regulator"]).open()
            own = {person.pk: await Listener(daphne.port, room_path, bidder_cookies[person.pk]).open()
                   for person in world.bidders[:3]}
            try:
                # when the fourth bidder bids while they all look, and every frame sent so far has arrived
                await sync_to_async(bid_for)(world.section, late)
                await asyncio.sleep(1.0)  # a few snapshot periods (0.3 s): the room's live loop had its chances
                for listener in (*listeners.values(), *own.values()):
                    await listener.settled()
            finally:
                for listener in (*listeners.values(), *own.values()):
                    await listener.close()
            return listeners, own

        listeners, own = asyncio.run(watch())
        # then no onlooker's frame names a bidder or tells how many there are
        secrets = secrets_of(world.bidders)
        for name, listener in listeners.items():
            found = [s for frame in listener.frames for s in secrets if s in frame]
            found += [c for frame in listener.frames for c in counted(json.loads(frame))]
            assert found == [], f"{name} learns {found[:3]} from the opening room"
        assert listeners["regulator"].frames and listeners["regulator's board"].frames  # they did get frames
        assert listeners["bidder without a bid"].refused and listeners["anonymous"].refused
        # and each bidder sees no other bidder and no count either
        for person, listener in zip(world.bidders[:3], own.values(), strict=True):
            others = secrets_of([b for b in world.bidders if b != person])
            found = [s for frame in listener.frames for s in others if s in frame]
            found += [c for frame in listener.frames for c in counted(json.loads(frame))]
            assert listener.frames and found == [], f"a bidder learns {found[:3]} from the opening room"

        # and the same listeners are not blind: once the deadline passed and the room opened, the observers see who
        # took part and how many
        opening_due = world.session
        opening_due.opens_at = timezone.now() - dt.timedelta(seconds=1)
        opening_due.save(update_fields=["opens_at"])
        Project.objects.filter(pk=world.project.pk).update(
            bid_deadline=timezone.now() - dt.timedelta(seconds=1))
        room.session_open_due(session_id=world.session.pk)

        async def after():
            regulator = await Listener(daphne.port, room_path, cookies["regulator"]).open()
            await regulator.until(lambda: any(world.bidders[0].organisation.name in f for f in regulator.frames))
            await regulator.close()
            return regulator

        regulator = asyncio.run(after())
    assert any(counted(json.loads(frame)) for frame in regulator.frames)
