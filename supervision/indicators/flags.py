"""Red flags on the platform's own data, with the definitions of the Open Contracting Partnership's Cardinal
indicators where one exists (R003, R018, R024, R035, R036), so that the same flags computed from the OCDS export
give the same answer (``supervision.indicators.cardinal`` computes them from OCDS data; a test compares both).

Per section (R018, R024, R035, R036, CAP) in one query over the stored section facts of the sections in hand, the bid
facts only for the sections whose outcome needs them (``facts``), returning only the sections where one of them can
be raised; per project
(R003, AMENDMENT); over the whole platform (REPEAT_WINNER, FAILURE_RATE), cheap aggregates over awards and
sections recomputed on every run.
"""

import datetime as dt
from decimal import Decimal
from statistics import quantiles

from dateutil.relativedelta import relativedelta
from django.db.models import F
from django.db.models.functions import Coalesce
from django.utils import timezone

from trading.models import Announcement, Award, BaseType, Bid, ProcurementMethod, Project, Section

from .. import conf
from . import sql
from .signals import Finding

# Cardinal's "competitive" methods (R018): OCDS open and selective (our invited tendering, 邀请招标).
COMPETITIVE = (ProcurementMethod.OPEN, ProcurementMethod.INVITED)


# The database keeps only the sections where a flag can be raised, by the same conditions widened by this margin
# (so that its arithmetic never drops a case at the boundary); ``section_flags`` then decides exactly, in Decimal.
MARGIN = Decimal("0.000001")


def section_outcomes(*, sections: str, section_params: list, per_bid: bool = False) -> list[dict]:
    """Per section where R018, R024, R035, R036 or CAP can be raised, or a price signal can be found (``ladder``,
    ``same``: the candidates of ``signals.prices``): its project, method, base, winner, and the facts of its bids
    those flags read. A section whose bids were all valid or not opened reads them from its ``SectionFact`` row
    (the award decides which of its two lowest prices is the winner's); one with a bid rejected by the evaluation,
    or whose row says its bids are needed (``per_bid``; every section with ``per_bid=True``), from its ``BidFact``
    rows, one aggregate over those sections only."""
    from ..models import BidFact, SectionFact

    opened, revoked = f"f.state = '{Bid.State.OPENED}'", f"f.state = '{Bid.State.REVOKED}'"
    # Disqualified: rejected by the evaluation, or not decrypted through the bidder's fault (撤销) — both are
    # "disqualified" bids in the OCDS export, which Cardinal reads.
    rejected = "COALESCE(f.bid_id IN (SELECT bid_id FROM i), FALSE)"
    valid, disqualified, winner = "b.valid = 1", "b.disqualified = 1", "b.org = a.organisation_id"
    r024, r035 = conf.flag("R024")["threshold"], max(int(conf.flag("R035")["threshold"]), 1)
    cap = Decimal(str(conf.flag("CAP")["ratio"]))
    close = "" if r024 is None else "AND o.next_valid - o.winner_price <= %s * o.winner_price"
    lowest, second = sql.stored_number("t.lowest"), sql.stored_number("t.second")
    need = "" if per_bid else (f"WHERE t.per_bid OR t.section_id IN (SELECT r.section_id FROM i "
                               f"JOIN {Bid._meta.db_table} r ON r.id = i.bid_id)")

    def from_bids(column: str, from_facts: str) -> str:
        return f"CASE WHEN x.section_id IS NULL THEN {from_facts} ELSE x.{column} END AS {column}"

    query = f"""
        WITH i AS ({sql.invalid_bids_sql()}),
        t AS (SELECT * FROM {SectionFact._meta.db_table} WHERE section_id IN ({sections})),
        x AS (
            SELECT b.section_id,
                   COUNT(DISTINCT b.org) AS tenderers,
                   COUNT(DISTINCT CASE WHEN {valid} THEN b.org END) AS valid_tenderers,
                   COUNT(DISTINCT CASE WHEN {disqualified} AND NOT ({winner}) THEN b.org END) AS disqualified_others,
                   MIN(CASE WHEN {valid} AND {winner} THEN b.price END) AS winner_price,
                   MIN(CASE WHEN {valid} AND NOT ({winner}) THEN b.price END) AS next_valid,
                   MIN(CASE WHEN {valid} THEN b.price END) AS lowest_valid,
                   MIN(CASE WHEN {disqualified} THEN b.price END) AS lowest_disqualified
            FROM (SELECT f.section_id, f.organisation_id AS org, {sql.stored_number("f.price")} AS price,
                         CASE WHEN {opened} AND NOT {rejected} THEN 1 ELSE 0 END AS valid,
                         CASE WHEN ({opened} AND {rejected}) OR {revoked} THEN 1 ELSE 0 END AS disqualified
                  FROM {BidFact._meta.db_table} f WHERE f.section_id IN (SELECT t.section_id FROM t {need})
                  {sql.no_pushdown()}) b
            LEFT JOIN {Award._meta.db_table} a ON a.section_id = b.section_id
            GROUP BY b.section_id),
        o AS (
            SELECT s.id AS section, s.project_id, p.procurement_method, p.region, s.base_amount, s.base_type,
                   a.organisation_id AS winner, a.amount AS award_amount,
                   {from_bids("tenderers", "t.tenderers")}, {from_bids("valid_tenderers", "t.opened")},
                   {from_bids("disqualified_others", "0")},
                   {from_bids("winner_price", f"CASE WHEN a.organisation_id = t.lowest_organisation_id THEN {lowest} "
                                              f"WHEN a.organisation_id = t.second_organisation_id THEN {second} END")},
                   {from_bids("next_valid", f"CASE WHEN a.organisation_id = t.lowest_organisation_id THEN {second} "
                                            f"WHEN a.organisation_id IS NOT NULL THEN {lowest} END")},
                   {from_bids("lowest_valid", lowest)}, {from_bids("lowest_disqualified", "NULL")},
                   CASE WHEN t.ladder THEN 1 ELSE 0 END AS ladder, CASE WHEN t.same THEN 1 ELSE 0 END AS same
            FROM t JOIN {Section._meta.db_table} s ON s.id = t.section_id
            JOIN {Project._meta.db_table} p ON p.id = s.project_id
            LEFT JOIN {Award._meta.db_table} a ON a.section_id = s.id LEFT JOIN x ON x.section_id = s.id)
        SELECT o.section, o.project_id, o.procurement_method, o.region, o.base_amount, o.base_type, o.winner,
               o.award_amount, o.tenderers, o.valid_tenderers, o.disqualified_others, o.winner_price, o.next_valid,
               o.lowest_valid, o.lowest_disqualified, o.ladder, o.same
        FROM o
        WHERE o.ladder = 1 OR o.same = 1
            OR (o.procurement_method IN ({", ".join("%s" for _ in COMPETITIVE)}) AND o.tenderers = 1)
            OR (o.winner IS NOT NULL AND (
                (o.winner_price > 0 AND o.next_valid >= o.winner_price {close})
                OR (o.valid_tenderers = 1 AND o.winner_price IS NOT NULL AND o.disqualified_others >= %s)
                OR (o.lowest_disqualified IS NOT NULL
                    AND (o.lowest_valid IS NULL OR o.lowest_disqualified < o.lowest_valid))
                OR (o.base_type IN (%s, %s) AND o.base_amount <> 0 AND o.award_amount >= %s * o.base_amount)))
        ORDER BY o.section"""
    params = section_params + list(COMPETITIVE)
    if r024 is not None:
        params.append(Decimal(str(r024)) * (1 + MARGIN))
    params += [r035, BaseType.PRICE_CAP, BaseType.BUDGET, cap * (1 - MARGIN)]
    names = ["section", "project", "method", "region", "base_amount", "base_type", "winner", "award_amount",
             "tenderers", "valid_tenderers", "disqualified_others", "winner_price", "next_valid", "lowest_valid",
             "lowest_disqualified", "ladder", "same"]

    def decimal(value):
        return None if value is None else Decimal(str(value))

    rows = []
    for row in sql.fetch(query, params):
        item = dict(zip(names, row, strict=True))
        for name in ("base_amount", "award_amount", "winner_price", "next_valid", "lowest_valid",
                     "lowest_disqualified"):
            item[name] = decimal(item[name])
        rows.append(item)
    return rows


def r024_difference(row: dict) -> Decimal | None:
    """Cardinal R024's difference: (lowest non-winning valid bid − winning bid) / winning bid, when the winner is
    the lowest valid bid; None where R024 does not apply."""
    win, other = row["winner_price"], row["next_valid"]
    if row["winner"] is None or win is None or other is None or win <= 0 or other < win:
        return None
    return (other - win) / win


def lower_fence(values: list[Decimal]) -> Decimal | None:
    """Q1 − 1.5·IQR (Cardinal's default R024 threshold), quartiles as statrs computes them."""
    if len(values) < 2:
        return None
    q1, _, q3 = quantiles(sorted(values), n=4, method="inclusive")
    return q1 - Decimal("1.5") * (q3 - q1)


def section_flags(rows: list[dict]) -> list[Finding]:
    """R018, R024, R035, R036 and CAP from :func:`section_outcomes`."""
    findings = []
    r024 = conf.flag("R024")["threshold"]
    differences = {row["section"]: r024_difference(row) for row in rows}
    threshold = Decimal(str(r024)) if r024 is not None else lower_fence(
        [d for d in differences.values() if d is not None])
    r035_min = max(int(conf.flag("R035")["threshold"]), 1)
    cap_ratio = Decimal(str(conf.flag("CAP")["ratio"]))

    def add(code, row, value=Decimal(1), organisations=(), **evidence):
        findings.append(Finding(code=code, key=f"{code}:{row['section']}", section_id=row["section"],
                                project_id=row["project"], organisation_ids=sorted(organisations),
                                value=value, evidence={k: str(v) for k, v in evidence.items()}))

    for row in rows:
        winner = [row["winner"]] if row["winner"] else []
        if row["method"] in COMPETITIVE and row["tenderers"] == 1:
            add("R018", row, tenderers=1)
        difference = differences[row["section"]]
        if difference is not None and threshold is not None and difference <= threshold:
            add("R024", row, difference, winner, winning_bid=row["winner_price"],
                next_bid=row["next_valid"], threshold=threshold)
        if row["winner"] and row["valid_tenderers"] == 1 and row["winner_price"] is not None \
                and row["disqualified_others"] >= r035_min:
            add("R035", row, Decimal(row["disqualified_others"]), winner,
                disqualified_tenderers=row["disqualified_others"])
        lowest_dq = row["lowest_disqualified"]
        if row["winner"] and lowest_dq is not None and (row["lowest_valid"] is None or lowest_dq < row["lowest_valid"]):
            add("R036", row, organisations=winner, lowest_bid=lowest_dq, lowest_valid_bid=row["lowest_valid"] or "")
        if row["winner"] and row["base_type"] in (BaseType.PRICE_CAP, BaseType.BUDGET) and row["base_amount"] \
                and row["award_amount"] >= cap_ratio * row["base_amount"]:
            add("CAP", row, row["award_amount"] / row["base_amount"], winner, award=row["award_amount"],
                base=row["base_amount"], base_type=row["base_type"])
    return findings


def tender_days(start: dt.datetime, end: dt.datetime) -> int:
    """Whole days from ``start`` to ``end``, truncated as Cardinal does (chrono ``num_days``)."""
    seconds = (end - start).total_seconds()
    return int(seconds / 86400)


def project_flags(projects) -> list[Finding]:
    """R003 (short submission period) and AMENDMENT (ZB 23) of the projects in hand (a queryset)."""
    findings = []
    days = int(conf.flag("R003")["days"])
    # Whole days truncated are fewer than ``days`` exactly when the period is shorter than ``days`` days: the
    # database keeps only those (an index-free filter over the projects in hand).
    rows = (projects.filter(procurement_method=ProcurementMethod.OPEN, bid_deadline__isnull=False)
            .annotate(period_start=Coalesce("announcement_at", "documents_start"))
            .filter(period_start__isnull=False, bid_deadline__lt=F("period_start") + dt.timedelta(days=days))
            .values_list("pk", "announcement_at", "documents_start", "bid_deadline"))
    for pk, announced, documents_start, deadline in rows:
        start = announced or documents_start
        if tender_days(start, deadline) < days:
            findings.append(Finding(code="R003", key=f"R003:{pk}", project_id=pk,
                                    value=Decimal(tender_days(start, deadline)),
                                    evidence={"start": start.isoformat(), "deadline": deadline.isoformat(),
                                              "days": tender_days(start, deadline), "threshold": days}))
    late = dt.timedelta(days=int(conf.flag("AMENDMENT")["days"]))
    notices = (Announcement.objects.filter(
        project__in=projects, kind__in=[Announcement.Kind.CLARIFICATION, Announcement.Kind.AMENDMENT],
        published_at__lt=F("project__bid_deadline"), published_at__gt=F("project__bid_deadline") - late)
        .values_list("project_id", "pk", "published_at", "project__bid_deadline").order_by("project_id", "pk"))
    by_project: dict[int, list] = {}
    for project_id, pk, published, deadline in notices:
        by_project.setdefault(project_id, []).append(
            {"announcement": pk, "published_at": published.isoformat(), "deadline": deadline.isoformat()})
    for project_id, items in by_project.items():
        findings.append(Finding(code="AMENDMENT", key=f"AMENDMENT:{project_id}", project_id=project_id,
                                value=Decimal(len(items)), evidence={"notices": items}))
    return findings


def _day_start(day: dt.date) -> dt.datetime:
    """The first moment of ``day`` in the current time zone (what ``__date__gte`` compares against)."""
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


def _repeat_pairs(section_ids: list[int]) -> tuple[str, list]:
    """SQL of the ``(tenderer, winner)`` pairs whose repeated-winner flag an incremental run recomputes: those of the
    awards of the sections in hand, and those of the unhandled flags stored (each may have lost an award since).
    Wins are only added with a section's award, which makes the section due, and only lost as time passes: no
    other pair can change."""
    from ..models import Lead

    award, section, project = Award._meta.db_table, Section._meta.db_table, Project._meta.db_table
    lead, named = Lead._meta.db_table, Lead.organisations.through._meta.db_table
    only, params = sql.in_list("s.id", section_ids)
    return (f"SELECT p.tenderer_id AS tenderer, a.organisation_id AS winner FROM {award} a "
            f"JOIN {section} s ON s.id = a.section_id JOIN {project} p ON p.id = s.project_id WHERE {only} "
            f"UNION SELECT l.organisation_id, n.organisation_id FROM {lead} l JOIN {named} n ON n.lead_id = l.id "
            f"WHERE l.code = 'REPEAT_WINNER' AND l.state = '{Lead.State.NEW}'", params)


def platform_flags(*, today: dt.date, sections: list[int] | None = None) -> list[Finding]:
    """REPEAT_WINNER and FAILURE_RATE over the whole platform: two aggregate queries. With ``sections`` (an
    incremental run) REPEAT_WINNER is recomputed only for the pairs those sections' awards or the stored flags
    name (``_repeat_pairs``); FAILURE_RATE, whose shares also move as sections age out of its window, always."""
    findings = []
    award, section, project = Award._meta.db_table, Section._meta.db_table, Project._meta.db_table
    repeat = conf.flag("REPEAT_WINNER")
    since = today - relativedelta(months=int(repeat["months"]))
    pairs, params = "", []
    if sections is not None:
        pairs_sql, params = _repeat_pairs(sections)
        pairs = f"JOIN ({pairs_sql}) q ON q.winner = a.organisation_id AND q.tenderer = p.tenderer_id"
    # Every award of a (tenderer, winner) pair with at least ``wins`` awards since then, oldest first.
    rows = sql.fetch(f"""
        SELECT tenderer, winner, project, wins FROM (
            SELECT p.tenderer_id AS tenderer, a.organisation_id AS winner, s.project_id AS project, a.awarded_at,
                   a.id, COUNT(*) OVER (PARTITION BY p.tenderer_id, a.organisation_id) AS wins
            FROM {award} a JOIN {section} s ON s.id = a.section_id JOIN {project} p ON p.id = s.project_id {pairs}
            WHERE a.awarded_at >= %s) w
        WHERE wins >= %s ORDER BY tenderer, winner, awarded_at, id""",
        params + [_day_start(since), int(repeat["wins"])])
    by_pair: dict[tuple[int, int], list[int]] = {}
    for tenderer, winner, project_id, _wins in rows:
        by_pair.setdefault((tenderer, winner), []).append(project_id)
    for (tenderer, winner), projects in by_pair.items():
        findings.append(Finding(code="REPEAT_WINNER", key=f"REPEAT_WINNER:{tenderer}:{winner}",
                                organisation_id=tenderer, organisation_ids=[winner], value=Decimal(len(projects)),
                                evidence={"projects": projects, "since": since.isoformat(), "tenderer": tenderer}))
    rate = conf.flag("FAILURE_RATE")
    ended_since = today - relativedelta(months=int(rate["months"]))
    start = _day_start(ended_since)
    # A section has at most one live award (one-to-one), so each section counts once.
    hosts = sql.fetch(f"""
        SELECT p.agency_id, COUNT(*), SUM(CASE WHEN s.failed_at >= %s THEN 1 ELSE 0 END)
        FROM {section} s JOIN {project} p ON p.id = s.project_id LEFT JOIN {award} a ON a.section_id = s.id
        WHERE p.agency_id IS NOT NULL AND (s.failed_at >= %s OR a.awarded_at >= %s)
        GROUP BY p.agency_id ORDER BY p.agency_id""", [start, start, start])
    threshold = Decimal(str(rate["rate"]))
    for host, ended, failed in hosts:
        if ended >= int(rate["min_sections"]) and Decimal(failed) / ended >= threshold:
            share = (Decimal(failed) / ended).quantize(Decimal("0.0001"))
            findings.append(Finding(code="FAILURE_RATE", key=f"FAILURE_RATE:{host}", organisation_id=host,
                                    value=share, evidence={"failed": failed, "ended": ended,
                                                           "since": ended_since.isoformat()}))
    return findings
