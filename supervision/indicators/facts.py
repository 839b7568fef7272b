"""The per-bid facts every indicator reads, extracted once when a section is scanned.

A section's bids are read (their JSON summaries parsed, their documents and submitters joined) only when the section
is scanned for the first time, or again when its project changed, a submitter's phone changed, or the extraction
itself changed (``version``): the values of the shared-value signals go to ``BidValue`` (one row per bid, indicator
and value, under a covering index in (section, indicator, digest) order), the bids that reached the deadline with
their state and price to ``BidFact`` (with the section's price cap, in price order). Every indicator is then a few
set-based statements over these: a full run groups stored facts instead of re-reading a million bids.

What is not a fact of the bid is read at every run: which bids the evaluation rejected, the award, the project's
dates and method, the bond arrivals.
"""

import hashlib

from django.db import connection

from accounts.models import User
from trading.models import BaseType, Bid, OpenedDocument, Section

from .. import conf
from . import sql

# The shared-value indicators, in the order ``BidValue.kind`` numbers them.
VALUE_CODES = ("same_address", "same_installation", "same_manager", "same_contact", "same_document", "same_author")
KIND = {code: n for n, code in enumerate(VALUE_CODES)}
# Bumped whenever what is extracted changes: every section's facts are then extracted again.
EXTRACTION = 2

Value = tuple[str, str, list]  # (indicator, SQL of the value, its parameters)


def version() -> str:
    """The extraction the stored facts must come from: this code's, with the settings it reads."""
    fields = "\x1f".join(conf.signals()["contact_fields"])
    return hashlib.sha256(f"{EXTRACTION}\x1e{fields}".encode()).hexdigest()[:16]


def _bid_values() -> list[Value]:
    """The values each bid yields, per indicator."""
    manager, manager_params = sql.json_text("b.opened_summary", "project_manager")
    agents, agent_params = [], []
    for name in conf.signals()["contact_fields"]:
        text, params = sql.json_text("b.opened_summary", "fields", name)
        agents.append(f"NULLIF(TRIM({text}), '')")
        agent_params += params
    agent = (f"COALESCE({', '.join(agents)})" if len(agents) > 1 else agents[0]) if agents else "NULL"
    opened = f"b.state = '{Bid.State.OPENED}'"
    return [
        ("same_address", "b.client_address", []),
        ("same_installation", "b.client_installation", []),
        ("same_manager", f"CASE WHEN {opened} THEN LOWER(TRIM({manager})) END", manager_params),
        ("same_contact", "CASE WHEN u.phone <> '' THEN 'phone:' || u.phone END", []),
        ("same_contact", f"CASE WHEN {opened} THEN 'agent:' || {agent} END", agent_params),
    ]


def _document_values() -> list[Value]:
    return [
        ("same_document", "d.sha256", []),
        ("same_author", "CASE WHEN d.author <> '' THEN 'author:' || LOWER(d.author) END", []),
        ("same_author", "CASE WHEN d.last_modified_by <> '' THEN 'editor:' || LOWER(d.last_modified_by) END", []),
        ("same_author", "CASE WHEN d.company <> '' THEN 'company:' || LOWER(d.company) END", []),
    ]


def _unpivot(source: str, where: str, where_params: list, values: list[Value]) -> tuple[str, list]:
    """Rows (section_id, bid_id, org, kind, value) of ``source``: one scan with LATERAL VALUES on PostgreSQL."""
    if sql.postgres():
        rows = ", ".join(f"({KIND[code]}, {expr})" for code, expr, _ in values)
        return (f"SELECT b.section_id, b.id, b.organisation_id, v.kind, v.value FROM {source} "
                f"CROSS JOIN LATERAL (VALUES {rows}) AS v(kind, value) WHERE {where} AND v.value <> ''",
                [p for _, _, params in values for p in params] + where_params)
    parts, params = [], []
    for code, expr, expr_params in values:
        parts.append(f"SELECT b.section_id, b.id, b.organisation_id, {KIND[code]}, {expr} FROM {source} "
                     f"WHERE {where} AND ({expr}) <> ''")
        params += expr_params + where_params + expr_params
    return " UNION ALL ".join(parts), params


def _digest(value_sql: str) -> str:
    """A 64-bit hash of a text value in SQL: PostgreSQL's own, or the one registered on SQLite connections."""
    return f"hashtextextended({value_sql}, 0)" if sql.postgres() else f"supervision_digest({value_sql})"


def sqlite_digest(value: str | None) -> int | None:
    """``supervision_digest`` on SQLite (registered in ``SupervisionConfig.ready``)."""
    if value is None:
        return None
    return int.from_bytes(hashlib.blake2b(value.encode(), digest_size=8).digest(), "big", signed=True)


def extract(section_ids: list[int]) -> None:
    """(Re)write the facts of these sections from their bids, documents and submitters: set-based statements."""
    from ..models import BidFact, BidValue

    if not section_ids:
        return
    values, facts = BidValue._meta.db_table, BidFact._meta.db_table
    bid, user, document, section = (Bid._meta.db_table, User._meta.db_table, OpenedDocument._meta.db_table,
                                    Section._meta.db_table)
    size = 20_000 if sql.postgres() else 500  # SQLite takes a bounded number of parameters
    for start in range(0, len(section_ids), size):
        only, params = sql.in_list("b.section_id", section_ids[start:start + size])
        with connection.cursor() as cursor:
            for table in (values, facts):
                cursor.execute(f"DELETE FROM {table} WHERE {only.replace('b.section_id', 'section_id')}", params)
            states = ", ".join(f"'{state}'" for state in sql.RECEIVED + (Bid.State.SUPERSEDED,))
            where = f"{only} AND b.state IN ({states})"
            for source, kinds in ((f"{bid} b JOIN {user} u ON u.id = b.submitted_by_id", _bid_values()),
                                  (f"{document} d JOIN {bid} b ON b.id = d.bid_id", _document_values())):
                rows, rows_params = _unpivot(source, where, params, kinds)
                cursor.execute(
                    f"WITH r(section_id, bid_id, org, kind, value) AS ({rows}) "
                    f"INSERT INTO {values} (section_id, bid_id, organisation_id, kind, digest, value) "
                    f"SELECT r.section_id, r.bid_id, r.org, r.kind, {_digest('r.value')}, r.value FROM r", rows_params)
            # Each received bid with its price, and the section's cap (bid 0); for the opened bids' prices and the
            # cap (the price points), the price as a float and the two next lower points' (the cheap first pass of
            # the price signals reads these); on every row whether some bidder of the section has two or more
            # received bids (then the per-section outcomes count distinct bidders the slow way).
            price, price_params = sql.json_text("b.opened_summary", "price")
            received = ", ".join(f"'{state}'" for state in sql.RECEIVED)
            point = f"(r.state = '{Bid.State.OPENED}' OR r.bid_id = 0) AND r.price IS NOT NULL"
            lower = "OVER (PARTITION BY r.section_id, r.point ORDER BY r.price, r.bid_id)"
            cursor.execute(
                f"WITH bids AS (SELECT b.section_id, b.id AS bid_id, b.organisation_id, b.state, "
                f"{sql.number(price)} AS price, COUNT(*) OVER (PARTITION BY b.section_id, b.organisation_id) AS n "
                f"FROM {bid} b WHERE {only} AND b.state IN ({received}) "
                f"UNION ALL SELECT b.id, 0, NULL, '', b.base_amount, 1 FROM {section} b "
                f"WHERE {only.replace('b.section_id', 'b.id')} AND b.base_type = '{BaseType.PRICE_CAP}'), "
                f"r AS (SELECT r.*, {sql.float_of('r.price')} AS approx, CASE WHEN {point} THEN 1 ELSE 0 END AS point "
                f"FROM bids r) "
                f"INSERT INTO {facts} (section_id, bid_id, organisation_id, state, price, approx, lower1, lower2, "
                f"repeated) "
                f"SELECT r.section_id, r.bid_id, r.organisation_id, r.state, r.price, "
                f"CASE WHEN r.point = 1 THEN r.approx END, CASE WHEN r.point = 1 THEN LAG(r.approx) {lower} END, "
                f"CASE WHEN r.point = 1 THEN LAG(r.approx, 2) {lower} END, "
                f"MAX(r.n) OVER (PARTITION BY r.section_id) > 1 FROM r",
                price_params + params + params)


def submitter_changed(sender, instance, created: bool = False, update_fields=None, **kwargs) -> None:
    """``post_save`` of a user: when the phone may have changed, the sections this person submitted bids to are
    scanned again (their facts name the submitter's phone)."""
    from ..models import SectionScan

    if created or (update_fields is not None and "phone" not in update_fields):
        return
    SectionScan.objects.filter(section__in=Bid.objects.filter(submitted_by=instance).values("section")).delete()


def sqlite_functions(sender, connection, **kwargs) -> None:
    """``connection_created``: register ``supervision_digest`` on SQLite connections."""
    if connection.vendor == "sqlite":
        connection.connection.create_function("supervision_digest", 1, sqlite_digest, deterministic=True)
