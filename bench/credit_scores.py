"""Credit scores for 100,000 subjects and 1,000,000 events as of a date, in PostgreSQL.

Run: .venv/bin/python bench/credit_scores.py [--subjects N] [--events N]

Loads its own database (sunshine_bench_credit by default, BENCH_DATABASE_URL to change)
with COPY, then times, in the same run and on the same events:

1. baseline: a bare aggregate, SELECT organisation_id, SUM(points) ... GROUP BY, same filter;
2. credit.selectors.scores_below_full: the scoring cycle and grades in one set-based query;
3. credit.selectors.scores_below_full_streaming: the same answer in one ordered streaming pass in Python;

and checks that 2 and 3 agree.
"""

import argparse
import datetime as dt
import os
import random
import statistics
import time

from benchsupport import ensure_database, setup_django

BENCH_URL = os.environ.get("BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/sunshine_bench_credit")






def load(subjects: int, events: int, *, end: dt.date) -> None:
    from django.db import connection

    from accounts.credit_code import make
    from credit.models import BehaviourVersion, CreditEvent

    org_table = "accounts_organisation"
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT count(*) FROM {org_table} WHERE name LIKE 'bench-%%'")
        have_orgs = cursor.fetchone()[0]
        cursor.execute(f"SELECT count(*) FROM {CreditEvent._meta.db_table}")
        have_events = cursor.fetchone()[0]
    if have_orgs == subjects and have_events == events:
        print(f"data already loaded: {subjects:,} subjects, {events:,} events")
        return
    print(f"loading {subjects:,} subjects and {events:,} events with COPY ...")
    started = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute(f"TRUNCATE {CreditEvent._meta.db_table} CASCADE")
        cursor.execute(f"DELETE FROM {org_table} WHERE name LIKE 'bench-%%'")
        now = dt.datetime.now(dt.UTC)
        with cursor.cursor.copy(f"COPY {org_table} (name, credit_code, org_type, region, created_at) FROM STDIN") as cp:
            for n in range(subjects):
                region = ("310000", "110000", "650000", "440300")[n % 4]
                cp.write_row((f"bench-{n:06d}", make(region=region, serial=50_000_000 + n), "bidder", region, now))
        cursor.execute(f"SELECT id FROM {org_table} WHERE name LIKE 'bench-%%' ORDER BY id")
        org_ids = [row[0] for row in cursor.fetchall()]
        versions = list(BehaviourVersion.objects.filter(points__gt=0, applies_to__in=["organisation", "any"])
                        .values_list("id", "points"))
        rng = random.Random(2026)
        start = end - dt.timedelta(days=3 * 365)
        span = (end - start).days
        columns = ("organisation_id, behaviour_version_id, points, deal_code, evidence, source, decision_number, "
                   "occurred_on, counts_from, counts_until, status, correction_reason, recorded_at")
        with cursor.cursor.copy(f"COPY {CreditEvent._meta.db_table} ({columns}) FROM STDIN") as cp:
            for _ in range(events):
                version_id, points = rng.choice(versions)
                day = start + dt.timedelta(days=rng.randrange(span))
                corrected = rng.random() < 0.02
                until = day + dt.timedelta(days=rng.randrange(1, 200)) if corrected else None
                cp.write_row((rng.choice(org_ids), version_id, points, "", "bench", "platform", "", day, day, until,
                              "annulled" if corrected else "effective", "bench" if corrected else "", now))
        cursor.execute(f"ANALYZE {CreditEvent._meta.db_table}")
    print(f"loaded in {time.perf_counter() - started:.1f} s")


def timed(label: str, fn, repeat: int):
    runs, result = [], None
    for _ in range(repeat):
        started = time.perf_counter()
        result = fn()
        runs.append(time.perf_counter() - started)
    print(f"{label:<58} median {statistics.median(runs):7.3f} s  best {min(runs):7.3f} s  ({len(result):,} rows)")
    return result, statistics.median(runs)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--subjects", type=int, default=100_000)
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    ensure_database(BENCH_URL)
    setup_django(BENCH_URL)

    from django.db import connection

    from credit import selectors
    from credit.models import CreditEvent

    on = dt.date(2026, 6, 30)
    load(args.subjects, args.events, end=on)

    def bare():
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT organisation_id, SUM(points) FROM {CreditEvent._meta.db_table} "
                "WHERE occurred_on <= %(on)s AND counts_from <= %(on)s "
                "AND (counts_until IS NULL OR counts_until > %(on)s) AND points > 0 GROUP BY organisation_id",
                {"on": on})
            return cursor.fetchall()

    print(f"PostgreSQL {connection.pg_version}, as of {on}:")
    _, base = timed("baseline: bare SUM(points) GROUP BY subject", bare, args.repeat)
    sql, set_based = timed("scores_below_full (cycle + grade, one set-based query)",
                           lambda: selectors.scores_below_full(on=on), args.repeat)
    streamed, stream = timed("scores_below_full_streaming (one ordered pass, Python)",
                             lambda: selectors.scores_below_full_streaming(on=on), 1)
    assert sql == streamed, "set-based and streaming scores disagree"
    grades = {}
    for _score, grade in sql.values():
        grades[grade] = grades.get(grade, 0) + 1
    grades[selectors.grade_thresholds()[0][0]] = grades.get("A", 0) + args.subjects - len(sql)
    print(f"set-based / baseline: {set_based / base:.2f}x; streaming / baseline: {stream / base:.2f}x")
    print("grades:", ", ".join(f"{g} {n:,}" for g, n in sorted(grades.items())))


if __name__ == "__main__":
    main()
