"""The Elasticsearch aggregation path gives the same statistics as the database (only with ELASTICSEARCH_URL)."""

import datetime as dt
import os

import pytest

from stats.selectors import statistics_table
from tests.stats.test_statistics import at, award, flt, people  # noqa: F401 - fixtures

pytestmark = pytest.mark.skipif(not os.environ.get("ELASTICSEARCH_URL"), reason=(
    "Elasticsearch is not installed here: set ELASTICSEARCH_URL to compare its aggregations with the database"))


def figures(table):
    return ([(row.key, row.label, {n: (f.value, f.previous, f.yoy) for n, f in row.figures.items()},
              row.base_type_awards) for row in table.rows],
            {n: (f.value, f.previous, f.yoy) for n, f in table.total.figures.items()})


def test_elasticsearch_aggregations_equal_the_database(people, settings):  # noqa: F811
    from stats.elastic import statistics_index, statistics_table_elastic

    settings.ELASTICSEARCH_URL = os.environ["ELASTICSEARCH_URL"]
    settings.STATS_ELASTICSEARCH_INDEX = "sunshine-test-deal-rollup"
    for year in (2024, 2025):
        award(people, category="construction", base_type="price_cap", base="1000000.00", amount="912345.67",
              at=at(year, 3))
        award(people, category="government", base_type="budget", base="500000.00", amount="450000.01",
              at=at(year, 7), region="310104")
        award(people, category="land", base_type="starting_price", base="2000000.00", amount="2600000.00",
              at=at(year, 11), region="320102")
    award(people, category="property", base_type="valuation", base="1000000.00", amount="1100000.00", at=at(2025, 5))
    # one project awarded on three days in two quarters (and a day of the year before): counted once per range and
    # once per period, not once per day
    first = award(people, category="construction", base_type="price_cap", base="300.00", amount="280.00",
                  at=at(2025, 2, day=10))
    for when in (at(2025, 3, day=5), at(2025, 5, day=20), at(2024, 12, day=30)):
        award(people, category="construction", base_type="price_cap", base="300.00", amount="280.00", at=when,
              project=first.section.project)
    statistics_index()

    for group_by in ("category", "region", "month", "quarter", "year", "total"):
        for extra in ({}, {"category": "construction"}, {"region": "310000"}):
            for start in (dt.date(2025, 1, 1), dt.date(2025, 2, 15), dt.date(2025, 3, 6)):
                table = flt(group_by=group_by, start=start, end=dt.date(2025, 12, 31), **extra)
                assert figures(statistics_table_elastic(flt=table)) == figures(statistics_table(flt=table)), (
                    group_by, extra, start)
    whole = statistics_table_elastic(flt=flt(group_by="quarter", start=dt.date(2025, 1, 1), end=dt.date(2025, 12, 31),
                                             category="construction"))
    # Q1: the 15 March project and the three-day one (10 February, 5 March); Q2: the three-day one again (20 May)
    assert [row.figures["projects"].value for row in whole.rows] == [2, 1]
