"""The room served by real Daphne processes: the embedded default opening at the deadline, two processes sharing one
room through Redis for a whole opening."""

import asyncio
import base64
import subprocess
import sys

import pytest

import sealing
from bidding_room import services
from bidding_room.models import OpeningSession, State
from tests import sealed
from tests.bidding_room.factories import sealed_opening
from tests.bidding_room.live import Client, postgres_env, session_cookie
from tests.servers import ROOT, Daphne, embedded_env, manage
from trading.storage import protected_path

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]

CREATE = """
import datetime as dt
from django.utils import timezone
from tests.bidding_room.factories import opening
from tests.bidding_room.live import session_cookie
world = opening(bidders=3, deadline=timezone.now() + dt.timedelta(seconds=4))
print(world.session.pk, session_cookie(world.regulator))
"""


def test_a_room_opens_by_itself_at_its_deadline_on_the_embedded_default(tmp_path):
    # given the embedded default (SQLite, no Redis, eager Celery) with a room whose deadline is seconds away
    env = embedded_env(tmp_path)
    migrated = manage("migrate", "--no-input", "-v0", env=env, inherit=False)
    assert migrated.returncode == 0, migrated.stderr
    created = subprocess.run([sys.executable, "manage.py", "shell", "-c", CREATE], cwd=ROOT, env=env,
                             capture_output=True, text=True, timeout=120, check=False)
    assert created.returncode == 0, created.stderr
    session_id, cookie = created.stdout.split()[-2:]
    # when one Daphne serves it and nobody does anything
    with Daphne(env=env, log_path=tmp_path / "daphne.log", inherit=False) as daphne:
        async def watch():
            regulator = await Client(daphne.port, int(session_id), cookie).connect()
            try:
                assert regulator.events == [] or regulator.events[0]["kind"] != "opened"
                # then the in-process scheduler opens the room at the deadline and the regulator sees it live
                opened = await regulator.wait_kind("opened", timeout=40)
                return opened, regulator.snapshot
            finally:
                await regulator.close()

        opened, _ = asyncio.run(watch())
    assert opened["payload"]["state"] == "sign_in" and opened["payload"]["bidders"] == 3


def test_two_daphne_processes_serve_a_whole_opening_and_every_client_sees_the_same_events_in_order(tmp_path):
    # given a section with three real sealed bids and clients of every role spread over two Daphne processes
    world = sealed_opening(bidders=3)
    services.session_open_due(session_id=world.session.pk)
    env = postgres_env(tmp_path, redis_db_prefix=f"room-two-{world.session.pk}")
    cookies = {name: session_cookie(user) for name, user in
               [("host", world.agency), ("regulator", world.regulator), ("tenderer", world.tenderer),
                *[(f"b{i}", b) for i, b in enumerate(world.bidders)]]}
    keys = [sealed.private_keys[person.pk] for person in world.bidders]
    content_keys = [base64.b64encode(sealing.content_key_unwrap(protected_path(bid.storage_path), key=key)).decode()
                    for bid, key in zip(world.bids, keys, strict=True)]
    with Daphne(env=env, log_path=tmp_path / "a.log") as a, Daphne(env=env, log_path=tmp_path / "b.log") as b:
        async def run():
            ports = {"host": a.port, "regulator": b.port, "tenderer": a.port, "b0": b.port, "b1": a.port,
                     "b2": b.port}
            clients = {name: await Client(ports[name], world.session.pk, cookies[name]).connect() for name in ports}
            bidders = [clients[f"b{i}"] for i in range(3)]
            try:
                for client in clients.values():
                    await client.wait(lambda c=client: c.snapshot)
                # when each bidder signs in with its key, the host starts decryption and each bidder releases its key
                for i, client in enumerate(bidders):
                    ack = await client.command("challenge", f"ch-{i}")
                    assert ack["ok"] and ack["result"]["challenge"].startswith("sunshine-opening-sign-in:")
                    signed = sealing.signature_sign(keys[i], ack["result"]["challenge"].encode())
                    ack = await client.command("sign_in", f"si-{i}", signature=base64.b64encode(signed).decode())
                    assert ack["ok"], ack
                assert (await clients["host"].command("start_decryption", "host-1"))["ok"]
                for i, client in enumerate(bidders):
                    assert (await client.command("release_key", f"rk-{i}", content_key=content_keys[i]))["ok"]
                for client in clients.values():
                    await client.wait_kind("confirmation_opened")
                # one objects (process b), the host answers (process a), the others confirm, the host closes
                objection = await bidders[0].command("object", "obj", text="请复核第二名报价")
                assert objection["ok"], objection
                await clients["regulator"].wait_kind("objection_raised")
                assert (await clients["host"].command("answer", "ans", objection=objection["result"]["objection"],
                                                      answer="已复核，无误"))["ok"]
                for i in (1, 2):
                    assert (await bidders[i].command("confirm", f"cf-{i}"))["ok"]
                # Closing renders and signs the record PDF in the host's process: allow a loaded machine time.
                assert (await clients["host"].command("close", "close", timeout=90))["ok"]
                for client in clients.values():
                    await client.wait_kind("record_published", timeout=90)
                return {name: [(e["seq"], e["kind"], e["payload"]) for e in c.events] for name, c in clients.items()}
            finally:
                for client in clients.values():
                    await client.close()

        try:
            seen = asyncio.run(run())
        except TimeoutError as exc:
            logs = "\n".join(f"--- {p.name}\n" + p.read_text(errors="replace")[-3000:]
                              for p in (tmp_path / "a.log", tmp_path / "b.log"))
            raise AssertionError(f"{exc}\n{logs}") from exc
    # then every client, on either process, saw the same events with the same content in the same order
    assert all(events == seen["host"] for events in seen.values()), seen
    assert [(seq, kind) for seq, kind, _ in seen["host"]] == [
        (1, "opened"), (2, "decryption_started"), (3, "published"), (4, "confirmation_opened"),
        (5, "objection_raised"), (6, "objection_answered"), (7, "closed"), (8, "record_published")]
    table = seen["regulator"][2][2]["table"]
    assert [row["summary"]["price"] for row in table] == ["880000.00", "881000.00", "882000.00"]
    assert OpeningSession.objects.get(pk=world.session.pk).state == State.CLOSED
