"""The Daphne process serving a room is SIGKILLed during decryption, restarted, and the opening completes with the
same record as an undisturbed run of the same opening."""

import asyncio
import base64
import os

import pytest
from django.utils import timezone, translation

import sealing
from bidding_room import services
from bidding_room.models import OpeningRecord, OpeningSession, RoomBidder, State
from tests import sealed
from tests.bidding_room.factories import sealed_opening
from tests.bidding_room.live import Client, catalogue_seed, postgres_env, session_cookie
from tests.servers import Daphne
from trading.storage import protected_path

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]
PRICES = ["910000.00", "905000.00", "899000.00", "930000.00"]
OBJECTION = "第三名的工期与投标文件不一致"
ANSWER = "已核对投标文件，工期一致"
BIG = 48 << 20  # bidder 1's envelope: large enough that its decryption is still running when the process dies


def an_opening(tag: str):
    """Four sealed bids; bidder 1's is large. Bidders 0-2 will release their keys, bidder 3 never does.

    The window (30 s with a project minute of 1 s) outlasts a kill, a restart and the redone decryption on a loaded
    machine; bidder 2 must still be inside it when it releases again after the restart.
    """
    names = [f"{tag}{n}建设有限公司" for n in "甲乙丙丁"]
    return sealed_opening(bidders=4, prices=PRICES, names=names, decryption_minutes=30, objection_minutes=600,
                          documents={1: [("施工组织设计.bin", os.urandom(BIG))]})


def content_key(world, i: int) -> str:
    key = sealing.content_key_unwrap(protected_path(world.bids[i].storage_path),
                                     key=sealed.private_keys[world.bidders[i].pk])
    return base64.b64encode(key).decode()


def signature(world, i: int, challenge: str) -> str:
    return base64.b64encode(sealing.signature_sign(sealed.private_keys[world.bidders[i].pk],
                                                   challenge.encode())).decode()


def comparable(record: OpeningRecord, world) -> dict:
    """The record's content without timestamps, bidders named by their position (each run has its own companies)."""
    content = record.content
    who = {person.organisation.name: f"bidder{i}" for i, person in enumerate(world.bidders)}
    return {
        "state": content["state"],
        "table": [{"no": r["no"], "bidder": who[r["bidder"]], "summary": r["summary"]} for r in content["table"]],
        "not_opened": [{"bidder": who[r["bidder"]], "state": r["state"], "reason": r["reason"]}
                       for r in content["not_opened"]],
        "objections": [{"bidder": who[o["bidder"]], "text": o["text"], "answer": o["answer"]}
                       for o in content["objections"]],
        "bidders": [{"bidder": who[b["bidder"]], "decryption": b["decryption"], "signed_in": bool(b["signed_in_at"]),
                     "confirmed": bool(b["confirmed_at"])} for b in content["bidders"]],
        "timeline": [e["kind"] for e in content["timeline"]],
    }


def undisturbed() -> dict:
    """The same opening through the services in this process, nothing killed."""
    world = an_opening("常规")
    with translation.override("zh-hans"):  # the server's language: the EB 31 reason is in the record
        services.session_open_due(session_id=world.session.pk)
        for i, person in enumerate(world.bidders):
            challenge = services.signin_challenge(session=world.session, user=person)
            services.bidder_sign_in(session=world.session, user=person, signature=signature(world, i, challenge))
        services.decryption_start(session=world.session, user=world.agency)
        for i in range(3):
            services.key_release(session=world.session, user=world.bidders[i], content_key=content_key(world, i))
        OpeningSession.objects.filter(pk=world.session.pk).update(decrypt_ends_at=timezone.now())
        services.window_due(session_id=world.session.pk)
        objection = services.objection_raise(session=world.session, user=world.bidders[0], text=OBJECTION)
        services.objection_answer(session=world.session, user=world.agency, objection_id=objection.pk, answer=ANSWER)
        for person in world.bidders[1:3]:
            services.bidder_confirm(session=world.session, user=person)
        services.session_close(session_id=world.session.pk, user=world.agency)
    return comparable(OpeningRecord.objects.get(session=world.session), world)


def decryption_of(world, i: int) -> str:
    return RoomBidder.objects.get(bid=world.bids[i]).decryption


def test_sigkill_during_decryption_then_restart_completes_with_the_same_record(tmp_path, monkeypatch):
    catalogue_seed()
    expected = undisturbed()
    world = an_opening("重启")
    env = {**postgres_env(tmp_path, redis_db_prefix=f"room-restart-{world.session.pk}"),
           "ROOM_WINDOW_MINUTE_SECONDS": "1", "ROOM_STALE_DECRYPTION_SECONDS": "1", "DJANGO_ALLOW_ASYNC_UNSAFE": ""}
    daphne = Daphne(env=env, log_path=tmp_path / "daphne.log")
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")  # short ORM reads between websocket steps
    services.session_open_due(session_id=world.session.pk)
    names = ["host", "b0", "b1", "b2", "b3"]
    people = [world.agency, *world.bidders]
    cookies = {name: session_cookie(person) for name, person in zip(names, people, strict=True)}
    seen_at_kill = {}

    async def connect(clients: dict | None = None) -> dict:
        fresh = {}
        for name in names:
            client = Client(daphne.port, world.session.pk, cookies[name])
            if clients:  # a reconnect carries the last seq seen
                client.events = clients[name].events
            fresh[name] = await client.connect()
        return fresh

    async def before_the_kill() -> dict:
        clients = await connect()
        for i in range(4):
            challenge = await clients[f"b{i}"].command("challenge", f"ch-{i}")
            signed = await clients[f"b{i}"].command("sign_in", f"si-{i}",
                                                    signature=signature(world, i, challenge["result"]["challenge"]))
            assert signed["ok"], signed
        assert (await clients["host"].command("start_decryption", "start"))["ok"]
        assert (await clients["b0"].command("release_key", "rk-0", content_key=content_key(world, 0)))["ok"]
        assert decryption_of(world, 0) == RoomBidder.Decryption.DECRYPTED
        # bidder 1 releases its key; while the platform decrypts its large bid, bidder 2's release waits behind it
        await clients["b1"].ws.send(f'{{"type":"command","id":"rk-1","action":"release_key",'
                                    f'"content_key":"{content_key(world, 1)}"}}')
        await clients["b2"].ws.send(f'{{"type":"command","id":"rk-2","action":"release_key",'
                                    f'"content_key":"{content_key(world, 2)}"}}')
        await clients["b1"].wait(lambda: decryption_of(world, 1) == RoomBidder.Decryption.DECRYPTING, timeout=20)
        daphne.kill()  # SIGKILL, the whole process group
        seen_at_kill.update({i: decryption_of(world, i) for i in range(4)})
        for client in clients.values():
            await client.close()
        return clients

    async def after_the_restart(clients: dict) -> dict:
        clients = await connect(clients)
        try:
            # the sweep finds bidder 1's decryption without a sign of life and runs it again
            await clients["host"].wait(lambda: decryption_of(world, 1) == RoomBidder.Decryption.DECRYPTED, timeout=30)
            if decryption_of(world, 2) == RoomBidder.Decryption.WAITING:  # its command died with the process
                released = await clients["b2"].command("release_key", "rk-2b", content_key=content_key(world, 2))
                assert released["ok"], released
            # bidder 3 never releases: the window ends, EB 31 applies, the table is published
            for client in clients.values():
                await client.wait_kind("confirmation_opened", timeout=70)
            objection = await clients["b0"].command("object", "obj", text=OBJECTION)
            assert objection["ok"], objection
            answered = await clients["host"].command("answer", "ans", objection=objection["result"]["objection"],
                                                     answer=ANSWER)
            assert answered["ok"], answered
            for i in (1, 2):
                assert (await clients[f"b{i}"].command("confirm", f"cf-{i}"))["ok"]
            assert (await clients["host"].command("close", "close"))["ok"]
            for client in clients.values():
                await client.wait_kind("record_published", timeout=30)
            return {name: [(e["seq"], e["kind"]) for e in c.events] for name, c in clients.items()}
        finally:
            for client in clients.values():
                await client.close()

    daphne.start()
    try:
        clients = asyncio.run(before_the_kill())
        assert seen_at_kill[0] == RoomBidder.Decryption.DECRYPTED
        assert seen_at_kill[1] == RoomBidder.Decryption.DECRYPTING  # it died mid-decryption
        assert seen_at_kill[3] == RoomBidder.Decryption.WAITING
        daphne.start()
        logs = asyncio.run(after_the_restart(clients))
    finally:
        daphne.kill()

    assert all(log == logs["host"] for log in logs.values()), logs
    session = OpeningSession.objects.get(pk=world.session.pk)
    assert session.state == State.CLOSED
    assert comparable(OpeningRecord.objects.get(session=session), world) == expected
    assert expected["table"][1]["summary"]["price"] == PRICES[1]
    assert [r["bidder"] for r in expected["not_opened"]] == ["bidder3"]
