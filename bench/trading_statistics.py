"""Transaction statistics at 100,000 (default) or 1,000,000 awarded sections, in PostgreSQL.

Run: .venv/bin/python bench/trading_statistics.py [--sections N] [--runs N] [--write] [--page-only] [--profile GROUP_BY]

Loads its own database (sunshine_bench_stats by default, BENCH_DATABASE_URL to change) once
(COPY, 50,000 rows a statement, the rollup triggers firing; later runs reuse the rows), then times in the same run,
over the same rows:

1. baseline: a bare SQL GROUP BY (count, Σ base, Σ amount per category, or per month with
   date_trunc in Asia/Shanghai) over the award table, current window only;
2. stats.selectors.statistics_table from the rollup: every figure for the current window AND the same
   window a year earlier (同比), in one query; and the same over the awards (the raw path);
3. the statistics page as an official sees it (Django test client: four tables, charts, template);

prints median and p95 of each, the page's ratio to the baseline, and the rollup proof (rebuild_statistics).
"""

import argparse
import datetime as dt
import os
import random
import statistics
import time
from decimal import Decimal

from benchsupport import ensure_database, setup_django

BENCH_URL = os.environ.get("BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/sunshine_bench_stats")
MARK = "bench-stat-"
CATEGORIES = {"construction": "price_cap", "government": "budget", "land": "starting_price",
              "property": "valuation", "other": "budget"}
REGIONS = ("310101", "310104", "310105", "310112", "310115", "320102", "330106", "440103")






def load(sections: int, *, end: dt.date) -> None:
    """Projects, sections and awards with COPY, 50,000 per statement: the rollup triggers fire per statement."""
    from django.db import connection

    from accounts.credit_code import make
    from accounts.models import Organisation, Role, User
    from trading.models import Award

    have = Award.objects.filter(section__project__title__startswith=MARK).count()
    if have >= sections:
        print(f"reusing {have:,} awarded sections")
        return
    if have:
        raise SystemExit(f"{have:,} bench sections loaded, fewer than {sections:,}: drop the database and rerun")
    tenderer = Organisation.objects.create(name=f"{MARK}tenderer", credit_code=make(region="310000", serial=1),
                                           org_type=Organisation.Type.TENDERER, region="310000")
    winners = [Organisation.objects.create(name=f"{MARK}winner{n}", credit_code=make(region="310000", serial=2 + n),
                                           org_type=Organisation.Type.BIDDER, region="310000") for n in range(20)]
    user = User.objects.create(username=f"{MARK}agency", role=Role.AGENCY, organisation=tenderer)
    rng = random.Random(7)  # noqa: S311 - benchmark data
    start = dt.datetime.combine(end - dt.timedelta(days=3 * 365), dt.time(9), tzinfo=dt.UTC)
    span = (end - dt.timedelta(days=1) - start.date()).days * 86400
    batch = 50_000
    t0 = time.perf_counter()
    raw = connection.cursor().connection
    with connection.cursor() as cursor:
        cursor.execute("SELECT COALESCE(MAX(id), 0) FROM trading_project")
        first_id = cursor.fetchone()[0] + 1
        cursor.execute("SELECT COALESCE(MAX(id), 0) FROM trading_section")
        first_section = cursor.fetchone()[0] + 1
    for first in range(0, sections, batch):
        n = min(batch, sections - first)
        plans = []
        for i in range(n):
            category = rng.choice(list(CATEGORIES))
            base = Decimal(rng.randint(100_000, 50_000_000))
            base_type = CATEGORIES[category]
            ratio = Decimal(str(round(rng.uniform(0.85, 0.99) if base_type in ("budget", "price_cap")
                                      else rng.uniform(1.0, 1.4), 4)))
            at = start + dt.timedelta(seconds=rng.randint(0, span))
            plans.append((first_id + first + i, first_section + first + i, category, rng.choice(REGIONS), base,
                          base_type, (base * ratio).quantize(Decimal("0.01")), at))
        with raw.cursor() as cur:
            with cur.copy("COPY trading_project (id, title, description, category, tenderer_id, region, "
                          "procurement_method, procurement_object, evaluation_method, evaluation_criteria, "
                          "decryption_window_minutes, objection_window_minutes, allow_backup_decryption, status, "
                          "suspended_from, end_reason, imported, key_files_allowed, created_by_id, created_at, "
                          "updated_at) FROM STDIN") as copy:
                for pk, _s, category, region, _b, _bt, _a, at in plans:
                    copy.write_row((pk, f"{MARK}{pk}", "", category, tenderer.pk, region, "open", "",
                                    "lowest_price", "[]", 30, 10, False, "archived", "", "", False, False, user.pk, at,
                                    at))
            with cur.copy("COPY trading_section (id, project_id, code, name, base_amount, base_type, "
                          "announced_items) FROM STDIN") as copy:
                for pk, section, _c, _r, base, base_type, _a, _at in plans:
                    copy.write_row((section, pk, "001", "bench", base, base_type, "[]"))
            with cur.copy("COPY trading_award (section_id, organisation_id, amount, base_amount, base_type, "
                          "awarded_at, awarded_by_id, refusal, refusal_reason) FROM STDIN") as copy:
                for _pk, section, _c, _r, base, base_type, amount, at in plans:
                    copy.write_row((section, rng.choice(winners).pk, amount, base, base_type, at, user.pk, "", ""))
        raw.commit()
        print(f"  {first + n:,} loaded ({time.perf_counter() - t0:.0f} s)", flush=True)
    with connection.cursor() as cursor:
        for table in ("trading_project", "trading_section"):
            cursor.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT MAX(id) FROM {table}))")
        cursor.execute("ANALYZE")
    print(f"loaded {sections:,} awarded sections in {time.perf_counter() - t0:.1f} s")


BARE = {
    "category": """
        SELECT p.category, count(*), sum(a.base_amount), sum(a.amount)
        FROM trading_award a JOIN trading_section s ON s.id = a.section_id JOIN trading_project p ON p.id = s.project_id
        WHERE a.awarded_at >= %s AND a.awarded_at < %s GROUP BY p.category""",
    "month": """
        SELECT date_trunc('month', a.awarded_at AT TIME ZONE 'Asia/Shanghai'), count(*), sum(a.base_amount),
               sum(a.amount)
        FROM trading_award a JOIN trading_section s ON s.id = a.section_id JOIN trading_project p ON p.id = s.project_id
        WHERE a.awarded_at >= %s AND a.awarded_at < %s GROUP BY 1""",
}


def timed(fn, runs: int) -> tuple[float, float, float, object]:
    """Median and p95 wall time, and the mean CPU time of this process (Python's share, whatever the load)."""
    result = fn()  # warm-up
    times = []
    cpu = time.process_time()
    for _ in range(runs):
        t0 = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - t0)
    cpu = (time.process_time() - cpu) / runs
    times.sort()
    return statistics.median(times), times[min(len(times) - 1, round(0.95 * (len(times) - 1)))], cpu, result


def profile(client, query: dict, runs: int) -> None:
    """The page under cProfile, in this process: the cumulative and the own time of the costliest functions."""
    import cProfile
    import pstats

    client.get("/statistics/", query)  # warm-up: templates, translations, connections
    profiler = cProfile.Profile()
    t0 = time.perf_counter()
    profiler.enable()
    for _ in range(runs):
        assert client.get("/statistics/", query).status_code == 200
    profiler.disable()
    print(f"{runs} pages {query}: {(time.perf_counter() - t0) / runs * 1000:.1f} ms each under the profiler; "
          f"load {' / '.join(f'{x:.1f}' for x in os.getloadavg())}")
    stats = pstats.Stats(profiler)
    stats.sort_stats("cumulative").print_stats(45)
    stats.sort_stats("tottime").print_stats(25)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sections", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--write", action="store_true", help="record the figures in bench/RESULTS.md")
    parser.add_argument("--page-only", action="store_true", help="time only the page (to compare two versions of "
                        "it on the same rows, run after each other)")
    parser.add_argument("--profile", metavar="GROUP_BY", help="only profile the page (cProfile, in-process) grouped "
                        "by GROUP_BY over --runs requests and print where the time goes")
    args = parser.parse_args()
    ensure_database(BENCH_URL)
    # The page is timed, not the throttle: its 20 pages a minute would refuse a fast run's requests.
    os.environ.setdefault("THROTTLE_STATISTICS", "100000/min")
    setup_django(BENCH_URL)
    from django.db import connection
    from django.test import Client

    from accounts.models import Role, User
    from core.workdays import today
    from stats.rollup import rollup_differences
    from stats.selectors import StatisticsFilter, _bounds, statistics_table

    end = today()
    load(args.sections, end=end)
    flt_start = dt.date(end.year - 1, 1, 1)
    official, _ = User.objects.get_or_create(username=f"{MARK}official", defaults={"role": Role.OFFICIAL})
    client = Client()
    client.force_login(official)
    if args.profile:
        profile(client, {"group_by": args.profile, "from": flt_start.isoformat(), "to": end.isoformat()}, args.runs)
        return
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM stats_dealrollup")
        rollup_rows = cursor.fetchone()[0]
    print(f"{args.sections:,} awarded sections, rollup {rollup_rows:,} rows; window {flt_start} .. {end} "
          f"(同比 against one year earlier); {args.runs} timed runs each")
    print(f"{'grouping':10} {'what':52} {'median':>9} {'p95':>9} {'cpu':>9} {'rows':>6}")
    lines, figures = [], {}
    for group_by in ("category", "month"):
        flt = StatisticsFilter(group_by=group_by, date_from=flt_start, date_to=end)
        start, stop = _bounds(flt)

        def bare(group_by=group_by, start=start, stop=stop):
            with connection.cursor() as cursor:
                cursor.execute(BARE[group_by], [start, stop])
                return cursor.fetchall()

        def page(group_by=group_by):
            response = client.get("/statistics/", {"group_by": group_by, "from": flt_start.isoformat(),
                                                   "to": end.isoformat()})
            assert response.status_code == 200, response.status_code
            return [response]

        cases = (("baseline: bare SQL GROUP BY over the awards (current window)", bare),
                 ("statistics_table from the rollup (all figures + 同比)",
                  lambda flt=flt: statistics_table(flt=flt).rows),
                 ("statistics_table over the awards (raw path, same figures)",
                  lambda flt=flt: statistics_table(flt=flt, raw=True).rows),
                 ("the statistics page (table, charts, 流标, SVG, template)", page))
        if args.page_only:
            cases = cases[-1:]
        for label, fn in cases:
            median, p95, cpu, result = timed(fn, args.runs)
            figures[(group_by, label.split(" ")[0])] = p95
            lines.append((group_by, label, median, p95, cpu))
            print(f"{group_by:10} {label:52} {median * 1000:7.1f}ms {p95 * 1000:7.1f}ms {cpu * 1000:7.1f}ms "
                  f"{len(result):6}", flush=True)
    if args.page_only:
        print(f"load {' / '.join(f'{x:.1f}' for x in os.getloadavg())}")
        return
    t0 = time.perf_counter()
    differences = rollup_differences()
    proof = time.perf_counter() - t0
    print(f"rebuild_statistics proof: {'equal' if not differences else f'{len(differences)} rows differ'} "
          f"({proof:.1f} s)")
    table = "| grouping | what | median | p95 | CPU (this process) |\n|---|---|---|---|---|\n" + "\n".join(
        f"| {g} | {label} | {m * 1000:.1f} ms | {p * 1000:.1f} ms | {c * 1000:.1f} ms |" for g, label, m, p, c in lines)
    ratios = {g: figures[(g, "the")] / figures[(g, "baseline:")] for g in ("category", "month")}
    verdict = "; ".join(f"{g}: page p95 {figures[(g, 'the')] * 1000:.0f} ms = {ratios[g]:.2f}× the bare GROUP BY"
                        for g in ratios)
    print(verdict)
    if args.write:
        from benchsupport import results_section_append

        results_section_append(f"Statistics at {args.sections:,} awarded sections (rollup), {dt.date.today()}", (
            f"{dt.date.today()}, `bench/trading_statistics.py --sections {args.sections} --write`, {args.runs} runs "
            f"each, rollup {rollup_rows:,} rows, window {flt_start} .. {end} with 同比. Target (issue #17): the page "
            f"p95 ≤ 300 ms and ≤ 0.25× a bare GROUP BY over the award table. Load average at the end "
            f"{' / '.join(f'{x:.1f}' for x in os.getloadavg())} (shared 2-core machine).\n\n{table}\n\n{verdict}. "
            f"`rebuild_statistics` proof: {'equal' if not differences else 'DIFFERENT'} in {proof:.1f} s."))


if __name__ == "__main__":
    main()
