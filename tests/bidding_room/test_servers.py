"""The room served by real Daphne processes: the embedded default opening at the deadline, two processes sharing one
room through Redis."""

import asyncio
import datetime as dt
import subprocess
import sys

import pytest
from django.utils import timezone

from bidding_room import services
from tests.bidding_room.factories import opening
from tests.bidding_room.live import Client, postgres_env, session_cookie
from tests.servers import ROOT, Daphne, embedded_env, manage

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


def test_two_daphne_processes_serve_one_room_and_every_client_sees_the_same_events_in_order(tmp_path):
    world = opening(bidders=3)
    services.session_open_due(session_id=world.session.pk)
    env = postgres_env(tmp_path, redis_db_prefix=f"room-two-{world.session.pk}")
    cookies = {name: session_cookie(user) for name, user in
               [("host", world.agency), ("regulator", world.regulator), ("tenderer", world.tenderer),
                *[(f"b{i}", b) for i, b in enumerate(world.bidders)]]}
    with Daphne(env=env, log_path=tmp_path / "a.log") as a, Daphne(env=env, log_path=tmp_path / "b.log") as b:
        async def run():
            ports = {"host": a.port, "regulator": b.port, "tenderer": a.port, "b0": b.port, "b1": a.port,
                     "b2": b.port}
            clients = {name: await Client(ports[name], world.session.pk, cookies[name]).connect() for name in ports}
            try:
                for client in clients.values():
                    await client.wait(lambda c=client: c.snapshot)
                ack = await clients["host"].command("start_decryption", "host-1")
                assert ack["ok"], ack
                for client in clients.values():
                    await client.wait_kind("decryption_started")
                # a bidder on the other process asks for its sign-in challenge: only it gets the answer
                ack = await clients["b0"].command("challenge", "b0-1")
                assert ack["ok"] and ack["result"]["challenge"].startswith("sunshine-opening-sign-in:")
                return {name: [(e["seq"], e["kind"]) for e in c.events] for name, c in clients.items()}
            finally:
                for client in clients.values():
                    await client.close()

        seen = asyncio.run(run())
    expected = [(1, "opened"), (2, "decryption_started")]
    assert all(events == expected for events in seen.values()), seen
    assert timezone.now() - world.session.opens_at < dt.timedelta(minutes=5)
