"""The open-data change feed paging through 1,000,000 OCDS releases, in PostgreSQL.

Run: .venv/bin/python bench/opendata_feed.py [--releases N] [--page 1000] [--write]

Loads its own database (sunshine_bench_feed, BENCH_DATABASE_URL to change) once with COPY: N award releases of
about 1 KB each, as opendata.ocds builds them, spread over three years, then VACUUM (ANALYZE)s it, as autovacuum
leaves a live table: otherwise the insert-triggered autovacuum of the freshly copied table (GBs) runs during the walk
and slows its later pages. Then, in the same run:

1. the page query's plan (EXPLAIN ANALYZE, BUFFERS) at the start, middle and end: one range scan of the primary key,
   no sort, the same buffers at every depth;
2. the feed as a client walks it: GET /api/opendata/releases/?cursor=…&limit=… through the Django test client
   (keyset paging, release package JSON), every page from the first to the last, each timed twice: the server's
   page (request to response bytes) and the client's decoding of it (json.loads of ~1.2 MB, which the platform does
   not do: it is the reader's cost, reported apart);
3. the same pages side by side: the server's page at five depths (start, quarter, middle, three quarters, end) in
   turn, round after round, so that whatever else the shared machine runs weighs on every depth alike (the walk's
   tenths follow the machine's load as much as the depth);
4. baselines on a bare cursor at the start, middle and end of the table: the same keyset SELECT, and OFFSET paging
   (what a feed without a cursor would do), whose cost grows with the depth.

Prints the page times by tenth of the walk (a steady rate: the last tenth as fast as the first) and the baselines.
"""

import argparse
import datetime as dt
import json
import os
import random
import re
import statistics
import time

from benchsupport import ensure_database, setup_django

BENCH_URL = os.environ.get("BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/sunshine_bench_feed")


def release(n: int, at: dt.datetime, rng: random.Random) -> dict:
    code = f"3101{n % 20:02d}0{1 + n % 4}{at.year}{n:07d}{n % 10}"
    ocid = f"ocds-sunshn-{code}"
    amount = float(rng.randint(100_000, 50_000_000))
    supplier = {"id": f"CN-USCC-91310000{n % 997:09d}X", "name": f"某建设工程有限公司{n % 997}"}
    buyer = {"id": f"CN-USCC-11310000{n % 211:09d}Y", "name": f"某区人民政府某局{n % 211}"}
    return {
        "ocid": ocid, "id": f"{ocid}-award-{n}", "date": at.isoformat(timespec="seconds"), "tag": ["award"],
        "initiationType": "tender", "language": "zh", "buyer": buyer,
        "tender": {"id": code, "title": f"阳光市某区某项目{n}", "status": "complete", "procuringEntity": buyer,
                   "procurementMethod": "open", "procurementMethodDetails": "工程建设·公开招标",
                   "mainProcurementCategory": "works",
                   "lots": [{"id": "001", "title": "一标段", "status": "complete",
                             "value": {"amount": amount, "currency": "CNY"}}]},
        "parties": [{**buyer, "roles": ["buyer", "procuringEntity"]}, {**supplier, "roles": ["supplier"]}],
        "awards": [{"id": f"{code}-001-{n}", "status": "active", "date": at.isoformat(timespec="seconds"),
                    "value": {"amount": round(amount * 0.93, 2), "currency": "CNY"}, "suppliers": [supplier],
                    "relatedLots": ["001"]}],
    }


def load(count: int) -> None:
    from django.db import connection

    from opendata.models import Release

    have = Release.objects.count()
    if have >= count:
        print(f"reusing {have:,} releases")
        return
    if have:
        raise SystemExit(f"{have:,} releases loaded, fewer than {count:,}: drop the database and rerun")
    rng = random.Random(17)  # noqa: S311 - benchmark data
    start = dt.datetime(2023, 1, 1, tzinfo=dt.UTC)
    t0 = time.perf_counter()
    raw = connection.cursor().connection
    batch = 100_000
    for first in range(0, count, batch):
        with raw.cursor() as cur, cur.copy("COPY opendata_release (release_id, ocid, deal_code, tag, date, "
                                            "published_at, imported, data) FROM STDIN") as copy:
            for n in range(first, min(count, first + batch)):
                at = start + dt.timedelta(seconds=n * 94)  # three years for a million
                data = release(n, at, rng)
                copy.write_row((data["id"], data["ocid"], data["tender"]["id"], "award", at, at, False,
                                json.dumps(data, ensure_ascii=False)))
        raw.commit()
        print(f"  {min(count, first + batch):,} loaded ({time.perf_counter() - t0:.0f} s)", flush=True)
    print(f"loaded {count:,} releases in {time.perf_counter() - t0:.1f} s")


def vacuum() -> None:
    """What autovacuum does to a live table (hint bits, visibility map, statistics), done before the walk."""
    from django.db import connection

    t0 = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute("VACUUM (ANALYZE) opendata_release")
    print(f"VACUUM (ANALYZE) in {time.perf_counter() - t0:.1f} s")


def plans(count: int, page: int) -> list[tuple[str, int, str, str]]:
    """The feed's page query (opendata.selectors.feed_rows) explained at the start, middle and end of the table:
    (where, depth, first plan node, buffers and time)."""
    from django.db import connection

    from opendata.selectors import feed_rows

    found = []
    with connection.cursor() as cursor:
        cursor.execute("SELECT min(id) FROM opendata_release")
        low = cursor.fetchone()[0]  # the ids are contiguous: loaded at once
    for label, depth in (("start", 0), ("middle", count // 2), ("end", count - page)):
        with connection.cursor() as cursor:
            sql, params = feed_rows(after=low - 1 + depth, limit=page).query.sql_with_params()
            cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql, params)
            lines = [row[0] for row in cursor.fetchall()]
        scan = next(line.strip().removeprefix("->  ") for line in lines if "Scan" in line)
        scan = re.sub(r"\s*\(cost=.*", "", scan)
        buffers = next(line.strip() for line in lines if line.strip().startswith("Buffers"))
        timing = next(line.strip() for line in lines if line.startswith("Execution Time"))
        assert "Sort" not in "\n".join(lines), lines
        found.append((label, depth, scan, f"{buffers}; {timing}"))
        print(f"  plan at the {label:6} (row {depth:>9,}): {scan}; {buffers}; {timing}")
    return found


def p95(samples: list[float]) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--releases", type=int, default=1_000_000)
    parser.add_argument("--page", type=int, default=1000)
    parser.add_argument("--rounds", type=int, default=30, help="rounds of the side-by-side pages")
    parser.add_argument("--write", action="store_true", help="record the figures in bench/RESULTS.md")
    args = parser.parse_args()
    ensure_database(BENCH_URL)
    # A harvester walking the whole feed: the operator grants it a rate above the anonymous default (accounts.throttling
    # still counts every page, as for any reader).
    os.environ.setdefault("THROTTLE_ANON", "1000000/min")
    setup_django(BENCH_URL)
    from django.db import connection
    from django.test import Client

    load(args.releases)
    vacuum()
    load_before = os.getloadavg()
    explained = plans(args.releases, args.page)
    client = Client()
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_size_pretty(pg_total_relation_size('opendata_release')), min(id), max(id) "
                       "FROM opendata_release")
        size, low, high = cursor.fetchone()

    times, decoding, count, cursor_at, t0 = [], [], 0, 0, time.perf_counter()
    url = f"/api/opendata/releases/?limit={args.page}"
    while url:
        start = time.perf_counter()
        response = client.get(url)
        served = time.perf_counter()
        assert response.status_code == 200, response.status_code
        body = json.loads(response.content)
        times.append(served - start)
        decoding.append(time.perf_counter() - served)
        count += len(body["releases"])
        cursor_at = body["next_cursor"]
        url = f"/api/opendata/releases/?cursor={cursor_at}&limit={args.page}" if cursor_at else None
    walk = time.perf_counter() - t0
    load_after = os.getloadavg()
    assert count == args.releases, count
    pages = count // args.page  # the pages of a full page each (a last, short or empty page aside)
    full, decoded = times[:pages], decoding[:pages]
    tenth = -(-len(full) // 10)
    rows = []
    for k in range(0, len(full), tenth):
        part, parsed = full[k:k + tenth], decoded[k:k + tenth]
        rows.append((f"pages {k + 1}-{k + len(part)}", statistics.median(part) * 1000, p95(part) * 1000,
                     statistics.median(parsed) * 1000))
    print(f"{count:,} releases ({size}) in {len(times)} pages of {args.page}: {walk:.1f} s, "
          f"{count / walk:,.0f} releases/s; load average {load_before[0]:.1f} before, {load_after[0]:.1f} after")
    for label, median, high_p, parsed in rows:
        print(f"  {label:>16}: server page median {median:7.1f} ms  p95 {high_p:7.1f} ms   "
              f"client decoding median {parsed:6.1f} ms")

    depths = {"start": 0, "quarter": args.releases // 4, "middle": args.releases // 2,
              "three quarters": 3 * args.releases // 4, "end": args.releases - args.page}
    side = {label: [] for label in depths}
    for _ in range(args.rounds):
        for label, depth in depths.items():
            start = time.perf_counter()
            response = client.get(f"/api/opendata/releases/?cursor={low - 1 + depth}&limit={args.page}")
            side[label].append(time.perf_counter() - start)
            assert response.status_code == 200, response.status_code
    interleaved = [(label, depths[label], statistics.median(side[label]) * 1000, p95(side[label]) * 1000)
                   for label in depths]
    for label, depth, median, high_p in interleaved:
        print(f"  side by side at the {label:14} (row {depth:>9,}): server page median {median:7.1f} ms  "
              f"p95 {high_p:7.1f} ms ({args.rounds} rounds)")

    def bare(sql: str, params: list) -> float:
        samples = []
        for _ in range(5):
            with connection.cursor() as cursor:
                start = time.perf_counter()
                cursor.execute(sql, params)
                cursor.fetchall()
                samples.append(time.perf_counter() - start)
        return statistics.median(samples) * 1000

    baselines = []
    for label, depth in (("start", 0), ("middle", args.releases // 2), ("end", args.releases - args.page)):
        keyset = bare("SELECT id, data FROM opendata_release WHERE id > %s ORDER BY id LIMIT %s",
                      [low - 1 + depth, args.page])
        offset = bare("SELECT id, data FROM opendata_release ORDER BY id OFFSET %s LIMIT %s", [depth, args.page])
        baselines.append((label, depth, keyset, offset))
        print(f"  bare SQL at the {label:6} (row {depth:>9,}): keyset {keyset:7.1f} ms   OFFSET {offset:7.1f} ms")
    first, last = rows[0][1], rows[-1][1]
    middle = statistics.median(row[1] for row in rows)
    ends = interleaved[-1][2] / interleaved[0][2]
    verdict = (f"side by side, the server's page at the end {interleaved[-1][2]:.1f} ms vs at the start "
               f"{interleaved[0][2]:.1f} ms ({ends:.2f}×); along the walk, the last tenth's median {last:.1f} ms vs "
               f"the first tenth's {first:.1f} ms ({last / first:.2f}×; the median tenth {middle:.1f} ms)")
    print(verdict)
    if args.write:
        from benchsupport import results_section_append

        table = ("| pages | server page median | server page p95 | client decoding median |\n|---|---|---|---|\n"
                 + "\n".join(f"| {label} | {median:.1f} ms | {high_p:.1f} ms | {parsed:.1f} ms |"
                              for label, median, high_p, parsed in rows))
        plan = "| where | page query's plan | buffers, time |\n|---|---|---|\n" + "\n".join(
            f"| {label} (row {depth:,}) | {scan} | {detail} |" for label, depth, scan, detail in explained)
        sides = (f"The same pages side by side ({args.rounds} rounds, the five depths in turn):\n\n"
                 "| where | server page median | p95 |\n|---|---|---|\n" + "\n".join(
                     f"| {label} (row {depth:,}) | {median:.1f} ms | {high_p:.1f} ms |"
                     for label, depth, median, high_p in interleaved))
        base = "| where | keyset SELECT (bare) | OFFSET SELECT (bare) |\n|---|---|---|\n" + "\n".join(
            f"| {label} (row {depth:,}) | {keyset:.1f} ms | {offset:.1f} ms |" for label, depth, keyset, offset
            in baselines)
        results_section_append(f"Open-data change feed through {args.releases:,} releases", (
            f"{dt.date.today()}, `bench/opendata_feed.py --releases {args.releases} --write`: a client walks "
            f"GET /api/opendata/releases/ page by page ({args.page} releases a page, Django test client, JSON "
            f"release packages); table {size}, vacuumed before the walk. The whole walk: {walk:.1f} s, "
            f"{count / walk:,.0f} releases/s. Load average {load_before[0]:.1f} before the walk, "
            f"{load_after[0]:.1f} after (shared 2-core machine).\n\n{plan}\n\n{table}\n\n{sides}\n\n"
            f"Baselines, same run, bare cursor ({args.page} rows):\n\n{base}\n\n{verdict}."))


if __name__ == "__main__":
    main()
