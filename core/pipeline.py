"""Statements sent to the database together: one round trip on PostgreSQL (psycopg's pipeline mode).

A transaction of many small statements waits for each answer before it sends the next; on a loaded machine every
wait is a trip through the scheduler for the server process and for the database backend, and the transaction holds
its row locks all along. Where the statements do not depend on each other's answers they can leave together. The
statements are the ones the ORM itself would send (made by Django's compilers), so elsewhere (SQLite) they simply
run one after the other.

    quotes_insert = insert(quotes, returning=True)
    run([insert(events), update(lot, ["last_seq"]), quotes_insert])
"""

import contextlib
from dataclasses import dataclass, field

from django.db import connection, models
from django.db.models import sql


@dataclass
class Statement:
    sql: str
    params: tuple
    objs: list = field(default_factory=list)  # an insert's objects, given their primary keys when ``returning``
    returning: bool = False
    rows: list[tuple] | None = None  # a select's rows, once run


def select(queryset: models.QuerySet) -> Statement:
    """The query of a ``values_list`` queryset; its rows (as the database returns them: simple columns) are the
    statement's ``rows`` once run. ``select_for_update`` querysets lock as they would alone."""
    text, params = queryset.query.get_compiler(connection=connection).as_sql()
    return Statement(text, params, rows=[])


def insert(objs: list[models.Model], *, returning: bool = False) -> Statement:
    """``INSERT`` of ``objs`` (instances of one model whose primary key the database assigns), as ``bulk_create``
    sends it; with ``returning`` the objects get their primary keys once the statement has run."""
    model = type(objs[0])
    opts = model._meta
    query = sql.InsertQuery(model)
    query.insert_values([f for f in opts.concrete_fields if not f.generated and f is not opts.pk], objs)
    compiler = query.get_compiler(connection=connection)
    compiler.returning_fields = [opts.pk] if returning else None
    statements = compiler.as_sql()
    if len(statements) != 1:  # a backend that cannot insert several rows (or return them) in one statement
        raise NotImplementedError("one statement per insert is needed here")
    text, params = statements[0]
    return Statement(text, params, objs=objs, returning=returning)


def update(obj: models.Model, fields: list[str]) -> Statement:
    """``UPDATE`` of ``fields`` of ``obj`` (by its primary key), as ``save(update_fields=...)`` sends it."""
    query = sql.UpdateQuery(type(obj))
    targets = [obj._meta.get_field(name) for name in fields]
    query.add_update_fields([(target, None, target.pre_save(obj, False)) for target in targets])
    query.add_filter("pk", obj.pk)
    text, params = query.get_compiler(connection=connection).as_sql()
    return Statement(text, params)


def pipelined():
    """A block whose statements leave together until one needs an answer (PostgreSQL), e.g. the ``BEGIN`` of a
    transaction with its first query. ORM reads work inside it; ORM writes read their row counts at once: keep them
    out."""
    connection.ensure_connection()
    raw = connection.connection
    if connection.vendor == "postgresql" and hasattr(raw, "pipeline"):
        return raw.pipeline()
    return contextlib.nullcontext()


def run(statements: list[Statement]) -> None:
    """Run ``statements`` in this order in the current transaction (on PostgreSQL in one round trip): the inserts made
    ``returning`` give their objects their primary keys, the selects get their rows. A failure raises Django's database
    error, as the ORM would."""
    cursors = []
    with connection.wrap_database_errors, pipelined():
        for statement in statements:
            cursor = connection.cursor()
            cursor.execute(statement.sql, statement.params)
            cursors.append(cursor)
    for statement, cursor in zip(statements, cursors, strict=True):
        if statement.returning:
            for obj, (pk,) in zip(statement.objs, cursor.fetchall(), strict=True):
                obj.pk = pk
                obj._state.adding, obj._state.db = False, connection.alias
        elif statement.rows is not None:
            statement.rows = [tuple(row) for row in cursor.fetchall()]
        cursor.close()
