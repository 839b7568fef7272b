"""The SQL that keeps ``stats_dealrollup`` equal to the raw deals, on PostgreSQL.

Statement-level AFTER triggers with transition tables (``REFERENCING NEW TABLE AS new_rows``) on
``trading_award`` (insert, update, delete), ``trading_project`` (update: cancellation and its reversal,
category, region) and ``stats_externaldeal``. Each sums what the statement changed per
(project, day, base type), adds it to the rollup with one ``INSERT … ON CONFLICT DO UPDATE``, and counts a
project-day when the group goes from no deal to some (and back). A statement-level trigger sees the whole
statement at once, so ``bulk_create``, ``QuerySet.update`` and raw SQL keep the rollup right exactly like the
services do; it runs in the writer's transaction, so the rollup commits or rolls back with the deal.

``RAW_ROLLUP`` is the same summary computed from scratch: ``manage.py rebuild_statistics`` compares the two.
"""

DAY = "({column} AT TIME ZONE 'Asia/Shanghai')::date"
AWARD_DAY = DAY.format(column="a.awarded_at")
DEAL_DAY = DAY.format(column="d.concluded_at")
SOURCE = "CASE WHEN p.imported THEN 'imported' ELSE 'platform' END"

UPSERT = """
INSERT INTO stats_dealrollup (day, category, region, base_type, source, awards, projects, base, amount)
SELECT day, category, region, base_type, source, SUM(n), SUM(projects), SUM(base), SUM(amount)
FROM deltas GROUP BY day, category, region, base_type, source
ON CONFLICT (day, category, region, base_type, source) DO UPDATE SET
    awards = stats_dealrollup.awards + EXCLUDED.awards,
    projects = stats_dealrollup.projects + EXCLUDED.projects,
    base = stats_dealrollup.base + EXCLUDED.base,
    amount = stats_dealrollup.amount + EXCLUDED.amount;
"""


def _award_changes(table: str, sign: int) -> str:
    return (f"SELECT s.project_id, a.base_type, {AWARD_DAY} AS day, {sign} AS n, {sign} * a.base_amount AS base, "
            f"{sign} * a.amount AS amount FROM {table} a JOIN trading_section s ON s.id = a.section_id "
            "WHERE a.refused_at IS NULL")


def _award_function(name: str, tables: list[tuple[str, int]]) -> str:
    changes = " UNION ALL ".join(_award_changes(table, sign) for table, sign in tables)
    return f"""
CREATE OR REPLACE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    WITH changes AS ({changes}),
    groups AS (
        SELECT project_id, base_type, day, SUM(n) AS n, SUM(base) AS base, SUM(amount) AS amount
        FROM changes GROUP BY project_id, base_type, day
    ),
    sized AS (
        SELECT g.*, p.category, p.region, {SOURCE} AS source,
               (SELECT count(*) FROM trading_award a JOIN trading_section s ON s.id = a.section_id
                WHERE s.project_id = g.project_id AND a.refused_at IS NULL AND a.base_type = g.base_type
                  AND {AWARD_DAY} = g.day) AS after_n
        FROM groups g JOIN trading_project p ON p.id = g.project_id
        WHERE p.status <> 'cancelled'
    ),
    deltas AS (
        SELECT day, category, region, base_type, source, n, base, amount,
               (after_n > 0)::int - (after_n - n > 0)::int AS projects
        FROM sized
    )
    {UPSERT}
    RETURN NULL;
END $$;
"""


def _deal_changes(table: str, sign: int) -> str:
    return (f"SELECT d.source, d.project_key, d.category, d.region, d.base_type, {DEAL_DAY} AS day, {sign} AS n, "
            f"{sign} * d.base_amount AS base, {sign} * d.amount AS amount FROM {table} d")


def _deal_function(name: str, tables: list[tuple[str, int]]) -> str:
    changes = " UNION ALL ".join(_deal_changes(table, sign) for table, sign in tables)
    return f"""
CREATE OR REPLACE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    WITH changes AS ({changes}),
    groups AS (
        SELECT source, project_key, category, region, base_type, day, SUM(n) AS n, SUM(base) AS base,
               SUM(amount) AS amount
        FROM changes GROUP BY source, project_key, category, region, base_type, day
    ),
    sized AS (
        SELECT g.*, (SELECT count(*) FROM stats_externaldeal d
                     WHERE d.source = g.source AND d.project_key = g.project_key AND d.category = g.category
                       AND d.region = g.region AND d.base_type = g.base_type AND {DEAL_DAY} = g.day) AS after_n
        FROM groups g
    ),
    deltas AS (
        SELECT day, category, region, base_type, source, n, base, amount,
               (after_n > 0)::int - (after_n - n > 0)::int AS projects
        FROM sized
    )
    {UPSERT}
    RETURN NULL;
END $$;
"""


# A project's whole contribution, under its old or new attributes: used when a project is cancelled (or the
# cancellation undone) or its category or region corrected.
PROJECT_FUNCTION = f"""
CREATE OR REPLACE FUNCTION stats_rollup_projects() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    WITH changed AS (
        SELECT o.id,
               o.category AS old_category, o.region AS old_region, o.imported AS old_imported,
               o.status <> 'cancelled' AS old_counted,
               n.category AS new_category, n.region AS new_region, n.imported AS new_imported,
               n.status <> 'cancelled' AS new_counted
        FROM old_rows o JOIN new_rows n ON n.id = o.id
        WHERE (o.status = 'cancelled') <> (n.status = 'cancelled') OR o.category <> n.category
           OR o.region <> n.region OR o.imported <> n.imported
    ),
    contributions AS (
        SELECT s.project_id, a.base_type, {AWARD_DAY} AS day, count(*) AS n, SUM(a.base_amount) AS base,
               SUM(a.amount) AS amount
        FROM trading_award a JOIN trading_section s ON s.id = a.section_id
        WHERE a.refused_at IS NULL AND s.project_id IN (SELECT id FROM changed)
        GROUP BY s.project_id, a.base_type, day
    ),
    deltas AS (
        SELECT c.day, x.old_category AS category, x.old_region AS region, c.base_type,
               CASE WHEN x.old_imported THEN 'imported' ELSE 'platform' END AS source,
               -c.n AS n, -c.base AS base, -c.amount AS amount, -1 AS projects
        FROM contributions c JOIN changed x ON x.id = c.project_id WHERE x.old_counted
        UNION ALL
        SELECT c.day, x.new_category, x.new_region, c.base_type,
               CASE WHEN x.new_imported THEN 'imported' ELSE 'platform' END,
               c.n, c.base, c.amount, 1
        FROM contributions c JOIN changed x ON x.id = c.project_id WHERE x.new_counted
    )
    {UPSERT}
    RETURN NULL;
END $$;
"""

_TRIGGERS = [
    ("stats_rollup_award_insert", "trading_award", "INSERT", "NEW TABLE AS new_rows",
     _award_function("stats_rollup_award_insert", [("new_rows", 1)])),
    ("stats_rollup_award_update", "trading_award", "UPDATE", "OLD TABLE AS old_rows NEW TABLE AS new_rows",
     _award_function("stats_rollup_award_update", [("old_rows", -1), ("new_rows", 1)])),
    ("stats_rollup_award_delete", "trading_award", "DELETE", "OLD TABLE AS old_rows",
     _award_function("stats_rollup_award_delete", [("old_rows", -1)])),
    ("stats_rollup_projects", "trading_project", "UPDATE", "OLD TABLE AS old_rows NEW TABLE AS new_rows",
     PROJECT_FUNCTION),
    ("stats_rollup_deal_insert", "stats_externaldeal", "INSERT", "NEW TABLE AS new_rows",
     _deal_function("stats_rollup_deal_insert", [("new_rows", 1)])),
    ("stats_rollup_deal_update", "stats_externaldeal", "UPDATE", "OLD TABLE AS old_rows NEW TABLE AS new_rows",
     _deal_function("stats_rollup_deal_update", [("old_rows", -1), ("new_rows", 1)])),
    ("stats_rollup_deal_delete", "stats_externaldeal", "DELETE", "OLD TABLE AS old_rows",
     _deal_function("stats_rollup_deal_delete", [("old_rows", -1)])),
]

CREATE = [function + f"CREATE TRIGGER {name} AFTER {event} ON {table} REFERENCING {tables} "
          f"FOR EACH STATEMENT EXECUTE FUNCTION {name}();"
          for name, table, event, tables, function in _TRIGGERS]
DROP = [f"DROP TRIGGER IF EXISTS {name} ON {table}; DROP FUNCTION IF EXISTS {name}();"
        for name, table, _event, _tables, _function in _TRIGGERS]

# The rollup computed from the raw rows: same columns, same keys.
RAW_ROLLUP = f"""
SELECT {AWARD_DAY} AS day, p.category, p.region, a.base_type, {SOURCE} AS source, count(*) AS awards,
       count(DISTINCT p.id) AS projects, SUM(a.base_amount) AS base, SUM(a.amount) AS amount
FROM trading_award a JOIN trading_section s ON s.id = a.section_id JOIN trading_project p ON p.id = s.project_id
WHERE a.refused_at IS NULL AND p.status <> 'cancelled'
GROUP BY 1, 2, 3, 4, 5
UNION ALL
SELECT {DEAL_DAY}, d.category, d.region, d.base_type, d.source, count(*), count(DISTINCT d.project_key),
       SUM(d.base_amount), SUM(d.amount)
FROM stats_externaldeal d
GROUP BY 1, 2, 3, 4, 5
"""

# --- Exact project counts -----------------------------------------------------------------------------------------
# ``stats_projectday`` holds one row per (source, project, category, region, day) with a deal, and
# ``stats_projectrollup`` counts those rows by day × the same project's previous deal day (``previous``, 0001-01-01
# when none) × category × region × source. A project has a deal in [a, b] exactly when one of its days d lies in
# [a, b] with its previous day before a — one such day per project — so Σ projects over the rows with a ≤ day ≤ b
# and previous < a counts every project once, over any range, without a distinct count (for a calendar period
# within the range: previous < max(a, the period's first day)). The triggers recompute the days of the projects a
# statement touched: the rollup gets −1 for each old (day, previous) and +1 for each new one.

NO_DAY = "DATE '0001-01-01'"
PLATFORM_SOURCES = "('platform', 'imported')"

_PLATFORM_DAYS = f"""
    SELECT DISTINCT {SOURCE} AS source, CAST(p.id AS text) AS project, p.category, p.region, {AWARD_DAY} AS day
    FROM trading_award a JOIN trading_section s ON s.id = a.section_id JOIN trading_project p ON p.id = s.project_id
    WHERE a.refused_at IS NULL AND p.status <> 'cancelled'"""
_DEAL_DAYS = f"""
    SELECT DISTINCT d.source, d.project_key AS project, d.category, d.region, {DEAL_DAY} AS day
    FROM stats_externaldeal d"""

_DELTAS_UPSERT = f"""
    deltas AS (
        SELECT day, COALESCE(LAG(day) OVER w, {NO_DAY}) AS previous, category, region, source, -1 AS n
        FROM old WINDOW w AS (PARTITION BY source, project, category, region ORDER BY day)
        UNION ALL
        SELECT day, COALESCE(LAG(day) OVER w, {NO_DAY}), category, region, source, 1
        FROM new WINDOW w AS (PARTITION BY source, project, category, region ORDER BY day)
    )
    INSERT INTO stats_projectrollup (day, previous, category, region, source, projects)
    SELECT day, previous, category, region, source, SUM(n) FROM deltas GROUP BY 1, 2, 3, 4, 5 HAVING SUM(n) <> 0
    ON CONFLICT (day, previous, category, region, source) DO UPDATE SET
        projects = stats_projectrollup.projects + EXCLUDED.projects;"""


def _days_function(name: str, touched: str, mine: str, new: str) -> str:
    """A trigger function: ``touched`` selects the projects the statement changed, ``mine`` (over ``d``) matches
    their stored days, ``new`` recomputes their days from the raw rows; both read the touched projects from
    ``TOUCHED`` (the CTE in the first statement, the subquery again in the next two)."""
    again = f"({touched}) t"
    return f"""
CREATE OR REPLACE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    WITH t AS ({touched}),
    old AS (SELECT d.source, d.project, d.category, d.region, d.day FROM stats_projectday d
            WHERE {mine.replace("TOUCHED", "t")}),
    new AS ({new.replace("TOUCHED", "t")}),
    {_DELTAS_UPSERT}
    DELETE FROM stats_projectday d WHERE {mine.replace("TOUCHED", again)};
    INSERT INTO stats_projectday (source, project, category, region, day) {new.replace("TOUCHED", again)};
    RETURN NULL;
END $$;
"""


def _platform_days_function(name: str, touched: str) -> str:
    return _days_function(
        name, touched,
        mine=f"d.source IN {PLATFORM_SOURCES} AND d.project IN (SELECT CAST(t.id AS text) FROM TOUCHED)",
        new=f"{_PLATFORM_DAYS} AND p.id IN (SELECT t.id FROM TOUCHED)")


def _award_touched(tables: list[str]) -> str:
    return " UNION ".join(f"SELECT s.project_id AS id FROM {table} a JOIN trading_section s ON s.id = a.section_id"
                          for table in tables)


_PROJECT_TOUCHED = """SELECT n.id FROM old_rows o JOIN new_rows n ON n.id = o.id
        WHERE (o.status = 'cancelled') <> (n.status = 'cancelled') OR o.category <> n.category
           OR o.region <> n.region OR o.imported <> n.imported"""


def _deal_days_function(name: str, tables: list[str]) -> str:
    touched = " UNION ".join(f"SELECT source, project_key FROM {table}" for table in tables)
    return _days_function(
        name, touched,
        mine="(d.source, d.project) IN (SELECT t.source, t.project_key FROM TOUCHED)",
        new=f"{_DEAL_DAYS} WHERE (d.source, d.project_key) IN (SELECT t.source, t.project_key FROM TOUCHED)")


_PROJECT_TRIGGERS = [
    ("stats_projects_award_insert", "trading_award", "INSERT", "NEW TABLE AS new_rows",
     _platform_days_function("stats_projects_award_insert", _award_touched(["new_rows"]))),
    ("stats_projects_award_update", "trading_award", "UPDATE", "OLD TABLE AS old_rows NEW TABLE AS new_rows",
     _platform_days_function("stats_projects_award_update", _award_touched(["old_rows", "new_rows"]))),
    ("stats_projects_award_delete", "trading_award", "DELETE", "OLD TABLE AS old_rows",
     _platform_days_function("stats_projects_award_delete", _award_touched(["old_rows"]))),
    ("stats_projects_projects", "trading_project", "UPDATE", "OLD TABLE AS old_rows NEW TABLE AS new_rows",
     _platform_days_function("stats_projects_projects", _PROJECT_TOUCHED)),
    ("stats_projects_deal_insert", "stats_externaldeal", "INSERT", "NEW TABLE AS new_rows",
     _deal_days_function("stats_projects_deal_insert", ["new_rows"])),
    ("stats_projects_deal_update", "stats_externaldeal", "UPDATE", "OLD TABLE AS old_rows NEW TABLE AS new_rows",
     _deal_days_function("stats_projects_deal_update", ["old_rows", "new_rows"])),
    ("stats_projects_deal_delete", "stats_externaldeal", "DELETE", "OLD TABLE AS old_rows",
     _deal_days_function("stats_projects_deal_delete", ["old_rows"])),
]

PROJECT_CREATE = [function + f"CREATE TRIGGER {name} AFTER {event} ON {table} REFERENCING {tables} "
                  f"FOR EACH STATEMENT EXECUTE FUNCTION {name}();"
                  for name, table, event, tables, function in _PROJECT_TRIGGERS]
PROJECT_DROP = [f"DROP TRIGGER IF EXISTS {name} ON {table}; DROP FUNCTION IF EXISTS {name}();"
                for name, table, _event, _tables, _function in _PROJECT_TRIGGERS]

# The project days and their rollup computed from the raw rows: same columns as the tables.
RAW_PROJECT_DAYS = f"{_PLATFORM_DAYS} UNION ALL {_DEAL_DAYS}"
RAW_PROJECT_ROLLUP = f"""
SELECT day, previous, category, region, source, count(*) AS projects FROM (
    SELECT day, COALESCE(LAG(day) OVER w, {NO_DAY}) AS previous, category, region, source
    FROM ({RAW_PROJECT_DAYS}) days WINDOW w AS (PARTITION BY source, project, category, region ORDER BY day)) r
GROUP BY 1, 2, 3, 4, 5
"""

# --- Months -------------------------------------------------------------------------------------------------------
# ``stats_dealrollupmonth`` and ``stats_projectrollupmonth`` are the two daily rollups summed by calendar month (and,
# for the projects, by the month of the previous deal day too). Statement-level triggers on the daily tables add what
# each statement changed there (new rows minus old rows) to the month's row, so they commit with the daily rows, which
# commit with the deals. An ``INSERT … ON CONFLICT DO UPDATE`` on a daily table fires both its INSERT trigger (the
# rows it inserted) and its UPDATE trigger (old and new values of the rows it updated).

MONTH = "CAST(date_trunc('month', {column}) AS date)"

_MONTHLY = {
    # daily table: (month table, the month's key columns from the daily row's, the summed columns)
    "stats_dealrollup": ("stats_dealrollupmonth", {
        "month": MONTH.format(column="day"), "category": "category", "region": "region", "base_type": "base_type",
        "source": "source"}, ("awards", "base", "amount")),
    "stats_projectrollup": ("stats_projectrollupmonth", {
        "month": MONTH.format(column="day"), "previous_month": MONTH.format(column="previous"),
        "category": "category", "region": "region", "source": "source"}, ("projects",)),
}


def monthly_sql(daily: str, rows: str = "") -> str:
    """The month rows of ``daily``'s rows (``rows``: a table or a subquery over the daily columns with a
    ``sign``), grouped and summed: the trigger's deltas, or with no ``rows`` the whole month table from scratch."""
    _table, keys, sums = _MONTHLY[daily]
    source = rows or f"(SELECT *, 1 AS sign FROM {daily}) d"
    key_list = ", ".join(f"{expr} AS {name}" for name, expr in keys.items())
    sum_list = ", ".join(f"SUM(sign * {name}) AS {name}" for name in sums)
    nonzero = " OR ".join(f"SUM(sign * {name}) <> 0" for name in sums)
    groups = ", ".join(str(i + 1) for i in range(len(keys)))
    return f"SELECT {key_list}, {sum_list} FROM {source} GROUP BY {groups} HAVING {nonzero}"


def _month_function(name: str, daily: str, tables: list[tuple[str, int]]) -> str:
    table, keys, sums = _MONTHLY[daily]
    changes = " UNION ALL ".join(f"SELECT *, {sign} AS sign FROM {rows}" for rows, sign in tables)
    columns = ", ".join([*keys, *sums])
    updates = ", ".join(f"{column} = {table}.{column} + EXCLUDED.{column}" for column in sums)
    return f"""
CREATE OR REPLACE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO {table} ({columns}) {monthly_sql(daily, f"({changes}) d")}
    ON CONFLICT ({", ".join(keys)}) DO UPDATE SET {updates};
    RETURN NULL;
END $$;
"""


_MONTH_TRIGGERS = [
    (f"{prefix}_insert", daily, "INSERT", "NEW TABLE AS new_rows", [("new_rows", 1)])
    for prefix, daily in (("stats_month_deal", "stats_dealrollup"), ("stats_month_project", "stats_projectrollup"))
] + [
    (f"{prefix}_update", daily, "UPDATE", "OLD TABLE AS old_rows NEW TABLE AS new_rows",
     [("old_rows", -1), ("new_rows", 1)])
    for prefix, daily in (("stats_month_deal", "stats_dealrollup"), ("stats_month_project", "stats_projectrollup"))
] + [
    (f"{prefix}_delete", daily, "DELETE", "OLD TABLE AS old_rows", [("old_rows", -1)])
    for prefix, daily in (("stats_month_deal", "stats_dealrollup"), ("stats_month_project", "stats_projectrollup"))
]

MONTH_CREATE = [_month_function(name, daily, tables) + f"CREATE TRIGGER {name} AFTER {event} ON {daily} "
                f"REFERENCING {transition} FOR EACH STATEMENT EXECUTE FUNCTION {name}();"
                for name, daily, event, transition, tables in _MONTH_TRIGGERS]
MONTH_DROP = [f"DROP TRIGGER IF EXISTS {name} ON {daily}; DROP FUNCTION IF EXISTS {name}();"
              for name, daily, _event, _transition, _tables in _MONTH_TRIGGERS]
