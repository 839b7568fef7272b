"""Benchmark: 100, 500 and 1,000 websocket clients in one opening room, next to a bare Channels relay.

    .venv/bin/python bench/room_clients.py [--sizes 100,500,1000]

Real services: PostgreSQL (database sunshine_bench_room, migrated here), Redis (the pub/sub channel
layer), one Daphne process for the room (config.asgi) and one for the bare relay (bench.relay_asgi),
and the clients in a separate process (asyncio + the `websockets` package). For each size N the room
has N-2 bidders plus the host and a regulator, and goes through a whole opening: decrypt
instruction, every bidder signed in and decrypted, 唱标 (the table published to everyone at once),
every bidder confirms, close, record published. Figures: connection success, broadcast latency
p50/p99 from the event's server time to its arrival at every client, messages delivered. The relay
baseline: the same N clients, the same number of group broadcasts, in the same run.
"""

import argparse
import asyncio
import contextlib
import datetime as dt
import json
import multiprocessing
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/sunshine_bench_room")
os.environ.setdefault("REDIS_URL", "redis://127.0.0.1:6379/6")
os.environ.setdefault("CHANNEL_PREFIX", "bench-room")
os.environ["CELERY_EAGER"] = "1"
os.environ["EMBEDDED_SCHEDULER"] = "0"
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def daphne(app: str, port: int, log: Path) -> subprocess.Popen:
    env = {**os.environ, "ROOM_SNAPSHOT_SECONDS": "1.0", "LOG_LEVEL": "WARNING"}
    process = subprocess.Popen(
        [str(Path(sys.executable).parent / "daphne"), "-e", f"tcp:port={port}:interface=127.0.0.1:backlog=2048",
         app], cwd=ROOT, env=env, stdout=log.open("ab"), stderr=subprocess.STDOUT, start_new_session=True)
    for _ in range(300):
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return process
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"{app} did not start; see {log}")


# ------------------------------------------------------------------------------------------------ clients


def _ts(value: str) -> float:
    return dt.datetime.fromisoformat(value).timestamp()


async def _clients(url: str, cookies: list[str | None], origin: str, conn, kind: str) -> dict:
    import websockets

    stats = {"connected": 0, "failed": 0, "messages": 0, "latencies": [], "done": 0}
    finished = asyncio.Event()
    target = await asyncio.to_thread(conn.recv)  # how many "final" messages each client must see
    sockets = []
    semaphore = asyncio.Semaphore(200)

    async def one(cookie):
        headers = {"Cookie": f"sessionid={cookie}"} if cookie else {}
        async with semaphore:
            try:
                ws = await websockets.connect(url, origin=origin, additional_headers=headers, open_timeout=60,
                                              max_size=None, ping_interval=None)
            except Exception:
                stats["failed"] += 1
                return None
        stats["connected"] += 1
        sockets.append(ws)
        return ws

    async def read(ws):
        seen_final = 0
        try:
            async for raw in ws:
                now = time.time()
                stats["messages"] += 1
                message = json.loads(raw)
                if kind == "room" and message["type"] == "event":
                    stats["latencies"].append(now - _ts(message["at"]))
                    if message["kind"] == "record_published":
                        seen_final += 1
                elif kind == "relay" and message["type"] == "relay":
                    stats["latencies"].append(now - message["sent"])
                    if message["n"] == target:
                        seen_final += 1
                if seen_final:
                    stats["done"] += 1
                    if stats["done"] >= stats["connected"]:
                        finished.set()
                    return
        except Exception:
            return

    opened = await asyncio.gather(*(one(c) for c in cookies))
    readers = [asyncio.ensure_future(read(ws)) for ws in opened if ws is not None]
    conn.send({"connected": stats["connected"], "failed": stats["failed"]})
    await asyncio.to_thread(conn.recv)  # the driver has finished its run (the loop keeps reading meanwhile)
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(finished.wait(), timeout=120)
    for r in readers:
        r.cancel()
    await asyncio.gather(*(ws.close() for ws in sockets), return_exceptions=True)
    lat = sorted(stats["latencies"])
    return {"connected": stats["connected"], "failed": stats["failed"], "messages": stats["messages"],
            "complete": stats["done"], "p50": lat[len(lat) // 2] if lat else None,
            "p99": lat[min(len(lat) - 1, int(len(lat) * 0.99))] if lat else None, "samples": len(lat)}


def client_process(url, cookies, origin, conn, kind):
    conn.send(asyncio.run(_clients(url, cookies, origin, conn, kind)))


# ------------------------------------------------------------------------------------------------- driver


def setup():
    import django

    subprocess.run(["createdb", "-h", "127.0.0.1", "-U", "postgres", "sunshine_bench_room"], capture_output=True,
                   check=False)
    django.setup()
    from django.conf import settings
    from django.core.management import call_command

    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    call_command("migrate", verbosity=0)
    import itertools
    import random

    from tests import factories

    # Credit codes are serial numbers in the factories: start past any left by an earlier run.
    factories._serial = itertools.count(random.randint(30_000_000, 90_000_000))


def people(n: int):
    from accounts.models import Role, User
    from tests import factories
    from tests.bidding_room.live import session_cookie

    existing = list(User.objects.filter(username__startswith="bench-bidder-").order_by("pk"))
    for i in range(len(existing), n):
        org = factories.organisation(name=f"压测投标单位{i:04d}")
        existing.append(factories.user(role=Role.BIDDER, organisation_obj=org, username=f"bench-bidder-{i:04d}"))
    return existing[:n], session_cookie


def room_run(n_clients: int, port: int) -> dict:
    from django.utils import timezone

    from bidding_room import services
    from bidding_room.machine import status_bump
    from bidding_room.models import RoomBidder
    from bidding_room.record import record_generate
    from tests.bidding_room import factories as room_factories

    bidders, cookie_of = people(n_clients - 2)
    world = room_factories.opening(bidders=0, people=bidders)
    services.session_open_due(session_id=world.session.pk)
    cookies = [cookie_of(world.agency), cookie_of(world.regulator)] + [cookie_of(b) for b in bidders]
    parent, child = multiprocessing.Pipe()
    proc = multiprocessing.get_context("spawn").Process(
        target=client_process, args=(f"ws://127.0.0.1:{port}/ws/room/{world.session.pk}/", cookies,
                                     f"http://127.0.0.1:{port}", child, "room"))
    started = time.monotonic()
    proc.start()
    parent.send(None)
    connected = parent.recv()
    connect_seconds = time.monotonic() - started
    time.sleep(2)
    # A whole opening. Decryption itself is simulated (see RESULTS): each bidder's row goes signed in →
    # released → decrypting → decrypted as the decryption task writes it, in ten waves over ~5 s.
    services.decryption_start(session=world.session, user=world.agency)
    entries = list(RoomBidder.objects.filter(session=world.session).values_list("pk", flat=True))
    waves = [entries[i::10] for i in range(10)]
    for wave in waves:
        now = timezone.now()
        RoomBidder.objects.filter(pk__in=wave).update(signed_in_at=now, key_released_at=now, progress=50,
                                                      decryption=RoomBidder.Decryption.DECRYPTING, progress_at=now)
        status_bump(session_id=world.session.pk)
        time.sleep(0.25)
        RoomBidder.objects.filter(pk__in=wave).update(decryption=RoomBidder.Decryption.DECRYPTED, progress=100,
                                                      decrypted_at=timezone.now())
        status_bump(session_id=world.session.pk)
        time.sleep(0.25)
    services.decryption_finish(session_id=world.session.pk)
    time.sleep(1)
    RoomBidder.objects.filter(session=world.session).update(confirmed_at=timezone.now())
    status_bump(session_id=world.session.pk)
    time.sleep(1)
    services.session_close(session_id=world.session.pk, user=world.agency)
    record_generate(session_id=world.session.pk)
    parent.send("done")
    result = parent.recv()
    proc.join(timeout=30)
    result.update(connected_report=connected, connect_seconds=connect_seconds, bidders=len(bidders), events=5)
    return result


def relay_run(n_clients: int, port: int, broadcasts: int) -> dict:
    import websockets.sync.client as sync_ws

    parent, child = multiprocessing.Pipe()
    proc = multiprocessing.get_context("spawn").Process(
        target=client_process, args=(f"ws://127.0.0.1:{port}/ws/relay/", [None] * n_clients,
                                     f"http://127.0.0.1:{port}", child, "relay"))
    proc.start()
    parent.send(broadcasts)
    connected = parent.recv()
    time.sleep(2)
    with sync_ws.connect(f"ws://127.0.0.1:{port}/ws/relay/", origin=f"http://127.0.0.1:{port}") as driver:
        for n in range(1, broadcasts + 1):
            driver.send(json.dumps({"broadcast": n}))
            time.sleep(1.5)
    parent.send("done")
    result = parent.recv()
    proc.join(timeout=30)
    result.update(connected_report=connected)
    return result


def fmt(seconds) -> str:
    return "—" if seconds is None else f"{seconds * 1000:.0f} ms"


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", default="100,500,1000")
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    setup()
    logs = ROOT / "var" / "bench"
    logs.mkdir(parents=True, exist_ok=True)
    room_port, relay_port = free_port(), free_port()
    room = daphne("config.asgi:application", room_port, logs / "room-daphne.log")
    relay = daphne("bench.relay_asgi:application", relay_port, logs / "relay-daphne.log")
    rows = []
    try:
        for n in sizes:
            r = room_run(n, room_port)
            b = relay_run(n, relay_port, broadcasts=5)
            rows.append((n, r, b))
            print(f"N={n}: room {r}\n        relay {b}", flush=True)
    finally:
        for process in (room, relay):
            os.killpg(process.pid, signal.SIGTERM)
            process.wait(timeout=20)
    print()
    print("| clients (bidders) | connected (room / relay) | room p50 / p99 | relay p50 / p99 | p99 room ÷ relay "
          "| messages delivered (room) | per client |")
    print("|---|---|---|---|---|---|---|")
    for n, r, b in rows:
        ratio = (r["p99"] / b["p99"]) if r["p99"] and b["p99"] else float("nan")
        print(f"| {n} ({r['bidders']}) | {r['connected']}/{n} / {b['connected']}/{n} | {fmt(r['p50'])} / "
              f"{fmt(r['p99'])} | {fmt(b['p50'])} / {fmt(b['p99'])} | {ratio:.2f} | {r['messages']:,} | "
              f"{r['messages'] / max(1, r['connected']):.1f} |")
    print(f"\n{dt.date.today().isoformat()}, {os.cpu_count()} CPUs; median of all (event, client) latencies.")


if __name__ == "__main__":
    main()
