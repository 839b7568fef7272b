"""SQL that differs between PostgreSQL (deployments, benchmarks) and SQLite (the embedded default).

Each indicator is written once, as SQL assembled from these pieces, so both databases compute the same thing; on
PostgreSQL the per-bid values of every signal come from one scan (``LATERAL (VALUES …)``), on SQLite from a
``UNION ALL`` of the same expressions.
"""

from django.db import connection

from trading.models import Bid, Project, Section, Status

# A section's leads are computed once its opening is over: bidders are public from then on (EB 23/24).
BEFORE_OPENING_OVER = (Status.DRAFT, Status.PUBLISHED, Status.DEADLINE_PASSED, Status.OPENING)
# Bids that reached the deadline (a withdrawn one never did).
RECEIVED = (Bid.State.SUBMITTED, Bid.State.OPENED, Bid.State.REVOKED, Bid.State.WITHDRAWN_AT_OPENING)


def postgres() -> bool:
    return connection.vendor == "postgresql"


def json_text(column: str, *path: str) -> tuple[str, list]:
    """The text at ``path`` inside a JSON column, as SQL and its parameters."""
    if postgres():
        arrows = "".join(" -> %s" for _ in path[:-1]) + " ->> %s"
        return f"({column}{arrows})", list(path)
    return f"json_extract({column}, %s)", ["$" + "".join(f'."{key}"' for key in path)]


def number(text_sql: str) -> str:
    """A decimal number from a text expression (NULL when empty)."""
    if postgres():
        return f"CAST(NULLIF({text_sql}, '') AS numeric)"
    return f"CAST(NULLIF({text_sql}, '') AS REAL)"


def money_text(number_sql: str) -> str:
    """A number as text with two decimals, so that 100, 100.0 and 100.00 compare equal."""
    if postgres():
        return f"CAST(ROUND({number_sql}, 2) AS text)"
    return f"printf('%%.2f', {number_sql})"  # %% : the query goes through %-formatting


def in_list(column: str, ids: list[int]) -> tuple[str, list]:
    if postgres():
        return f"{column} = ANY(%s)", [list(ids)]
    return f"{column} IN ({', '.join('%s' for _ in ids)})", list(ids)


def invalid_bids_sql() -> str:
    """(bid_id) of every bid the evaluation found invalid (disqualified): ``Evaluation.result["invalid"]``."""
    from expert_pool.models import Evaluation

    table = Evaluation._meta.db_table
    if postgres():
        return (f"SELECT CAST(jsonb_array_elements_text(result -> 'invalid') AS bigint) AS bid_id FROM {table} "
                f"WHERE jsonb_typeof(result -> 'invalid') = 'array'")
    return f"SELECT CAST(j.value AS INTEGER) AS bid_id FROM {table}, json_each({table}.result, '$.invalid') AS j"


def eligible_sections(now, ids: list[int] | None = None) -> tuple[str, list]:
    """``SELECT id FROM sections`` whose opening is over at ``now`` (optionally only those in ``ids``)."""
    section, project = Section._meta.db_table, Project._meta.db_table
    states = ", ".join("%s" for _ in BEFORE_OPENING_OVER)
    sql = (f"SELECT s.id FROM {section} s JOIN {project} p ON p.id = s.project_id "
           f"WHERE p.bid_deadline IS NOT NULL AND p.bid_deadline < %s AND p.status NOT IN ({states}) "
           f"AND NOT (p.status = %s AND p.suspended_from IN ({states}))")
    params = [now, *BEFORE_OPENING_OVER, Status.SUSPENDED, *BEFORE_OPENING_OVER]
    if ids is not None:
        only, only_params = in_list("s.id", ids)
        sql, params = f"{sql} AND {only}", params + only_params
    return sql, params


def fetch(sql: str, params: list) -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def projects_of(sections: str, params: list):
    """The projects of the sections ``sections`` selects, as a queryset."""
    from django.db.models.expressions import RawSQL

    return Project.objects.filter(pk__in=RawSQL(
        f"SELECT project_id FROM {Section._meta.db_table} WHERE id IN ({sections})", params))
