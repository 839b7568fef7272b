"""Transaction statistics over 100,000 awarded sections, in PostgreSQL.

Run: .venv/bin/python bench/trading_statistics.py [--sections N] [--runs N]

Loads its own database (sunshine_bench_stats by default, BENCH_DATABASE_URL to change) once
(bulk inserts; later runs reuse the rows), then times in the same run, over the same rows:

1. baseline: a bare SQL GROUP BY (count, Σ base, Σ amount per category, or per month with
   date_trunc in Asia/Shanghai) over the current window only;
2. stats.selectors.statistics_table: every figure (savings/premium/value added by
   base type, per-base-type counts, distinct projects) for the current window AND the same
   window a year earlier (同比), in one query;

and prints median and p95 of each.
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
    from django.db import connection, transaction

    from accounts.credit_code import make
    from accounts.models import Organisation, Role, User
    from trading.models import Award, Project, Section, Status

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
    batch = 10_000
    t0 = time.perf_counter()
    for first in range(0, sections, batch):
        with transaction.atomic():
            n = min(batch, sections - first)
            plans = [(rng.choice(list(CATEGORIES)), rng.choice(REGIONS)) for _ in range(n)]
            projects = Project.objects.bulk_create([
                Project(title=f"{MARK}{first + i}", category=c, tenderer=tenderer, region=r, procurement_method="open",
                        evaluation_method="lowest_price", status=Status.ARCHIVED, created_by=user)
                for i, (c, r) in enumerate(plans)])
            rows = []
            for project in projects:
                base = Decimal(rng.randint(100_000, 50_000_000)).quantize(Decimal("0.01"))
                rows.append(Section(project=project, code="001", name="bench", base_amount=base,
                                    base_type=CATEGORIES[project.category]))
            section_rows = Section.objects.bulk_create(rows)
            awards = []
            for section in section_rows:
                ratio = Decimal(str(round(rng.uniform(0.85, 0.99) if section.base_type in ("budget", "price_cap")
                                          else rng.uniform(1.0, 1.4), 4)))
                awards.append(Award(section=section, organisation=rng.choice(winners), bid=None,
                                    amount=(section.base_amount * ratio).quantize(Decimal("0.01")),
                                    base_amount=section.base_amount, base_type=section.base_type,
                                    awarded_at=start + dt.timedelta(seconds=rng.randint(0, span)), awarded_by=user))
            Award.objects.bulk_create(awards)
    with connection.cursor() as cursor:
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


def timed(fn, runs: int) -> tuple[float, float, object]:
    result = fn()  # warm-up
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - t0)
    times.sort()
    return statistics.median(times), times[min(len(times) - 1, round(0.95 * (len(times) - 1)))], result


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sections", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=15)
    args = parser.parse_args()
    ensure_database(BENCH_URL)
    setup_django(BENCH_URL)
    from django.db import connection

    from core.workdays import today
    from stats.selectors import StatisticsFilter, _bounds, statistics_table

    end = today()
    load(args.sections, end=end)
    flt_start = dt.date(end.year - 1, 1, 1)
    print(f"window {flt_start} .. {end} (同比 against one year earlier); {args.runs} timed runs each")
    print(f"{'grouping':10} {'what':46} {'median':>9} {'p95':>9} {'rows':>6}")
    for group_by in ("category", "month"):
        flt = StatisticsFilter(group_by=group_by, date_from=flt_start, date_to=end)
        start, stop = _bounds(flt)

        def bare(group_by=group_by, start=start, stop=stop):
            with connection.cursor() as cursor:
                cursor.execute(BARE[group_by], [start, stop])
                return cursor.fetchall()

        for label, fn in (("baseline: bare SQL GROUP BY (current window)", bare),
                          ("statistics_table (all figures + 同比)", lambda flt=flt: statistics_table(flt=flt).rows)):
            median, p95, result = timed(fn, args.runs)
            print(f"{group_by:10} {label:46} {median * 1000:7.1f}ms {p95 * 1000:7.1f}ms {len(result):6}")


if __name__ == "__main__":
    main()
