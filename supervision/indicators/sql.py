"""SQL that differs between PostgreSQL (deployments, benchmarks) and SQLite (the embedded default).

Each indicator is written once, as SQL assembled from these pieces, so both databases compute the same thing; on
PostgreSQL the per-bid values of every signal are extracted in one scan (``LATERAL (VALUES …)``), on SQLite from a
``UNION ALL`` of the same expressions (``facts``).
"""

import json

from django.db import connection

from trading.models import Bid, Project, Section, Status

# A section's leads are computed once its opening is over: bidders are public from then on (EB 23/24).
BEFORE_OPENING_OVER = (Status.DRAFT, Status.PUBLISHED, Status.DEADLINE_PASSED, Status.OPENING)
# Bids that reached the deadline (a withdrawn one never did).
RECEIVED = (Bid.State.SUBMITTED, Bid.State.OPENED, Bid.State.REVOKED, Bid.State.WITHDRAWN_AT_OPENING)


def postgres() -> bool:
    return connection.vendor == "postgresql"


def json_text(column: str, *path: str) -> tuple[str, list]:
    """The text at ``path`` inside a JSON column, as SQL and its parameters. On SQLite each key is quoted as JSON
    (non-ASCII escaped, as Django's JSONField stores it and as its own lookups write the path): SQLite before 3.45
    compares a key with the stored text, escapes and all."""
    if postgres():
        arrows = "".join(" -> %s" for _ in path[:-1]) + " ->> %s"
        return f"({column}{arrows})", list(path)
    return f"json_extract({column}, %s)", ["$" + "".join(f".{json.dumps(key)}" for key in path)]


def number(text_sql: str) -> str:
    """A decimal number from a text expression (NULL when empty)."""
    if postgres():
        return f"CAST(NULLIF({text_sql}, '') AS numeric)"
    return f"CAST(NULLIF({text_sql}, '') AS REAL)"


def exact_number(text_sql: str) -> str:
    """A decimal number from a text expression as an ``ExactDecimalField`` keeps it (NULL when empty): ``numeric``
    on PostgreSQL, the text itself on SQLite."""
    return number(text_sql) if postgres() else f"NULLIF({text_sql}, '')"


def exact_money(column: str) -> str:
    """A stored money column (two places) as an ``ExactDecimalField`` keeps it: as is on PostgreSQL, its text with
    two places on SQLite (where 1000000.00 is stored as the integer 1000000)."""
    return column if postgres() else money_text(column)


def stored_number(column: str) -> str:
    """A stored decimal column as the indicators compute with it: ``numeric`` on PostgreSQL; on SQLite, where a
    decimal column keeps 990000.00 as the integer 990000 (and integers divide as integers), a REAL as
    :func:`number` gives."""
    return column if postgres() else f"CAST({column} AS REAL)"


def float_of(number_sql: str) -> str:
    """A number as a double-precision float (an approximation, for cheap first passes)."""
    if postgres():
        return f"CAST({number_sql} AS double precision)"
    return f"CAST({number_sql} AS REAL)"


def money_text(number_sql: str) -> str:
    """A number as text with two decimals, so that 100, 100.0 and 100.00 compare equal."""
    if postgres():
        return f"CAST(ROUND({number_sql}, 2) AS text)"
    return f"printf('%%.2f', {number_sql})"  # %% : the query goes through %-formatting


def in_list(column: str, ids: list[int]) -> tuple[str, list]:
    """``column`` among ``ids``, one parameter whatever their number (an array; a JSON array on SQLite)."""
    if postgres():
        return f"{column} = ANY(%s)", [list(ids)]
    return f"{column} IN (SELECT value FROM json_each(%s))", [json.dumps(list(ids))]


def id_rows(ids: list[int]) -> tuple[str, list]:
    """``SELECT`` of ``ids`` as rows, to use where a subquery selects sections; one parameter."""
    if postgres():
        return "SELECT unnest(CAST(%s AS bigint[]))", [list(ids)]
    return "SELECT value FROM json_each(%s)", [json.dumps(list(ids))]


def json_compared(table: str, columns: tuple[str, ...], documents: str, *, key: str = "key",
                  json_column: str = "evidence") -> list[tuple]:
    """For each entry of ``documents`` (a JSON object: key → JSON value) stored in ``table`` under its key: the key,
    ``columns``, and whether its ``json_column`` equals the entry's value as JSON. One parameter, compared by the
    database (no row of ``table`` decoded here)."""
    selected = ", ".join(f"t.{column}" for column in columns)
    if postgres():
        return fetch(f"SELECT t.{key}, {selected}, t.{json_column} = g.value FROM jsonb_each(CAST(%s AS jsonb)) g "
                     f"JOIN {table} t ON t.{key} = g.key", [documents])
    return fetch(f"SELECT t.{key}, {selected}, json(t.{json_column}) = json(g.value) FROM json_each(%s) g "
                 f"JOIN {table} t ON t.{key} = g.key", [documents])


def invalid_bids_sql() -> str:
    """(bid_id) of every bid a reported evaluation rejected (否决投标): ``Evaluation.result["invalid"]`` once the
    report is signed — what open data publishes as disqualified from the end of the evaluation."""
    from expert_pool.models import Evaluation

    table, reported = Evaluation._meta.db_table, Evaluation.State.REPORTED
    if postgres():
        return (f"SELECT CAST(jsonb_array_elements_text(result -> 'invalid') AS bigint) AS bid_id FROM {table} "
                f"WHERE state = '{reported}' AND jsonb_typeof(result -> 'invalid') = 'array'")
    return (f"SELECT CAST(j.value AS INTEGER) AS bid_id FROM {table}, json_each({table}.result, '$.invalid') AS j "
            f"WHERE {table}.state = '{reported}'")


def eligible_sections(now, ids: list[int] | None = None, *, unscanned: str | None = None) -> tuple[str, list]:
    """``SELECT id FROM sections`` whose opening is over at ``now`` (optionally only those in ``ids``; with
    ``unscanned``, a facts version, only those never scanned, whose project changed since their scan or whose facts
    come from another extraction)."""
    from ..models import SectionScan

    section, project = Section._meta.db_table, Project._meta.db_table
    states = ", ".join("%s" for _ in BEFORE_OPENING_OVER)
    scans, due, due_params = "", "", []
    if unscanned is not None:
        scans = f"LEFT JOIN {SectionScan._meta.db_table} c ON c.section_id = s.id "
        due = "AND (c.section_id IS NULL OR p.updated_at > c.scanned_at OR c.facts <> %s) "
        due_params = [unscanned]
    sql = (f"SELECT s.id FROM {section} s JOIN {project} p ON p.id = s.project_id {scans}"
           f"WHERE p.bid_deadline IS NOT NULL AND p.bid_deadline < %s AND p.status NOT IN ({states}) "
           f"AND NOT (p.status = %s AND p.suspended_from IN ({states})) {due}")
    params = [now, *BEFORE_OPENING_OVER, Status.SUSPENDED, *BEFORE_OPENING_OVER, *due_params]
    if ids is not None:
        only, only_params = in_list("s.id", ids)
        sql, params = f"{sql} AND {only}", params + only_params
    return sql, params


def no_pushdown() -> str:
    """Closes a subquery so that conditions outside it are applied to its result, not pushed into it (PostgreSQL
    would push a filter on a grouping column below the grouping, losing the ordered index pass)."""
    return "OFFSET 0" if postgres() else "LIMIT -1 OFFSET 0"


ANALYTIC_SETTINGS = {"jit": "off"}


def analytic_session() -> None:
    """For the rest of the transaction on PostgreSQL: no JIT compilation (the indicator queries are many and
    expression-heavy, and compiling them costs seconds that the plain interpreter never spends on these sizes)."""
    if postgres():
        with connection.cursor() as cursor:
            for name, value in ANALYTIC_SETTINGS.items():
                cursor.execute(f"SET LOCAL {name} = '{value}'")


def copy_rows(table: str, columns: list[str], rows: list[tuple]) -> None:
    """Append ``rows`` to ``table`` with one COPY (PostgreSQL only)."""
    if not rows:
        return
    with connection.cursor() as cursor, cursor.cursor.copy(
            f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row(row)


def fetch(sql: str, params: list) -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def projects_of(sections: str, params: list):
    """The projects of the sections ``sections`` selects, as a queryset."""
    from django.db.models.expressions import RawSQL

    return Project.objects.filter(pk__in=RawSQL(
        f"SELECT project_id FROM {Section._meta.db_table} WHERE id IN ({sections})", params))
