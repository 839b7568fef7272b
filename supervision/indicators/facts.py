"""The facts every indicator reads, extracted once when a section is scanned.

A section's bids are read (their JSON summaries parsed, their documents and submitters joined) only when the section
is scanned for the first time, or again when its project changed, a submitter's phone changed, or the extraction
itself changed (``version``). Three tables keep what the indicators need, written by set-based statements:

- ``BidValue``: the values of the shared-value signals (upload address, installation, project manager, submitter's
  phone, agent; each document's hash and authors) that two or more bidders of the section share — every value of
  every bid is compared here, once, and only the shared ones are kept;
- ``BidFact``: every bid that reached the deadline with its state and price, and the section's price cap;
- ``SectionFact``: per section, its bidders counted, its two lowest opened prices with their bidders, whether its
  outcome needs the bids one by one, and the first pass of the price signals.

A full run then reads one ``SectionFact`` row per section and the few shared values instead of every bid. What is
not a fact of the bid is read at every run: which bids the evaluation rejected, the award, the project's dates and
method, the bond arrivals.
"""

import hashlib
from decimal import Decimal

from django.db import connection

from accounts.models import User
from trading.models import BaseType, Bid, OpenedDocument, Section

from .. import conf
from . import sql

# The shared-value indicators, in the order ``BidValue.kind`` numbers them.
VALUE_CODES = ("same_address", "same_installation", "same_manager", "same_contact", "same_document", "same_author")
KIND = {code: n for n, code in enumerate(VALUE_CODES)}
# Bumped whenever what is extracted changes: every section's facts are then extracted again.
EXTRACTION = 3

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


def price_candidates(price: str, lower1: str, lower2: str) -> tuple[str, str]:
    """SQL conditions on a price point and the two next lower ones (floats) that hold wherever that point ends two
    equal steps (a price pattern can start there), and wherever it is less than a fen above the next lower one (an
    identical price can be there): a superset, decided exactly (``signals.prices``) on the sections where they hold.

    Equal after rounding to the fen (or to ``ratio_places`` for a ratio) means at most a fen (a unit of those
    places) apart; 1% more, and 10⁻¹² of the values compared, cover the floats' rounding (about 10⁻¹⁶ of them)."""
    settings = conf.signals()
    need, places = int(settings["pattern_min_points"]), int(settings["ratio_places"])
    a, b, c = price, lower1, lower2
    ladder = "TRUE" if need < 3 else (
        f"(ABS(({a} - {b}) - ({b} - {c})) <= 0.0101 + 1e-12 * ABS({a}) "
        f"OR ABS({a} / NULLIF({b}, 0) - {b} / NULLIF({c}, 0)) <= {Decimal(10) ** -places * Decimal('1.01')} "
        f"+ 1e-12 * ABS({a} / NULLIF({b}, 0)))")
    return ladder, f"{a} - {b} <= 0.0101 + 1e-12 * ABS({a})"


def _shared_values(cursor, table: str, where: str, params: list) -> None:
    """The values of these sections' bids that two or more bidders share, into ``BidValue``: every value grouped by
    (section, indicator, value) once, the rows of the groups naming two or more bidders kept."""
    bid, user, document = Bid._meta.db_table, User._meta.db_table, OpenedDocument._meta.db_table
    for source, kinds in ((f"{bid} b JOIN {user} u ON u.id = b.submitted_by_id", _bid_values()),
                          (f"{document} d JOIN {bid} b ON b.id = d.bid_id", _document_values())):
        rows, rows_params = _unpivot(source, where, params, kinds)
        cursor.execute(
            f"WITH r(section_id, bid_id, org, kind, value) AS ({rows}), "
            f"g AS (SELECT section_id, kind, value FROM r GROUP BY section_id, kind, value "
            f"HAVING MIN(org) <> MAX(org)) "
            f"INSERT INTO {table} (section_id, bid_id, organisation_id, kind, value) "
            f"SELECT r.section_id, r.bid_id, r.org, r.kind, r.value FROM r "
            f"JOIN g ON g.section_id = r.section_id AND g.kind = r.kind AND g.value = r.value", rows_params)


def _bid_facts(cursor, table: str, only: str, params: list) -> None:
    """Each received bid with its state and price as the bid wrote it, and each price-capped section's cap (bid 0)."""
    bid, section = Bid._meta.db_table, Section._meta.db_table
    price, price_params = sql.json_text("b.opened_summary", "price")
    received = ", ".join(f"'{state}'" for state in sql.RECEIVED)
    cursor.execute(
        f"INSERT INTO {table} (section_id, bid_id, organisation_id, state, price) "
        f"SELECT b.section_id, b.id, b.organisation_id, b.state, {sql.exact_number(price)} FROM {bid} b "
        f"WHERE {only} AND b.state IN ({received}) "
        f"UNION ALL SELECT b.id, 0, NULL, '', {sql.exact_money('b.base_amount')} FROM {section} b "
        f"WHERE {only.replace('b.section_id', 'b.id')} AND b.base_type = '{BaseType.PRICE_CAP}'",
        price_params + params + params)


def _section_facts(cursor, table: str, bid_facts: str, only: str, params: list) -> None:
    """One row per section from its bid facts: bidders counted, the two lowest opened prices and their bidders,
    whether the outcome needs the bids one by one, and the price signals' first pass over the price points (the
    opened bids' prices and the cap), each with the two next lower points: window functions over one ordering
    (the priced bids are price points, so a running count of them there is their place among them)."""
    section = Section._meta.db_table
    opened, revoked = f"w.state = '{Bid.State.OPENED}'", f"w.state = '{Bid.State.REVOKED}'"
    ladder, same = price_candidates("w.approx", "w.lower1", "w.lower2")
    priced = "w.priced = 1"

    def nth(n: int, column: str) -> str:
        return f"MIN(CASE WHEN {priced} AND w.place = {n} THEN {column} END)"

    cursor.execute(f"""
        WITH f AS (
            SELECT section_id, bid_id, organisation_id AS org, state, price AS exact,
                   {sql.stored_number("price")} AS price,
                   CASE WHEN (state = '{Bid.State.OPENED}' OR bid_id = 0) AND price IS NOT NULL THEN 1 ELSE 0 END
                       AS point,
                   CASE WHEN state = '{Bid.State.OPENED}' AND price IS NOT NULL THEN 1 ELSE 0 END AS priced
            FROM {bid_facts} WHERE {only.replace('b.section_id', 'section_id')}),
        w AS (
            SELECT f.*, {sql.float_of("f.price")} AS approx, LAG({sql.float_of("f.price")}) OVER p AS lower1,
                   LAG({sql.float_of("f.price")}, 2) OVER p AS lower2,
                   SUM(f.priced) OVER (p ROWS UNBOUNDED PRECEDING) AS place
            FROM f WINDOW p AS (PARTITION BY f.section_id, f.point ORDER BY f.price, f.bid_id))
        INSERT INTO {table} (section_id, tenderers, opened, lowest, lowest_organisation_id, second,
                             second_organisation_id, per_bid, ladder, same)
        SELECT b.id, COUNT(DISTINCT w.org), COUNT(DISTINCT CASE WHEN {opened} THEN w.org END),
               {nth(1, "w.exact")}, {nth(1, "w.org")}, {nth(2, "w.exact")}, {nth(2, "w.org")},
               COUNT(w.org) <> COUNT(DISTINCT w.org) OR COALESCE(MAX(CASE WHEN {revoked} THEN 1 END), 0) = 1
                   OR COALESCE({nth(3, "w.price")} = {nth(1, "w.price")}, FALSE),
               COALESCE(MAX(CASE WHEN w.point = 1 AND {ladder} THEN 1 END), 0) = 1,
               COALESCE(MAX(CASE WHEN w.point = 1 AND {same} THEN 1 END), 0) = 1
        FROM {section} b LEFT JOIN w ON w.section_id = b.id
        WHERE {only.replace('b.section_id', 'b.id')} GROUP BY b.id""", params + params)


def extract(section_ids: list[int]) -> None:
    """(Re)write the facts of these sections from their bids, documents and submitters: set-based statements."""
    from ..models import BidFact, BidValue, SectionFact

    if not section_ids:
        return
    values, bid_facts, section_facts = (BidValue._meta.db_table, BidFact._meta.db_table,
                                        SectionFact._meta.db_table)
    for start in range(0, len(section_ids), 20_000):
        only, params = sql.in_list("b.section_id", section_ids[start:start + 20_000])
        with connection.cursor() as cursor:
            for table in (values, bid_facts, section_facts):
                cursor.execute(f"DELETE FROM {table} WHERE {only.replace('b.section_id', 'section_id')}", params)
            states = ", ".join(f"'{state}'" for state in sql.RECEIVED + (Bid.State.SUPERSEDED,))
            _shared_values(cursor, values, f"{only} AND b.state IN ({states})", params)
            _bid_facts(cursor, bid_facts, only, params)
            _section_facts(cursor, section_facts, bid_facts, only, params)


def submitter_changed(sender, instance, created: bool = False, update_fields=None, **kwargs) -> None:
    """``post_save`` of a user: when the phone may have changed, the sections this person submitted bids to are
    scanned again (their facts name the submitter's phone)."""
    from ..models import SectionScan

    if created or (update_fields is not None and "phone" not in update_fields):
        return
    SectionScan.objects.filter(section__in=Bid.objects.filter(submitted_by=instance).values("section")).delete()
