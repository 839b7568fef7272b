"""The Elasticsearch aggregation path of the statistics (when ELASTICSEARCH_URL is set).

The rollup rows (stats.DealRollup: day × category × region × base type × source) are indexed as documents, money
in fen as longs (exact: sums stay far below 2**53 fen), by ``manage.py statistics_index`` and, with a broker, the
periodic task ``stats.tasks.statistics_index``. ``statistics_table_elastic`` asks for the same raw sums as the SQL
path — per group (terms on category or region, or a calendar date_histogram), per window (the range and the range a
year earlier, a ``filters`` aggregation) and per base type — and derives every figure with the same code
(stats.selectors). The database stays the record: its rollup commits with each award; the index follows it.

Projects are counted exactly, not as project-days: the project rollup rows (stats.ProjectRollup: day × the project's
previous deal day × category × region × source) are indexed too (``doc: projects``), and a second search sums them
with the same rule as the SQL path — per group and window, the rows in range whose previous deal day lies before the
window's first day (for a calendar period, before the later of that and the period's first day: one ``filters``
bucket per period). Plain sums of exact integers: no ``cardinality`` (approximate in Elasticsearch) is involved.
"""

import datetime as dt
import itertools
from decimal import Decimal

from django.conf import settings
from elasticsearch.helpers import bulk
from elasticsearch_dsl import Date, Document, Keyword, Long, connections

from core.regions import region_prefix

from .models import DealRollup, ProjectRollup
from .selectors import (
    StatisticsFilter,
    StatisticsTable,
    keyed_groups,
    period_groups,
    table_from_groups,
    window_sums,
)

INTERVALS = {"month": "month", "quarter": "quarter", "year": "year"}


def index_name() -> str:
    return getattr(settings, "STATS_ELASTICSEARCH_INDEX", "sunshine-deal-rollup")


class RollupDocument(Document):
    doc = Keyword()  # "deal" (a DealRollup row) or "projects" (a ProjectRollup row)
    day = Date(format="yyyy-MM-dd")
    previous = Date(format="yyyy-MM-dd")
    category = Keyword()
    region = Keyword()
    base_type = Keyword()
    source = Keyword()
    awards = Long()
    projects = Long()
    base_fen = Long()
    amount_fen = Long()

    class Index:
        name = "sunshine-deal-rollup"


def _client():
    return connections.create_connection(alias="stats", hosts=[settings.ELASTICSEARCH_URL], timeout=30)


def statistics_index() -> int:
    """Rebuild the index from the rollup; returns the documents written."""
    client = _client()
    client.options(ignore_status=404).indices.delete(index=index_name())
    RollupDocument.init(index=index_name(), using="stats")
    deals = ({"_index": index_name(), "_id": f"deal-{row.pk}", "_source": {
        "doc": "deal", "day": row.day.isoformat(), "category": row.category, "region": row.region,
        "base_type": row.base_type, "source": row.source, "awards": row.awards, "projects": row.projects,
        "base_fen": int(row.base * 100), "amount_fen": int(row.amount * 100)}}
        for row in DealRollup.objects.exclude(awards=0).iterator())
    projects = ({"_index": index_name(), "_id": f"projects-{row.pk}", "_source": {
        "doc": "projects", "day": row.day.isoformat(), "previous": row.previous.isoformat(),
        "category": row.category, "region": row.region, "source": row.source, "projects": row.projects}}
        for row in ProjectRollup.objects.exclude(projects=0).iterator())
    actions = itertools.chain(deals, projects)
    written, _errors = bulk(client, actions, refresh="wait_for")
    return written


def _range(date_from: dt.date, date_to: dt.date) -> dict:
    return {"range": {"day": {"gte": date_from.isoformat(), "lte": date_to.isoformat()}}}


def _yuan(fen) -> Decimal:
    return Decimal(int(round(fen))) / 100


def _window_sums(bucket: dict, prefix: str) -> dict:
    """One window's raw sums from its per-base-type buckets (money back from fen)."""
    by_type = {b["key"]: {"awards": int(b["awards"]["value"]), "projects": int(b["projects"]["value"]),
                          "base": _yuan(b["base_fen"]["value"]), "amount": _yuan(b["amount_fen"]["value"])}
               for b in bucket["base_type"]["buckets"]}
    return window_sums(by_type, prefix)


def statistics_table_elastic(*, flt: StatisticsFilter) -> StatisticsTable:
    """The statistics table from Elasticsearch aggregations: the same figures as stats.selectors.statistics_table."""
    client = _client()
    previous = flt.previous
    filters = [{"bool": {"should": [_range(flt.date_from, flt.date_to), _range(previous.date_from,
                                                                              previous.date_to)]}}]
    if flt.category:
        filters.append({"term": {"category": flt.category}})
    if flt.region:
        filters.append({"prefix": {"region": region_prefix(flt.region)}})
    sums = {name: {"sum": {"field": name}} for name in ("awards", "projects", "base_fen", "amount_fen")}
    windows = {"filters": {"filters": {"cur": _range(flt.date_from, flt.date_to),
                                       "prev": _range(previous.date_from, previous.date_to)}},
               "aggs": {"base_type": {"terms": {"field": "base_type", "size": 10}, "aggs": sums}}}
    if flt.group_by in INTERVALS:
        group = {"date_histogram": {"field": "day", "calendar_interval": INTERVALS[flt.group_by],
                                    "format": "yyyy-MM-dd", "min_doc_count": 1}}
    elif flt.group_by in ("category", "region"):
        group = {"terms": {"field": flt.group_by, "size": 10000, "order": {"_key": "asc"}}}
    else:
        group = {"filter": {"match_all": {}}}
    body = {"size": 0, "query": {"bool": {"filter": [{"term": {"doc": "deal"}}, *filters]}},
            "aggs": {"groups": {**group, "aggs": {"windows": windows}}}}
    response = client.search(index=index_name(), body=body)
    groups = response["aggregations"]["groups"]
    buckets = groups.get("buckets", [{"key": "total", **groups}])
    counted = _projects(client, flt, filters)
    raw = []
    for b in buckets:
        key = b.get("key_as_string", b["key"])
        row = {"key": key, **_window_sums(b["windows"]["buckets"]["cur"], "cur_"),
               **_window_sums(b["windows"]["buckets"]["prev"], "prev_")}
        row["cur_projects"], row["prev_projects"] = counted.get((key, "cur"), 0), counted.get((key, "prev"), 0)
        raw.append(row)
    if flt.group_by in INTERVALS:
        groups, prev = period_groups(flt, {dt.date.fromisoformat(r["key"]): r for r in raw})
    else:
        groups, prev = keyed_groups(flt, raw)
    return table_from_groups(flt, groups, prev)


def _projects(client, flt: StatisticsFilter, filters: list[dict]) -> dict[tuple[str, str], int]:
    """Exact project counts per (group key, ``cur``/``prev``): Σ projects over the project rollup rows whose day lies
    in the window (or in the part of a period inside it) and whose previous deal day lies before the window's first
    day (or the period's first day, if later) — the rule of stats.rollup_query."""
    windows = {"cur": (flt.date_from, flt.date_to), "prev": (flt.previous.date_from, flt.previous.date_to)}
    named = {}
    for label, (start, end) in windows.items():
        if flt.group_by in INTERVALS:
            for first, last in _periods(flt.group_by, start, end):
                since = max(start, first)
                named[f"{label}|{first.isoformat()}"] = _counted(since, min(end, last), since)
        else:
            named[label] = _counted(start, end, start)
    aggs = {"windows": {"filters": {"filters": named}, "aggs": {"projects": {"sum": {"field": "projects"}}}}}
    if flt.group_by in ("category", "region"):
        aggs = {"groups": {"terms": {"field": flt.group_by, "size": 10000}, "aggs": aggs}}
    body = {"size": 0, "query": {"bool": {"filter": [{"term": {"doc": "projects"}}, *filters]}}, "aggs": aggs}
    result = client.search(index=index_name(), body=body)["aggregations"]
    counted = {}
    for group in result["groups"]["buckets"] if "groups" in result else [{"key": "total", **result}]:
        for name, bucket in group["windows"]["buckets"].items():
            label, _bar, period = name.partition("|")
            counted[(period or group["key"], label)] = int(round(bucket["projects"]["value"]))
    return counted


def _counted(first: dt.date, last: dt.date, before: dt.date) -> dict:
    return {"bool": {"filter": [_range(first, last), {"range": {"previous": {"lt": before.isoformat()}}}]}}


def _periods(group_by: str, start: dt.date, end: dt.date):
    """The calendar months, quarters or years that overlap [start, end], as (first day, last day)."""
    months = {"month": 1, "quarter": 3, "year": 12}[group_by]
    first = start.replace(day=1, month=start.month - (start.month - 1) % months if months < 12 else 1)
    while first <= end:
        index = first.year * 12 + first.month - 1 + months
        after = dt.date(index // 12, index % 12 + 1, 1)
        yield first, after - dt.timedelta(days=1)
        first = after
