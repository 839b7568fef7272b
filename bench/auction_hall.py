"""Benchmark: one lot's live hall (限时竞价) with B bidders and O observers in a bidding war, next to a bare relay.

    .venv/bin/python bench/auction_hall.py [--bidders 200 --observers 800 --rate 40 --seconds 60]

Real services: PostgreSQL (its own database, sunshine_bench_auction or BENCH_DATABASE_URL), Redis (the pub/sub
channel layer), one Daphne for the hall (config.asgi) and one for the bare relay (bench.relay_asgi:fanout_application,
which fans its frames out as the hall does, core.fanout; ``--relay lean``: Channels' delivery to each consumer), the
clients in 2 processes; BENCH_PORT_BASE puts the two servers on that port and the next. Clients connect at
BENCH_CONNECT_RATE a second (100), a refused connect tried again after a second (3 attempts), as the hall page does.
The lot is in 限时竞价 with a countdown longer than the run. Bidders (each its own
log-in and 竞买号) send RATE bids a second over all of them: a random bidder of each client process bids the current
price (as it saw it) plus 1 to 10 increments; bids that race are refused ("another bid came first") and counted by
reason. Figures: accepted bids' acknowledgement p50/p99 (send → ack); bid → every client p50/p99 (the frame's
server stamp `sent_at` → arrival, each bid of a batched frame counted) next to the relay (its own send stamp →
arrival) with the same clients, as many frames a second as the hall accepted bids, and the same frame; the CPU
each server process used; accepted bids lost (acknowledged but not in the database) and accepted bids a client
never got live; whether every client ends with the same last bid. Writes its section of bench/RESULTS.md (one per
size) with the date and the machine load.
"""

import argparse
import asyncio
import contextlib
import datetime as dt
import json
import multiprocessing
import os
import random
import re
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))
URL = os.environ.get("BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/sunshine_bench_auction")
os.environ.setdefault("REDIS_URL", "redis://127.0.0.1:6379/7")
os.environ.setdefault("CHANNEL_PREFIX", "bench-auction")
os.environ.setdefault("SUNSHINE_VAR_DIR", str(ROOT / "var" / "bench-auction"))
COUNTDOWN = "7200"
CLIENT_PROCESSES = 2
CONNECT_RATE = float(os.environ.get("BENCH_CONNECT_RATE", "100"))  # new connections a second, all client processes
CONNECT_ATTEMPTS = 3  # a refused connect is tried again after a second, as the hall page's client does


def free_port(offset: int = 0) -> int:
    """A free port, or BENCH_PORT_BASE + ``offset`` (a range of one's own on a shared machine)."""
    import socket

    if os.environ.get("BENCH_PORT_BASE"):
        return int(os.environ["BENCH_PORT_BASE"]) + offset
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def daphne(app: str, port: int, log: Path) -> subprocess.Popen:
    import socket

    env = {**os.environ, "DATABASE_URL": URL, "CELERY_EAGER": "1", "EMBEDDED_SCHEDULER": "0", "LOG_LEVEL": "WARNING",
           "DB_CONN_MAX_AGE": "60", "AUCTIONS_COUNTDOWN_SECONDS": COUNTDOWN, "AUCTIONS_HALL_TICK_SECONDS": "1"}
    process = subprocess.Popen(
        [str(Path(sys.executable).parent / "daphne"), "-e", f"tcp:port={port}:interface=127.0.0.1:backlog=2048",
         app], cwd=ROOT, env=env, stdout=log.open("ab"), stderr=subprocess.STDOUT, start_new_session=True)
    for _ in range(300):
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), timeout=0.2):
            return process
        time.sleep(0.1)
    raise RuntimeError(f"{app} did not start; see {log}")


def setup(bidders: int):
    """A lot in 限时竞价 with ``bidders`` holders of a right, through the services (as the tests build one)."""
    import benchsupport

    benchsupport.ensure_database(URL)
    benchsupport.setup_django(URL)
    import itertools

    from django.conf import settings

    from tests import factories
    from tests.auctions import factories as f

    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.AUCTIONS_COUNTDOWN_SECONDS = float(COUNTDOWN)
    factories._serial = itertools.count(random.randint(30_000_000, 90_000_000))
    f._refs = itertools.count(random.randint(1_000_000, 9_000_000))  # seller names and bank references, per run
    from audit.context import Actor, acting_as
    from tests.auctions.test_hall import timed_bidding  # the hall tests' live lot, at the bench's size
    from tests.bidding_room.live import session_cookie

    with acting_as(Actor(label="bench", source="command")):
        w, lot, _ = timed_bidding(bidders)
    return lot.pk, [session_cookie(user) for user in w.bidders]


async def _clients(url: str, cookies: list[str | None], origin: str, conn, kind: str, rate: float,
                   seconds: float) -> dict:
    import websockets

    rng = random.Random()
    stats = {"connected": 0, "failed": 0, "retried": 0, "latencies": [], "acks": [], "accepted": [], "refused": {},
             "last": [], "seqs": [], "sent": 0}
    heard = {"at": time.monotonic()}
    sockets: list = []
    semaphore = asyncio.Semaphore(64)
    current = {"price": 10100000.0, "seq": 0}
    pending: dict = {}
    start = asyncio.Event()

    async def one(index: int, cookie):
        await asyncio.sleep(index / (CONNECT_RATE / CLIENT_PROCESSES))
        headers = {"Cookie": f"sessionid={cookie}"} if cookie else {}
        for attempt in range(CONNECT_ATTEMPTS):
            async with semaphore:
                try:
                    ws = await websockets.connect(url, origin=origin, additional_headers=headers, open_timeout=60,
                                                  max_size=None, ping_interval=None, close_timeout=2)
                    break
                except Exception:
                    pass
            if attempt == CONNECT_ATTEMPTS - 1:
                stats["failed"] += 1
                return None
            stats["retried"] += 1
            await asyncio.sleep(1)
        stats["connected"] += 1
        sockets.append(ws)
        return ws

    async def read(ws, state: dict):
        with contextlib.suppress(Exception):
            async for raw in ws:
                now = time.time()
                heard["at"] = time.monotonic()
                message = json.loads(raw)
                kind_ = message["type"]
                # live bids come one a frame, or several in one "events" frame (bids accepted in one transaction);
                # "events" without sent_at is the catch-up on connect
                live = [message] if kind_ == "event" else message["events"] if kind_ == "events" else []
                for event in live:
                    if event["kind"] != "bid":
                        continue
                    state["last"] = (event["seq"], event["payload"]["amount"])
                    state["seqs"].add(event["seq"])
                    if "sent_at" in message:
                        stats["latencies"].append(now - dt.datetime.fromisoformat(message["sent_at"]).timestamp())
                    if event["seq"] > current["seq"]:
                        current["seq"], current["price"] = event["seq"], float(event["payload"]["amount"])
                if kind_ == "ack":
                    sent = pending.pop(message["id"], None)
                    if sent is not None:
                        if message["ok"]:
                            stats["acks"].append(now - sent)
                            stats["accepted"].append(message["result"]["seq"])
                        else:
                            reason = re.sub(r"[\d,.]+", "N", next(iter(message["errors"].values()))[0])
                            stats["refused"][reason] = stats["refused"].get(reason, 0) + 1
                elif kind_ == "relay":
                    state["last"] = (message["n"], None)
                    stats["latencies"].append(now - message["sent"])

    opened = await asyncio.gather(*(one(i, c) for i, c in enumerate(cookies)))
    states = [{"last": None, "seqs": set()} for _ in opened]
    readers = [asyncio.ensure_future(read(ws, st)) for ws, st in zip(opened, states, strict=True) if ws]
    conn.send({"connected": stats["connected"], "failed": stats["failed"], "retried": stats["retried"]})
    await asyncio.to_thread(conn.recv)  # go
    start.set()
    bidders = [ws for ws, cookie in zip(opened, cookies, strict=True) if ws and cookie]
    senders = bidders if kind == "hall" else [ws for ws in opened if ws][:1]
    my_rate = rate / CLIENT_PROCESSES
    began = time.monotonic()
    end = began + seconds
    n = 0
    if senders:
        while time.monotonic() < end:
            n += 1
            ws = rng.choice(senders)
            if kind == "hall":
                ident = f"{os.getpid()}-{n}"
                pending[ident] = time.time()
                await ws.send(json.dumps({"type": "command", "id": ident, "action": "bid",
                                          "amount": f"{current['price'] + 100000 * rng.randint(1, 10):.2f}"}))
            else:
                frame = {"type": "event", "seq": n, "kind": "bid", "payload": {
                    "bidder_number": "123456", "amount": f"{10_000_000 + n * 100000:.2f}", "phase": "live",
                    "live_ends_at": dt.datetime.now(dt.UTC).isoformat()}}
                await ws.send(json.dumps({"broadcast": n + 1_000_000 * os.getpid(), "payload": frame}))
            stats["sent"] += 1
            # the n-th bid leaves at its time on the clock, not a fixed pause after the one before: a client process
            # busy reading frames still offers RATE bids a second (those sent late are sent at once)
            await asyncio.sleep(max(0.0, began + n / my_rate - time.monotonic()))
    quiet_until = time.monotonic() + 60  # let the last frames arrive: 3 s with none, at most a minute
    while time.monotonic() < quiet_until and time.monotonic() - heard["at"] < 3:
        await asyncio.sleep(0.5)
    for r in readers:
        r.cancel()
    await asyncio.gather(*(ws.close() for ws in sockets), return_exceptions=True)
    stats["last"] = [st["last"] for st, ws in zip(states, opened, strict=True) if ws]
    stats["seqs"] = [st["seqs"] for st, ws in zip(states, opened, strict=True) if ws]
    return stats


def client_process(url, cookies, origin, conn, kind, rate, seconds):
    conn.send(asyncio.run(_clients(url, cookies, origin, conn, kind, rate, seconds)))


def cpu_seconds(pid: int) -> float:
    """CPU time (user + system) the server process has used so far."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def run(url: str, cookies: list, origin: str, kind: str, rate: float, seconds: float, server_pid: int) -> dict:
    context = multiprocessing.get_context("spawn")
    pipes, procs = [], []
    for i in range(CLIENT_PROCESSES):
        parent, child = multiprocessing.Pipe()
        proc = context.Process(target=client_process, args=(url, cookies[i::CLIENT_PROCESSES], origin, child, kind,
                                                            rate, seconds))
        proc.start()
        pipes.append(parent)
        procs.append(proc)
    connects = [p.recv() for p in pipes]
    print(f"{kind}: {sum(c['connected'] for c in connects)} connected, {sum(c['failed'] for c in connects)} failed",
          flush=True)
    time.sleep(2)
    cpu_before = cpu_seconds(server_pid)
    for p in pipes:
        p.send("go")
    results = [p.recv() for p in pipes]
    cpu = cpu_seconds(server_pid) - cpu_before
    for proc in procs:
        proc.join(timeout=30)
    merged = {"connected": sum(c["connected"] for c in connects), "failed": sum(c["failed"] for c in connects),
              "retried": sum(c["retried"] for c in connects), "cpu": cpu,
              "seqs": [x for r in results for x in r["seqs"]],
              "latencies": sorted(x for r in results for x in r["latencies"]),
              "acks": sorted(x for r in results for x in r["acks"]),
              "accepted": [s for r in results for s in r["accepted"]], "refused": {},
              "last": [x for r in results for x in r["last"]], "sent": sum(r["sent"] for r in results)}
    for r in results:
        for reason, count in r["refused"].items():
            merged["refused"][reason] = merged["refused"].get(reason, 0) + count
    return merged


def pct(values: list, q: float) -> float | None:
    return round(values[min(len(values) - 1, int(len(values) * q))] * 1000, 1) if values else None


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--bidders", type=int, default=200)
    parser.add_argument("--observers", type=int, default=800)
    parser.add_argument("--rate", type=float, default=40.0, help="bids sent a second (about half are accepted)")
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--relay", choices=("fanout", "lean"), default="fanout",
                        help="the baseline: the hall's fan-out (core.fanout) or Channels' delivery to each consumer")
    parser.add_argument("--no-write", action="store_true", help="print only; leave bench/RESULTS.md alone")
    args = parser.parse_args()
    lot_id, cookies = setup(args.bidders)
    clients = cookies + [None] * args.observers
    random.shuffle(clients)
    logs = ROOT / "var" / "bench-auction"
    logs.mkdir(parents=True, exist_ok=True)
    hall_port, relay_port = free_port(0), free_port(1)
    load_before = os.getloadavg()
    hall = relay = None
    try:
        hall = daphne("config.asgi:application", hall_port, logs / "hall.log")
        relay = daphne(f"bench.relay_asgi:{args.relay}_application", relay_port, logs / "relay.log")
        origin = f"http://127.0.0.1:{hall_port}"
        room = run(f"ws://127.0.0.1:{hall_port}/ws/hall/{lot_id}/", clients, origin, "hall", args.rate, args.seconds,
                   hall.pid)
        # the relay fans out as many frames a second as the hall accepted bids
        bare = run(f"ws://127.0.0.1:{relay_port}/ws/relay/", clients, f"http://127.0.0.1:{relay_port}", "relay",
                   len(room["accepted"]) / args.seconds or args.rate, args.seconds, relay.pid)
    finally:
        for process in (hall, relay):
            if process is not None:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(process.pid, 9)
    load_after = os.getloadavg()

    from auctions.models import Quote

    stored = set(Quote.objects.filter(lot_id=lot_id).values_list("seq", flat=True))
    lost = [seq for seq in room["accepted"] if seq not in stored]
    last = Quote.objects.filter(lot_id=lot_id).order_by("-seq").first()
    same_last = sum(1 for entry in room["last"] if entry and entry[0] == last.seq)
    acked = set(room["accepted"])
    missing = [len(acked - seqs) for seqs in room["seqs"]]  # accepted bids a client never got live
    p99_room, p99_relay = pct(room["latencies"], 0.99), pct(bare["latencies"], 0.99)
    ratio = round(p99_room / p99_relay, 2) if p99_room and p99_relay else None
    refused = "; ".join(f"{count} × “{reason}”" for reason, count in sorted(room["refused"].items(),
                                                                         key=lambda kv: -kv[1]))
    command = (f"bench/auction_hall.py --bidders {args.bidders} --observers {args.observers} --rate {args.rate:g} "
               f"--seconds {args.seconds:g}")
    accepted = f"{len(room['accepted'])} ({len(room['accepted']) / args.seconds:.1f}/s)"
    fanout = (f"{pct(room['latencies'], 0.5)} / {p99_room} | {pct(bare['latencies'], 0.5)} / {p99_relay}")
    scaled = ""
    if args.bidders < 200 or args.observers < 800 or args.seconds < 60 or args.rate < 40:
        scaled = ("\nScaled down from the target (200 bidders, 800 observers, ≥ 20 accepted bids/s for a minute); "
                  "the full size is a run with no arguments.\n")
    text = f"""Run {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC, `{command}`; load average before \
{load_before[0]:.1f}, after {load_after[0]:.1f} (2 cores, shared with other work).

| | hall (限时竞价) | bare relay, same run |
|---|---|---|
| clients connected / failed (connects retried) | {room['connected']} / {room['failed']} ({room['retried']}) | \
{bare['connected']} / {bare['failed']} ({bare['retried']}) |
| bids sent / accepted | {room['sent']} / {accepted} | {bare['sent']} broadcasts |
| accepted bid acknowledged p50 / p99 (ms) | {pct(room['acks'], 0.5)} / {pct(room['acks'], 0.99)} | — |
| bid → every client p50 / p99 (ms) | {fanout} |
| p99 hall ÷ relay (target ≤ 1.5) | {ratio} | |
| server process CPU during the run (s, of {args.seconds:g} s) | {room['cpu']:.1f} | {bare['cpu']:.1f} |
| accepted bids lost (acknowledged, not in the database) | {len(lost)} | |
| accepted bids a client never got (clients / deliveries) | {sum(1 for m in missing if m)} / {sum(missing)} | |
| clients ending on the same last bid (seq {last.seq}, {last.amount}) | {same_last} of {len(room['last'])} | |

Refusals (each told its reason): {refused or "none"}.
{scaled}"""
    print(text)
    if args.no_write:
        return
    import benchsupport

    benchsupport.results_section_write(
        f"Auction hall (限时竞价), {args.bidders} bidders + {args.observers} observers, {args.seconds:g} s", text)


if __name__ == "__main__":
    main()
