"""Collusion signals (TL 40) over the bids of sections whose opening is over: set-based, one pass per kind of data.

Each bid yields values (its upload address, installation id, project manager, price, the submitter's phone, the
agent named in its summary; each document's hash and authors). A signal is a (section, indicator, value) shared by
bids of two or more bidders. A first pass finds the sections where any value repeats at all (per section, a distinct
count below the plain count: small sorts per section, no grouping of every (section, value) pair); the rows of those
sections only are then read and grouped, with their evidence. Prices in a regular pattern are found with window
functions over each section's sorted prices.
"""

from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from accounts.models import User
from deposits.models import DepositAccount, DepositRequirement, Movement
from trading.bonds import PURPOSE as BOND_PURPOSE
from trading.models import BaseType, Bid, OpenedDocument, Section

from .. import conf
from . import sql


@dataclass
class Finding:
    """One signal or flag as found: stored as a Lead under ``key``."""

    code: str
    key: str
    section_id: int | None = None
    project_id: int | None = None
    organisation_id: int | None = None
    organisation_ids: list[int] = field(default_factory=list)
    value: Decimal | None = None
    evidence: dict = field(default_factory=dict)


Value = tuple[str, str, list]  # (indicator, SQL of the value, its parameters)


def _bid_values() -> list[Value]:
    """The values each bid yields, per indicator."""
    summary_price, price_params = sql.json_text("b.opened_summary", "price")
    manager, manager_params = sql.json_text("b.opened_summary", "project_manager")
    agents, agent_params = [], []
    for name in conf.signals()["contact_fields"]:
        text, params = sql.json_text("b.opened_summary", "fields", name)
        agents.append(f"NULLIF(TRIM({text}), '')")
        agent_params += params
    agent = f"COALESCE({', '.join(agents)})" if agents else "NULL"
    opened = f"b.state = '{Bid.State.OPENED}'"
    return [
        ("same_address", "b.client_address", []),
        ("same_installation", "b.client_installation", []),
        ("same_manager", f"CASE WHEN {opened} THEN LOWER(TRIM({manager})) END", manager_params),
        ("identical_price", f"CASE WHEN {opened} THEN {sql.money_text(sql.number(summary_price))} END",
         price_params),
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
    """Rows (section_id, bid_id, org, code, value) of ``source``: one scan with LATERAL VALUES on PostgreSQL."""
    if sql.postgres():
        rows = ", ".join(f"('{code}', {expr})" for code, expr, _ in values)
        return (f"SELECT b.section_id, b.id AS bid_id, b.organisation_id AS org, v.code, v.value FROM {source} "
                f"CROSS JOIN LATERAL (VALUES {rows}) AS v(code, value) WHERE {where} AND v.value <> ''",
                [p for _, _, params in values for p in params] + where_params)
    parts, params = [], []
    for code, expr, expr_params in values:
        parts.append(f"SELECT b.section_id, b.id AS bid_id, b.organisation_id AS org, '{code}' AS code, "
                     f"{expr} AS value FROM {source} WHERE {where} AND ({expr}) <> ''")
        params += expr_params + where_params + expr_params
    return " UNION ALL ".join(parts), params


def _rows_sql(sections: str, section_params: list) -> tuple[str, list]:
    """Every (section, bid, organisation, indicator, value) of the sections selected by ``sections``."""
    bid, user, document = Bid._meta.db_table, User._meta.db_table, OpenedDocument._meta.db_table
    states = ", ".join(f"'{state}'" for state in sql.RECEIVED + (Bid.State.SUPERSEDED,))
    where = f"b.section_id IN ({sections}) AND b.state IN ({states})"
    bids, bid_params = _unpivot(f"{bid} b JOIN {user} u ON u.id = b.submitted_by_id", where, section_params,
                                _bid_values())
    documents, document_params = _unpivot(f"{document} d JOIN {bid} b ON b.id = d.bid_id", where, section_params,
                                          _document_values())
    return f"{bids} UNION ALL {documents}", bid_params + document_params


def _repeating(source: str, where: str, where_params: list, values: list[Value]) -> tuple[str, list]:
    """``SELECT section_id`` of the sections where some value of ``values`` occurs twice or more among the rows of
    ``source`` (bids or documents), among two or more bidders: per section, per value, a distinct count below the
    plain count. One ordered pass with small per-section sorts, where grouping every (section, value) pair would
    hash or sort four million rows at a million bids."""
    tests, params = [], []
    for _code, expr, expr_params in values:
        value = f"NULLIF({expr}, '')"
        tests.append(f"COUNT(DISTINCT {value}) < COUNT({value})")
        params += expr_params + expr_params
    return (f"SELECT b.section_id FROM {source} WHERE {where} GROUP BY b.section_id "
            f"HAVING COUNT(DISTINCT b.organisation_id) > 1 AND ({' OR '.join(tests)})", where_params + params)


def _candidates(sections: str, section_params: list) -> list[int]:
    """The sections where a shared value is possible (some value repeats among the bids of two or more bidders)."""
    bid, user, document = Bid._meta.db_table, User._meta.db_table, OpenedDocument._meta.db_table
    states = ", ".join(f"'{state}'" for state in sql.RECEIVED + (Bid.State.SUPERSEDED,))
    where = f"b.section_id IN ({sections}) AND b.state IN ({states})"
    ids = set()
    for source, values in ((f"{bid} b JOIN {user} u ON u.id = b.submitted_by_id", _bid_values()),
                           (f"{document} d JOIN {bid} b ON b.id = d.bid_id", _document_values())):
        query, params = _repeating(source, where, section_params, values)
        ids.update(row[0] for row in sql.fetch(query, params))
    return sorted(ids)


def shared_values(*, sections: str, section_params: list) -> list[Finding]:
    """Signals of the selected sections whose value is shared by two or more bidders, with their evidence: first
    the sections where a value repeats at all, then the exact (section, indicator, value) groups of those only."""
    candidates = _candidates(sections, section_params)
    if not candidates:
        return []
    only, only_params = sql.in_list("s.id", candidates)
    rows_sql, params = _rows_sql(f"SELECT s.id FROM {Section._meta.db_table} s WHERE {only}", only_params)
    groups: dict[tuple, list[tuple[int, int]]] = defaultdict(list)
    for section, bid_id, org, code, value in sql.fetch(rows_sql, params):
        groups[(section, code, value)].append((bid_id, org))
    return [_finding(code, section, value, members) for (section, code, value), members in sorted(groups.items())
            if len({org for _, org in members}) > 1]


def _finding(code: str, section: int, value: str, members: list[tuple[int, int]]) -> Finding:
    bids = sorted({bid for bid, _ in members})
    organisations = sorted({org for _, org in members})
    return Finding(code=code, key=f"{code}:{section}:{value}"[:200], section_id=section,
                   organisation_ids=organisations, evidence={"value": value, "bids": bids})


def price_patterns(*, sections: str, section_params: list) -> list[Finding]:
    """Sections where sorted prices step by an equal amount or an equal ratio over ``pattern_min_points`` prices,
    the section's price cap (招标控制价) counting as a price (bids set at 99%, 98.01% … of the cap form a ladder
    from it), with bids of at least two bidders in the run."""
    settings = conf.signals()
    need, places = int(settings["pattern_min_points"]), int(settings["ratio_places"])
    price, price_params = sql.json_text("b.opened_summary", "price")
    bid, section = Bid._meta.db_table, Section._meta.db_table
    cap = f"s.base_type = '{BaseType.PRICE_CAP}'"
    points = f"""
        WITH p AS (
            SELECT b.section_id, b.id AS bid_id, {sql.number(price)} AS price FROM {bid} b
            WHERE b.section_id IN ({{sections}}) AND b.state = '{Bid.State.OPENED}'
            UNION ALL SELECT s.id, 0, s.base_amount FROM {section} s WHERE s.id IN ({{sections}}) AND {cap})"""
    if need >= 3:
        # A run of three or more points has two equal steps side by side: one ordered pass finds the sections
        # where that happens at all, and only those are searched for runs.
        candidates = sql.fetch(points.format(sections=sections) + f"""
            SELECT DISTINCT section_id FROM (
                SELECT section_id, price, LAG(price) OVER w AS p1, LAG(price, 2) OVER w AS p2
                FROM p WHERE price IS NOT NULL WINDOW w AS (PARTITION BY section_id ORDER BY price, bid_id)) x
            WHERE (ROUND(price - p1, 2) > 0 AND ROUND(price - p1, 2) = ROUND(p1 - p2, 2))
               OR (ROUND(price / NULLIF(p1, 0), {places}) > 1
                   AND ROUND(price / NULLIF(p1, 0), {places}) = ROUND(p1 / NULLIF(p2, 0), {places}))""",
                               price_params + section_params + section_params)
        if not candidates:
            return []
        only, section_params = sql.in_list("s.id", sorted(row[0] for row in candidates))
        sections = f"SELECT s.id FROM {section} s WHERE {only}"
    query = points.format(sections=sections) + f""",
        s AS (
            SELECT section_id, bid_id, price, ROW_NUMBER() OVER w AS rn,
                   ROUND(price - LAG(price) OVER w, 2) AS gap,
                   ROUND(price / NULLIF(LAG(price) OVER w, 0), {places}) AS ratio
            FROM p WHERE price IS NOT NULL WINDOW w AS (PARTITION BY section_id ORDER BY price, bid_id)),
        steps AS (
            SELECT section_id, rn, 'gap' AS kind, gap AS step FROM s WHERE gap > 0
            UNION ALL SELECT section_id, rn, 'ratio', ratio FROM s WHERE ratio > 1),
        runs AS (
            SELECT section_id, kind, step, rn - ROW_NUMBER() OVER (PARTITION BY section_id, kind, step ORDER BY rn)
                   AS island, rn FROM steps)
        SELECT section_id, kind, step, MIN(rn) - 1 AS first, MAX(rn) AS last FROM runs
        GROUP BY section_id, kind, step, island HAVING COUNT(*) >= %s ORDER BY section_id, first"""
    found = sql.fetch(query, price_params + section_params + section_params + [need - 1])
    if not found:
        return []
    matched = sorted({row[0] for row in found})
    only, only_params = sql.in_list("b.section_id", matched)
    ordered = defaultdict(list)
    rows = sql.fetch(f"SELECT b.section_id, b.id, b.organisation_id, {sql.number(price)} FROM {bid} b "
                     f"WHERE {only} AND b.state = '{Bid.State.OPENED}' AND {sql.number(price)} IS NOT NULL",
                     price_params + only_params + price_params)
    for section_id, bid_id, org, value in rows:
        ordered[section_id].append((Decimal(str(value)), bid_id, org))
    for section_id, base in Section.objects.filter(pk__in=matched, base_type=BaseType.PRICE_CAP).values_list(
            "pk", "base_amount"):
        ordered[section_id].append((base, 0, None))
    findings, seen = [], set()
    for section_id, kind, step, first, last in found:
        run = sorted(ordered[section_id])[first - 1:last]
        organisations = sorted({org for _, _, org in run if org is not None})
        if len(organisations) < 2 or (section_id, kind) in seen:
            continue
        seen.add((section_id, kind))
        findings.append(Finding(
            code="price_pattern", key=f"price_pattern:{section_id}:{kind}", section_id=section_id,
            organisation_ids=organisations, value=Decimal(str(step)),
            evidence={"pattern": kind, "step": format(Decimal(str(step)), "f"),
                      "bids": [b for _, b, _ in run if b], "prices": [format(p, "f") for p, _, _ in run],
                      "price_cap": [format(p, "f") for p, b, _ in run if not b]}))
    return findings


def bond_accounts(*, sections: str, section_params: list) -> list[Finding]:
    """Sections where the bid bonds of two or more bidders arrived from one payer's account (TL 40 (6)): the account
    number the bank reported on each arrival (deposits). Bond arrivals are few beside bids: one pass over them."""
    movement, account = Movement._meta.db_table, DepositAccount._meta.db_table
    requirement, bid = DepositRequirement._meta.db_table, Bid._meta.db_table
    # purpose_id is text (deposits names any purpose); only a tender section's is a number to compare.
    section_of = "CASE WHEN r.purpose_type = %s THEN CAST(r.purpose_id AS INTEGER) END"
    rows = sql.fetch(
        f"SELECT {section_of}, a.organisation_id, m.payer_account FROM {movement} m "
        f"JOIN {account} a ON a.id = m.account_id JOIN {requirement} r ON r.id = a.requirement_id "
        f"WHERE r.purpose_type = %s AND m.kind = %s AND m.payer_account <> '' AND {section_of} IN ({sections})",
        [BOND_PURPOSE, BOND_PURPOSE, Movement.Kind.ARRIVAL, BOND_PURPOSE, *section_params])
    payers: dict[tuple[int, str], set[int]] = defaultdict(set)
    for section_id, organisation_id, payer in rows:
        payers[(section_id, payer)].add(organisation_id)
    shared = {key: orgs for key, orgs in payers.items() if len(orgs) > 1}
    if not shared:
        return []
    only, only_params = sql.in_list("b.section_id", sorted({section_id for section_id, _ in shared}))
    states = ", ".join(f"'{state}'" for state in sql.RECEIVED)
    bids = defaultdict(list)
    for section_id, bid_id, organisation_id in sql.fetch(
            f"SELECT b.section_id, b.id, b.organisation_id FROM {bid} b WHERE {only} AND b.state IN ({states})",
            only_params):
        bids[(section_id, organisation_id)].append(bid_id)
    return [Finding(code="same_bond_account", key=f"same_bond_account:{section_id}:{payer}"[:200],
                    section_id=section_id, organisation_ids=sorted(orgs),
                    evidence={"value": payer, "bids": sorted(b for org in orgs for b in bids[(section_id, org)])})
            for (section_id, payer), orgs in sorted(shared.items())]
