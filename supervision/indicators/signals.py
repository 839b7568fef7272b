"""Collusion signals (TL 40) over the bids of sections whose opening is over: set-based, over the stored facts.

Each bid yields values (its upload address, installation id, project manager, the submitter's phone, the agent named
in its summary; each document's hash and authors); when a section is scanned the values two or more of its bidders
share are kept as ``BidValue`` rows (``facts``): a signal is such a (section, indicator, value), read with its
evidence. Prices in a regular pattern and identical prices are decided with window functions over the prices of the
sections whose first pass (``SectionFact.ladder``, ``same``) found a candidate, in the order the ``BidFact`` index
keeps them.
"""

from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from deposits.models import DepositAccount, DepositRequirement, Movement
from trading.bonds import PURPOSE as BOND_PURPOSE
from trading.models import Bid

from .. import conf
from . import facts, sql


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


def shared_values(*, sections: str, section_params: list) -> list[Finding]:
    """Signals of the selected sections whose value is shared by two or more bidders, with their evidence: the
    shared values were kept when the sections were scanned (``facts``); their rows are grouped here by section,
    indicator and value."""
    from ..models import BidValue

    groups: dict[tuple, list[tuple[int, int]]] = defaultdict(list)
    for section, bid_id, org, kind, value in sql.fetch(
            f"SELECT section_id, bid_id, organisation_id, kind, value FROM {BidValue._meta.db_table} "
            f"WHERE section_id IN ({sections})", section_params):
        groups[(section, facts.VALUE_CODES[kind], value)].append((bid_id, org))
    return [_finding(code, section, value, members) for (section, code, value), members in sorted(groups.items())
            if len({org for _, org in members}) > 1]


def _finding(code: str, section: int, value: str, members: list[tuple[int, int]]) -> Finding:
    bids = sorted({bid for bid, _ in members})
    organisations = sorted({org for _, org in members})
    return Finding(code=code, key=f"{code}:{section}:{value}"[:200], section_id=section,
                   organisation_ids=organisations, evidence={"value": value, "bids": bids})


def _points() -> str:
    """The price points of the stored facts: the opened bids' prices and the caps (bid 0); ``price`` to compute
    with, ``exact`` as stored (as the bid wrote it)."""
    from ..models import BidFact

    return (f"SELECT section_id, bid_id, organisation_id, {sql.stored_number('price')} AS price, price AS exact "
            f"FROM {BidFact._meta.db_table} WHERE (state = '{Bid.State.OPENED}' OR bid_id = 0) AND price IS NOT NULL")


def prices(*, ladders: list[int], identical: list[int]) -> list[Finding]:
    """Prices in a regular pattern in the sections ``ladders`` and identical prices in the sections ``identical``
    (the candidates ``facts.price_candidates`` found when they were scanned), decided exactly, in ``numeric``."""
    settings = conf.signals()
    need, places = int(settings["pattern_min_points"]), int(settings["ratio_places"])
    return _price_patterns(ladders, need=need, places=places) + _identical_prices(identical)


def _identical_prices(section_ids: list[int]) -> list[Finding]:
    """Identical prices (to the fen, as money text) of opened bids of two or more bidders in these sections."""
    from ..models import BidFact

    if not section_ids:
        return []
    only, params = sql.in_list("section_id", section_ids)
    groups: dict[tuple, list[tuple[int, int]]] = defaultdict(list)
    for section, bid_id, org, value in sql.fetch(
            f"SELECT section_id, bid_id, organisation_id, {sql.money_text('price')} FROM {BidFact._meta.db_table} "
            f"WHERE {only} AND state = '{Bid.State.OPENED}' AND price IS NOT NULL", params):
        groups[(section, value)].append((bid_id, org))
    return [_finding("identical_price", section, value, members) for (section, value), members
            in sorted(groups.items()) if len({org for _, org in members}) > 1]


def _price_patterns(section_ids: list[int], *, need: int, places: int) -> list[Finding]:
    """Sections where sorted prices step by an equal amount or an equal ratio over ``pattern_min_points`` prices,
    the section's price cap (招标控制价) counting as a price (bids set at 99%, 98.01% … of the cap form a ladder
    from it), with bids of at least two bidders in the run."""
    if not section_ids:
        return []
    points, window = _points(), "WINDOW w AS (PARTITION BY section_id ORDER BY price, bid_id)"
    only, section_params = sql.in_list("section_id", section_ids)
    query = f"""
        WITH s AS (
            SELECT section_id, bid_id, price, ROW_NUMBER() OVER w AS rn,
                   ROUND(price - LAG(price) OVER w, 2) AS gap,
                   ROUND(price / NULLIF(LAG(price) OVER w, 0), {places}) AS ratio
            FROM ({points}) p WHERE {only} {window}),
        steps AS (
            SELECT section_id, rn, 'gap' AS kind, gap AS step FROM s WHERE gap > 0
            UNION ALL SELECT section_id, rn, 'ratio', ratio FROM s WHERE ratio > 1),
        runs AS (
            SELECT section_id, kind, step, rn - ROW_NUMBER() OVER (PARTITION BY section_id, kind, step ORDER BY rn)
                   AS island, rn FROM steps)
        SELECT section_id, kind, step, MIN(rn) - 1 AS first, MAX(rn) AS last FROM runs
        GROUP BY section_id, kind, step, island HAVING COUNT(*) >= %s ORDER BY section_id, first"""
    found = sql.fetch(query, section_params + [need - 1])
    if not found:
        return []
    matched, matched_params = sql.in_list("section_id", sorted({row[0] for row in found}))
    ordered = defaultdict(list)
    for section_id, bid_id, org, value, exact in sql.fetch(f"SELECT * FROM ({points}) p WHERE {matched}",
                                                           matched_params):
        ordered[section_id].append((Decimal(str(value)), bid_id, org, Decimal(str(exact))))
    findings, seen = [], set()
    for section_id, kind, step, first, last in found:
        run = sorted(ordered[section_id], key=lambda point: point[:2])[first - 1:last]
        organisations = sorted({org for _, _, org, _ in run if org is not None})
        if len(organisations) < 2 or (section_id, kind) in seen:
            continue
        seen.add((section_id, kind))
        findings.append(Finding(
            code="price_pattern", key=f"price_pattern:{section_id}:{kind}", section_id=section_id,
            organisation_ids=organisations, value=Decimal(str(step)),
            evidence={"pattern": kind, "step": format(Decimal(str(step)), "f"),
                      "bids": [b for _, b, _, _ in run if b], "prices": [format(p, "f") for _, _, _, p in run],
                      "price_cap": [format(p, "f") for _, b, _, p in run if not b]}))
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
