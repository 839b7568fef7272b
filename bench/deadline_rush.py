"""Deadline rush: 300 bidders upload 20 MiB sealed envelopes through the resumable API in the last two minutes.

A real Daphne serving the platform on its own PostgreSQL database; 300 bidders, each with a registered key, a
signed credit commitment and a real envelope (sealed to the project's opening key, signed by the bidder) of
~20 MiB. They all start within the first seconds of the last two minutes before the deadline and upload as the
bidder tool does: open a session, PUT 8 MiB chunks, complete. Every bidder must end with either its signed
receipt or a clear refusal (a 4xx whose body says why) — none lost. Printed and recorded: receipt latency
(start of the upload to the receipt) p50/p99, throughput (envelope bytes per second of wall time), and the same
workload against a bare Daphne endpoint that only writes the chunks to disk (bench/bare_upload_asgi.py), measured
in the same run; the target is ≥ 70% of the bare throughput.

    .venv/bin/python bench/deadline_rush.py [--bidders 300] [--mib 20] [--concurrency 100]
"""

import argparse
import asyncio
import datetime as dt
import logging
import os
import sys
import time
from pathlib import Path

import benchsupport
import httpx

DB_URL = os.environ.get("BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/sunshine_bench_deadline")
# The platform's Daphne runs with its bounded connection pool (settings: DB_POOL_MAX_SIZE, default 10); a request
# that finds no connection free within DB_POOL_TIMEOUT is answered 503 + Retry-After, and the bidders retry.
POOL_MAX = os.environ.get("BENCH_DB_POOL_MAX_SIZE", "10")
WINDOW = 120.0  # seconds before the deadline when the rush starts
CHUNK = 8 << 20


def prepare(bidders: int, mib: int, folder: Path) -> dict:
    """A published project, ``bidders`` bidders ready to bid (key, registration, commitment, token), envelopes."""
    os.environ.update({"TRADING_MIN_BID_PERIOD_DAYS": "0", "SUNSHINE_PROTECTED_ROOT": str(folder / "protected")})
    benchsupport.setup_django(DB_URL)
    from django.conf import settings
    from rest_framework.authtoken.models import Token

    import sealing
    from audit.context import Actor, acting_as
    from tests import factories, sealed
    from tests.trading.conftest import World, create_project, transition
    from trading.models import Section
    from trading.services import participation

    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    with acting_as(Actor(label="bench", source="command")):
        world = World()
        project = create_project(world, seconds=3600)
        assert transition(world, world.agency, project["id"], "published").status_code == 200
        section = Section.objects.select_related("project__opening_key").get(pk=project["sections"][0]["id"])
        opening = sealing.public_key_load(section.project.opening_key.public_key_pem)
        document = os.urandom(mib * (1 << 20) - 64 * 1024)
        people = []
        started = time.perf_counter()
        for n in range(bidders):
            user = factories.user(role="bidder")
            key = sealed.key_register(user)
            registration = participation.registration_create(section=section, user=user)
            participation.registration_sign_commitment(registration=registration, user=user, accepted=True)
            path = folder / "envelopes" / f"{n:03d}.sealed"
            path.parent.mkdir(parents=True, exist_ok=True)
            sealing.envelope_seal(path, summary={**sealed.SUMMARY, "price": f"{880000 + n}.00"},
                                  documents=[("技术标.bin", document)], signer=key, opening_key=opening,
                                  labels={"deal_code": section.project.deal_code, "section_code": section.code},
                                  chunk_size=1 << 20)
            people.append({"token": Token.objects.create(user=user).key, "envelope": path})
            if n % 50 == 49:
                print(f"  {n + 1} bidders ready ({time.perf_counter() - started:.0f} s)", flush=True)
    return {"project": project["id"], "section": section.pk, "people": people}


def deadline_set(project_id: int, seconds_from_now: float) -> None:
    from django.utils import timezone

    from trading.models import Project

    Project.objects.filter(pk=project_id).update(bid_deadline=timezone.now() + dt.timedelta(seconds=seconds_from_now))


# Seconds each request took as the client saw it, by kind (open, PUT a chunk, complete): printed per run.
REQUEST_SECONDS: dict[str, list[float]] = {}
BUSY_RETRIES = 24  # as the bidder tool (sealing.client): a 503 is sent again after its Retry-After


async def _send(client: httpx.AsyncClient, method: str, url: str, busy: list, **kwargs) -> httpx.Response:
    """One request as the bidder tool sends it: a 503 "busy" answer is retried after its Retry-After."""
    for attempt in range(BUSY_RETRIES + 1):
        sent = time.perf_counter()
        response = await client.request(method, url, **kwargs)
        kind = "PUT chunk" if method == "PUT" else "complete" if url.rstrip("/").endswith("complete") else "open"
        REQUEST_SECONDS.setdefault(kind, []).append(time.perf_counter() - sent)
        if response.status_code != 503 or attempt == BUSY_RETRIES:
            return response
        busy.append(1)
        await asyncio.sleep(min(max(float(response.headers.get("Retry-After") or 5), 0.5), 30.0))
    return response


def _refused(response: httpx.Response, busy: list) -> dict:
    """A 4xx is a refusal the bidder can read; anything else (a 500, a 503 after every retry) is an error."""
    outcome = "refused" if 400 <= response.status_code < 500 else "error"
    return {"outcome": outcome, "status": response.status_code, "why": response.text[:300], "busy": len(busy)}


async def upload(client: httpx.AsyncClient, person: dict, urls: dict, gate: asyncio.Semaphore) -> dict:
    """One bidder: open, PUT the chunks, complete. Returns the outcome with its latency."""
    headers = {"Authorization": f"Token {person['token']}"} if person.get("token") else {}
    path: Path = person["envelope"]
    size = path.stat().st_size
    busy: list = []
    async with gate:
        started = time.perf_counter()
        try:
            opened = await _send(client, "POST", urls["open"], busy, json={"size": size, "file_name": path.name},
                                 headers=headers)
            if opened.status_code != 201:
                return _refused(opened, busy)
            session = opened.json()["id"]
            with path.open("rb") as envelope:
                offset = 0
                while offset < size:
                    envelope.seek(offset)
                    chunk = envelope.read(CHUNK)
                    put = await _send(client, "PUT", urls["put"].format(id=session), busy, params={"offset": offset},
                                      content=chunk, headers={**headers, "Content-Type": "application/octet-stream"})
                    if put.status_code not in (200, 409):
                        return _refused(put, busy)
                    offset = put.json().get("offset", offset + len(chunk)) if put.status_code == 409 else \
                        offset + len(chunk)
            done = await _send(client, "POST", urls["complete"].format(id=session), busy, headers=headers)
            if done.status_code != 201:
                return _refused(done, busy)
            return {"outcome": "receipt", "latency": time.perf_counter() - started, "size": size,
                    "receipt": done.json(), "busy": len(busy)}
        except httpx.HTTPError as exc:
            return {"outcome": "lost", "why": repr(exc), "busy": len(busy)}


async def rush(base: str, people: list[dict], urls: dict, concurrency: int) -> tuple[list[dict], float]:
    gate = asyncio.Semaphore(concurrency)
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    async with httpx.AsyncClient(base_url=base, timeout=httpx.Timeout(300.0), limits=limits) as client:
        started = time.perf_counter()
        results = await asyncio.gather(*(upload(client, p, urls, gate) for p in people))
        return results, time.perf_counter() - started


def summary(results: list[dict], wall: float) -> dict:
    receipts = [r for r in results if r["outcome"] == "receipt"]
    latencies = sorted(r["latency"] for r in receipts)
    moved = sum(r["size"] for r in receipts)

    def pct(p: float) -> float:
        return latencies[min(len(latencies) - 1, int(p * len(latencies)))] if latencies else float("nan")

    return {"receipts": len(receipts), "refused": sum(r["outcome"] == "refused" for r in results),
            "errors": sum(r["outcome"] == "error" for r in results),
            "busy": sum(r.get("busy", 0) for r in results),
            "lost": sum(r["outcome"] == "lost" for r in results), "p50": pct(0.50), "p99": pct(0.99),
            "mib_s": moved / wall / (1 << 20), "wall": wall,
            "why": sorted({r["why"][:160] for r in results if r["outcome"] != "receipt"})[:3]}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--bidders", type=int, default=300)
    parser.add_argument("--mib", type=int, default=20)
    parser.add_argument("--concurrency", type=int, default=100)
    args = parser.parse_args()
    logging.getLogger("httpx").setLevel(logging.WARNING)
    _database_fresh(DB_URL)
    folder = benchsupport.ROOT / "var" / "bench-deadline"
    if folder.exists():
        import shutil

        shutil.rmtree(folder)
    folder.mkdir(parents=True)
    from django.db import connection  # noqa: F401 - Django is set up by prepare()

    print(f"preparing {args.bidders} bidders with {args.mib} MiB envelopes ...", flush=True)
    world = prepare(args.bidders, args.mib, folder)
    connection.close()

    from tests.servers import Daphne

    wide_open = {f"THROTTLE_{s}": "1000000/min" for s in ("ANON", "USER", "SEARCH", "STATISTICS", "EXPORT", "UPLOAD")}
    env = {"DATABASE_URL": DB_URL, "SUNSHINE_PROTECTED_ROOT": str(folder / "protected"), "CELERY_EAGER": "1",
           "EMBEDDED_SCHEDULER": "0", "DB_POOL_MAX_SIZE": POOL_MAX, "LOG_LEVEL": "WARNING",
           "CACHE_URL": "locmem://",
           "BARE_UPLOAD_DIR": str(folder / "bare"), **wide_open}
    # The baseline: the same bytes, chunks and concurrency into a Daphne serving the bare app.
    people = [{"envelope": p["envelope"]} for p in world["people"]]
    bare_urls = {"open": "/u/", "put": "/u/{id}/", "complete": "/u/{id}/complete/"}
    bare_daphne = _daphne_for("bare_upload_asgi:application", env, folder / "daphne-bare.log")
    try:
        bare_results, bare_wall = asyncio.run(rush(bare_daphne.url, people, bare_urls, args.concurrency))
    finally:
        bare_daphne.kill()
    base = summary(bare_results, bare_wall)
    print(f"  bare: {_request_seconds()}")
    print(f"bare Daphne writing chunks to disk: {base['mib_s']:.1f} MiB/s, p50 {base['p50']:.1f} s, "
          f"p99 {base['p99']:.1f} s ({base['receipts']} done, {base['lost']} lost)", flush=True)

    with Daphne(env=env, log_path=folder / "daphne.log") as daphne:
        benchsupport.setup_django(DB_URL)
        deadline_set(world["project"], WINDOW)
        connection.close()
        urls = {"open": f"/api/trading/sections/{world['section']}/uploads/", "put": "/api/trading/uploads/{id}/",
                "complete": "/api/trading/uploads/{id}/complete/"}
        results, wall = asyncio.run(rush(daphne.url, world["people"], urls, args.concurrency))
    platform = summary(results, wall)
    print(f"  platform: {_request_seconds()}")
    from trading.models import Bid

    bids = Bid.objects.filter(section_id=world["section"]).count()
    ratio = platform["mib_s"] / base["mib_s"] if base["mib_s"] else float("nan")
    print(f"platform: {platform['receipts']} receipts, {platform['refused']} refused, {platform['errors']} errors, "
          f"{platform['lost']} lost, {platform['busy']} busy answers (503, retried); "
          f"{bids} bids stored; receipt latency p50 {platform['p50']:.1f} s, p99 {platform['p99']:.1f} s; "
          f"{platform['mib_s']:.1f} MiB/s = {ratio:.0%} of the bare endpoint (target ≥ 70%); wall {wall:.0f} s")
    for why in platform["why"]:
        print("  refusal:", why)
    load = os.getloadavg()
    benchsupport.results_section_write(
        f"Deadline rush ({dt.date.today().isoformat()}, load {load[0]:.1f})",
        f"""`bench/deadline_rush.py --bidders {args.bidders} --mib {args.mib} --concurrency {args.concurrency}`:
{args.bidders} bidders upload ~{args.mib} MiB sealed envelopes through the resumable API (8 MiB chunks) into a real
Daphne on PostgreSQL, starting {WINDOW:.0f} s before the deadline; load average {load[0]:.1f} when it ended
(2 cores, shared).

Platform Daphne with its bounded connection pool (`DB_POOL_MAX_SIZE={POOL_MAX}`); an upload that finds no connection
free is answered 503 + `Retry-After` and the bidder retries (as the bidder tool does): "busy" counts those answers.

| | receipts | refused (4xx) | errors (5xx) | lost | busy (503, retried) | receipt p50 | receipt p99 | throughput |
|---|---|---|---|---|---|---|---|---|
| platform (verify, store, sign the receipt) | {platform['receipts']} | {platform['refused']} \
| {platform['errors']} | {platform['lost']} | {platform['busy']} | {platform['p50']:.1f} s | {platform['p99']:.1f} s \
| {platform['mib_s']:.1f} MiB/s |
| bare Daphne endpoint writing the chunks to disk | {base['receipts']} | – | – | {base['lost']} | – \
| {base['p50']:.1f} s | {base['p99']:.1f} s | {base['mib_s']:.1f} MiB/s |

Platform throughput = **{ratio:.0%}** of the bare endpoint (target ≥ 70%); {bids} bids stored.
""")
    return 0 if platform["lost"] == 0 and platform["errors"] == 0 and \
        platform["receipts"] + platform["refused"] == len(results) else 1


def _request_seconds() -> str:
    """Median seconds per request kind as the clients saw them (then forgotten, for the next endpoint)."""
    text = ", ".join(f"{kind} p50 {sorted(v)[len(v) // 2]:.2f} s (n={len(v)})" for kind, v in REQUEST_SECONDS.items())
    REQUEST_SECONDS.clear()
    return text


def _database_fresh(url: str) -> None:
    """Each run starts from an empty database of its own (people, keys and bids of a run are not reused)."""
    import psycopg

    name = url.rsplit("/", 1)[1]
    with psycopg.connect(url.rsplit("/", 1)[0] + "/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    benchsupport.ensure_database(url)


def _daphne_for(application: str, env: dict, log: Path):
    """A Daphne process serving ``application`` (a module in bench/) on a free port."""
    import subprocess

    from tests.servers import BIN, free_port, wait_for_port

    port = free_port()
    process = subprocess.Popen([str(BIN / "daphne"), "-e", f"tcp:port={port}:interface=127.0.0.1:backlog=1024",
                                application], cwd=Path(__file__).parent, env={**os.environ, **env},
                               stdout=log.open("ab"), stderr=subprocess.STDOUT, start_new_session=True)
    wait_for_port(port, process=process)

    class Server:
        url = f"http://127.0.0.1:{port}"

        @staticmethod
        def kill():
            process.kill()
            process.wait()

    return Server


if __name__ == "__main__":
    sys.exit(main())
