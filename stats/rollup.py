"""Prove the rollups equal the raw aggregates (stats/rollup_sql.py RAW_ROLLUP, RAW_PROJECT_DAYS, RAW_PROJECT_ROLLUP,
and the month tables summed from those), or recompute them."""

from django.db import connection, transaction

from .rollup_sql import RAW_PROJECT_DAYS, RAW_PROJECT_ROLLUP, RAW_ROLLUP, monthly_sql

_COLUMNS = "day, category, region, base_type, source, awards, projects, base, amount"
_DAY_COLUMNS = "source, project, category, region, day"
_PROJECT_COLUMNS = "day, previous, category, region, source, projects"
_MONTH_COLUMNS = "month, category, region, base_type, source, awards, base, amount"
_PROJECT_MONTH_COLUMNS = "month, previous_month, category, region, source, projects"


def _compare(label: str, raw: str, stored: str) -> str:
    """Rows on one side only, labelled ``raw <label>`` / ``stored <label>``, as one SELECT."""
    return f"""
        SELECT 'raw {label}', CAST(row(x.*) AS text) FROM (({raw}) EXCEPT ({stored})) x
        UNION ALL
        SELECT 'stored {label}', CAST(row(y.*) AS text) FROM (({stored}) EXCEPT ({raw})) y"""


def rollup_differences() -> list[tuple]:
    """Rows present on one side only: (``raw …`` or ``stored …``, the row as text), for the deal rollup (empty rows,
    every deal of a key taken out again, ignored), the project days, the project rollup (zero rows ignored) and the
    two month tables (each summed from the raw aggregate, not from the stored daily rows). One statement, so one
    snapshot."""
    deals = _compare("rollup", "SELECT * FROM raw_rollup", f"SELECT {_COLUMNS} FROM stats_dealrollup "
                     "WHERE awards <> 0 OR projects <> 0 OR base <> 0 OR amount <> 0")
    days = _compare("project days", RAW_PROJECT_DAYS, f"SELECT {_DAY_COLUMNS} FROM stats_projectday")
    projects = _compare("project rollup", "SELECT * FROM raw_projects",
                        f"SELECT {_PROJECT_COLUMNS} FROM stats_projectrollup WHERE projects <> 0")
    months = _compare("monthly rollup", monthly_sql("stats_dealrollup", "(SELECT *, 1 AS sign FROM raw_rollup) d"),
                      f"SELECT {_MONTH_COLUMNS} FROM stats_dealrollupmonth "
                      "WHERE awards <> 0 OR base <> 0 OR amount <> 0")
    project_months = _compare(
        "monthly project rollup", monthly_sql("stats_projectrollup", "(SELECT *, 1 AS sign FROM raw_projects) d"),
        f"SELECT {_PROJECT_MONTH_COLUMNS} FROM stats_projectrollupmonth WHERE projects <> 0")
    with connection.cursor() as cursor:
        cursor.execute(f"""
            WITH raw_rollup AS MATERIALIZED ({RAW_ROLLUP}), raw_projects AS MATERIALIZED ({RAW_PROJECT_ROLLUP})
            SELECT * FROM ({deals} UNION ALL {days} UNION ALL {projects} UNION ALL {months}
                           UNION ALL {project_months}) d ORDER BY 2, 1""")
        return cursor.fetchall()


def months_fill(cursor) -> None:
    """The two month tables summed from the stored daily rows (after a rebuild, or when the tables are new)."""
    cursor.execute("DELETE FROM stats_dealrollupmonth")
    cursor.execute(f"INSERT INTO stats_dealrollupmonth ({_MONTH_COLUMNS}) {monthly_sql('stats_dealrollup')}")
    cursor.execute("DELETE FROM stats_projectrollupmonth")
    cursor.execute(f"INSERT INTO stats_projectrollupmonth ({_PROJECT_MONTH_COLUMNS}) "
                   f"{monthly_sql('stats_projectrollup')}")


@transaction.atomic
def rollup_rebuild() -> int:
    """Recompute the rollups from the raw rows; writers wait (the tables are locked) until this commits. Returns
    the deal rollup's rows."""
    with connection.cursor() as cursor:
        cursor.execute("LOCK TABLE stats_dealrollup, stats_projectday, stats_projectrollup, stats_dealrollupmonth, "
                       "stats_projectrollupmonth IN EXCLUSIVE MODE")
        cursor.execute("DELETE FROM stats_projectrollup")
        cursor.execute("DELETE FROM stats_projectday")
        cursor.execute(f"INSERT INTO stats_projectday ({_DAY_COLUMNS}) SELECT * FROM ({RAW_PROJECT_DAYS}) raw")
        cursor.execute(f"INSERT INTO stats_projectrollup ({_PROJECT_COLUMNS}) SELECT * FROM ({RAW_PROJECT_ROLLUP}) raw")
        cursor.execute("DELETE FROM stats_dealrollup")
        cursor.execute(f"INSERT INTO stats_dealrollup ({_COLUMNS}) SELECT * FROM ({RAW_ROLLUP}) raw")
        rows = cursor.rowcount
        months_fill(cursor)  # the triggers followed the daily rows; this also repairs a month table changed by hand
        return rows
