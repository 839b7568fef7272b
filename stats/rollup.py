"""Prove the rollup equals the raw aggregate (stats/rollup_sql.py RAW_ROLLUP), or recompute it."""

from django.db import connection, transaction

from .rollup_sql import RAW_ROLLUP

_KEY = ("day", "category", "region", "base_type", "source")
_COLUMNS = "day, category, region, base_type, source, awards, projects, base, amount"


def rollup_differences() -> list[tuple]:
    """Rows (key + figures) present on one side only: the stored rollup (``stored``) or the raw one (``raw``).
    Empty rows (every deal of a key taken out again) are ignored. One statement, so one snapshot."""
    sql = f"""
        WITH raw AS ({RAW_ROLLUP}),
        stored AS (SELECT {_COLUMNS} FROM stats_dealrollup WHERE awards <> 0 OR projects <> 0 OR base <> 0
                   OR amount <> 0),
        only_raw AS (SELECT * FROM raw EXCEPT SELECT * FROM stored),
        only_stored AS (SELECT * FROM stored EXCEPT SELECT * FROM raw)
        SELECT 'raw', * FROM only_raw UNION ALL SELECT 'stored', * FROM only_stored ORDER BY 2, 3, 4, 5, 6, 1"""
    with connection.cursor() as cursor:
        cursor.execute(sql)
        return cursor.fetchall()


@transaction.atomic
def rollup_rebuild() -> int:
    """Recompute the rollup from the raw rows; writers wait (the table is locked) until this commits."""
    with connection.cursor() as cursor:
        cursor.execute("LOCK TABLE stats_dealrollup IN EXCLUSIVE MODE")
        cursor.execute("DELETE FROM stats_dealrollup")
        cursor.execute(f"INSERT INTO stats_dealrollup ({_COLUMNS}) SELECT * FROM ({RAW_ROLLUP}) raw")
        return cursor.rowcount
