"""Transaction statistics: definitions on hand-computed awards, filters, 同比, pages, exports, API, permissions."""

import datetime as dt
import itertools
import re
from dataclasses import replace
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import translation
from rest_framework.test import APIClient

from accounts.models import Organisation, Role
from stats.reports import SHOWN, figure_charts, statistics_report
from stats.selectors import (
    StatisticsFilter,
    statistics_failures,
    statistics_filter_parse,
    statistics_headline,
    statistics_table,
)
from stats.templatetags.statistics_tags import figure_value, figure_yoy
from tests import factories
from tests.pdfcheck import assert_whole, money_figures, pdf_read
from trading.models import Award, Project, Section, Status

SHANGHAI = ZoneInfo("Asia/Shanghai")
_codes = itertools.count(1)


@pytest.fixture
def people(db):
    return {"agency": factories.user(role=Role.AGENCY), "tenderer": factories.organisation(
        org_type=Organisation.Type.TENDERER), "winner": factories.organisation()}


def award(people, *, category: str, base_type: str, base: str, amount: str, at: dt.datetime,
          region: str = "310101", project: Project | None = None) -> Award:
    """An awarded section written straight to the tables, as the award service leaves it."""
    if project is None:
        project = Project.objects.create(
            title=f"统计测试项目{next(_codes)}", category=category, tenderer=people["tenderer"], region=region,
            procurement_method="open", evaluation_method="lowest_price", status=Status.CONTRACT_SIGNED,
            created_by=people["agency"])
    section = Section.objects.create(project=project, code=f"{next(_codes):03d}", name="标段",
                                     base_amount=Decimal(base) if Decimal(base) > 0 else Decimal("1"),
                                     base_type=base_type)
    return Award.objects.create(section=section, organisation=people["winner"], amount=Decimal(amount),
                                base_amount=Decimal(base), base_type=base_type, awarded_at=at,
                                awarded_by=people["agency"])


def at(year: int, month: int, day: int = 15, hour: int = 10) -> dt.datetime:
    return dt.datetime(year, month, day, hour, tzinfo=SHANGHAI)


def flt(group_by="category", start=dt.date(2025, 1, 1), end=dt.date(2025, 12, 31), **extra) -> StatisticsFilter:
    return StatisticsFilter(group_by=group_by, date_from=start, date_to=end, **extra)


@pytest.fixture
def four_bases(people):
    """One award of each base type in 2025, figures chosen so every result is easy to check by hand."""
    award(people, category="construction", base_type="price_cap", base="1000000.00", amount="900000.00", at=at(2025, 3))
    award(people, category="government", base_type="budget", base="500000.00", amount="450000.00", at=at(2025, 3))
    award(people, category="land", base_type="starting_price", base="2000000.00", amount="2600000.00",
          at=at(2025, 5), region="310104")
    award(people, category="property", base_type="valuation", base="1000000.00", amount="1100000.00",
          at=at(2025, 5), region="310104")


def values(row, *names):
    return {name: row[name].value for name in names}


# ------------------------------------------------------------------------------------------ definitions


def test_savings_count_only_budget_and_price_cap_premium_only_starting_price(four_bases):
    table = statistics_table(flt=flt())
    rows = {row.key: row for row in table.rows}

    assert values(rows["construction"], "savings", "savings_rate", "premium", "premium_rate", "value_added") == {
        "savings": Decimal("100000.00"), "savings_rate": Decimal("0.1000"), "premium": None,
        "premium_rate": None, "value_added": None}
    assert values(rows["government"], "savings", "savings_rate") == {
        "savings": Decimal("50000.00"), "savings_rate": Decimal("0.1000")}
    assert values(rows["land"], "savings", "premium", "premium_rate") == {
        "savings": None, "premium": Decimal("600000.00"), "premium_rate": Decimal("0.3000")}
    assert values(rows["property"], "premium", "value_added", "value_added_rate") == {
        "premium": None, "value_added": Decimal("100000.00"), "value_added_rate": Decimal("0.1000")}
    # The total mixes every base, but savings and premium only ever read their own bases.
    assert values(table.total, "awards", "total_base", "total_amount", "savings_base", "savings", "savings_rate",
                  "premium", "premium_rate") == {
        "awards": 4, "total_base": Decimal("4500000.00"), "total_amount": Decimal("5050000.00"),
        "savings_base": Decimal("1500000.00"), "savings": Decimal("150000.00"), "savings_rate": Decimal("0.1000"),
        "premium": Decimal("600000.00"), "premium_rate": Decimal("0.3000")}


def test_every_figure_names_its_base_types(four_bases):
    row = statistics_table(flt=flt()).total

    assert row["savings"].base_types == ("budget", "price_cap")
    assert row["savings_rate"].base_types == ("budget", "price_cap")
    assert row["premium_rate"].base_types == ("starting_price",)
    assert row["value_added"].base_types == ("valuation",)
    assert row.base_type_awards == {"budget": 1, "price_cap": 1, "starting_price": 1, "valuation": 1}


def test_mixed_categories_in_one_region_keep_the_definitions_apart(four_bases):
    rows = {row.key: row for row in statistics_table(flt=flt(group_by="region")).rows}

    assert values(rows["310101"], "awards", "savings", "savings_rate", "premium") == {
        "awards": 2, "savings": Decimal("150000.00"), "savings_rate": Decimal("0.1000"), "premium": None}
    assert values(rows["310104"], "awards", "savings", "premium_rate", "value_added") == {
        "awards": 2, "savings": None, "premium_rate": Decimal("0.3000"), "value_added": Decimal("100000.00")}


@pytest.fixture
def two_years(people):
    """Deals in 2024 and 2025 of every base type in two regions, a project awarded in two months, a 流标."""
    amounts = {"price_cap": ("1000000.00", "912345.67"), "budget": ("500000.00", "450000.01"),
               "starting_price": ("2000000.00", "2600000.00"), "valuation": ("1000000.00", "1100000.00")}
    categories = {"price_cap": "construction", "budget": "government", "starting_price": "land",
                  "valuation": "property"}
    for year, month, scale in ((2024, 3, 1), (2024, 11, 3), (2025, 3, 2), (2025, 7, 5), (2025, 11, 1)):
        for n, (base_type, (base, amount)) in enumerate(amounts.items()):
            award(people, category=categories[base_type], base_type=base_type, base=str(Decimal(base) * scale),
                  amount=str(Decimal(amount) * scale + n), at=at(year, month), region=("310101", "320102")[n % 2])
    first = award(people, category="other", base_type="budget", base="300.00", amount="280.00", at=at(2025, 2))
    award(people, category="other", base_type="budget", base="300.00", amount="310.00", at=at(2025, 5),
          project=first.section.project)
    failed = award(people, category="construction", base_type="price_cap", base="100.00", amount="1.00",
                   at=at(2025, 5)).section
    Award.objects.filter(section=failed).delete()
    Section.objects.filter(pk=failed.pk).update(failed_at=at(2025, 6))


@pytest.mark.parametrize("group_by", ["category", "region", "month", "quarter", "year"])
@pytest.mark.parametrize("extra", [{}, {"category": "land"}, {"region": "310000"}])
def test_the_page_shows_the_figures_the_csv_and_api_give(two_years, group_by, extra):
    """The page and the PDF derive only the figures they show, from the same sums: the same values and 同比 as
    statistics_table (which the CSV and API read), the charts the same as the monthly and by-category tables."""
    for start in (dt.date(2025, 1, 1), dt.date(2025, 2, 15)):
        shown = flt(group_by=group_by, start=start, **extra)
        table = statistics_table(flt=shown)
        report = statistics_report(flt=shown)

        def text(row):
            return (row.key, row.label, tuple((figure_value(row[name]), figure_yoy(row[name])) for name in SHOWN))

        assert [tuple(row) for row in [*report.rows, report.total]] == [text(row) for row in [*table.rows,
                                                                                               table.total]]
        assert any(yoy for row in report.rows for _value, yoy in row.cells)  # 同比 is compared, not only blanks
        monthly = statistics_table(flt=replace(shown, group_by="month"))
        by_category = statistics_table(flt=replace(shown, group_by="category"))
        assert report.charts == report_charts_from_tables(monthly, by_category)
        assert report.failures == statistics_failures(flt=shown)


def report_charts_from_tables(monthly, by_category):
    """The charts as drawn from the full tables' figures."""

    def values(row):
        return {name: figure.value for name, figure in row.figures.items()}

    return figure_charts(monthly=[(dt.date.fromisoformat(row.key), values(row)) for row in monthly.rows],
                         by_category=[(row.key, values(row)) for row in by_category.rows])


def test_rates_are_decimals_with_four_places(people):
    award(people, category="government", base_type="budget", base="300000.00", amount="200000.00", at=at(2025, 2))

    rate = statistics_table(flt=flt()).total["savings_rate"].value

    assert rate == Decimal("0.3333") and rate.as_tuple().exponent == -4


def test_year_on_year_against_the_same_period_a_year_earlier(people):
    award(people, category="construction", base_type="price_cap", base="1000000.00", amount="600000.00",
          at=at(2024, 3))
    award(people, category="construction", base_type="price_cap", base="1000000.00", amount="900000.00",
          at=at(2025, 3))

    rows = {row.key: row for row in statistics_table(
        flt=flt(group_by="month", start=dt.date(2024, 1, 1), end=dt.date(2025, 12, 31))).rows}

    march_2025, march_2024 = rows["2025-03-01"], rows["2024-03-01"]
    assert march_2025["total_amount"].previous == Decimal("600000.00")
    assert march_2025["total_amount"].yoy == Decimal("0.5000")  # (900k − 600k) / 600k
    assert march_2025["savings"].yoy == Decimal("-0.7500")  # (100k − 400k) / 400k
    assert march_2025["savings_rate"].yoy == Decimal("-0.3000")  # 10 % − 40 %: percentage points
    assert march_2025["awards"].yoy == Decimal("0.0000")
    # Nothing a year before March 2024: no 同比 rather than an invented one.
    assert march_2024["total_amount"].previous is None and march_2024["total_amount"].yoy is None


def test_year_on_year_by_category_compares_the_same_days_of_last_year(people):
    award(people, category="government", base_type="budget", base="200000.00", amount="100000.00", at=at(2024, 6))
    award(people, category="government", base_type="budget", base="400000.00", amount="300000.00", at=at(2025, 6))
    award(people, category="government", base_type="budget", base="999999.00", amount="999999.00", at=at(2024, 8))

    row = statistics_table(flt=flt(start=dt.date(2025, 1, 1), end=dt.date(2025, 6, 30))).rows[0]

    assert row["total_amount"].previous == Decimal("100000.00")  # August 2024 is outside the compared days
    assert row["total_amount"].yoy == Decimal("2.0000")


def test_no_year_on_year_when_the_previous_figure_is_zero(people):
    award(people, category="other", base_type="budget", base="100000.00", amount="100000.00", at=at(2024, 4))
    award(people, category="other", base_type="budget", base="100000.00", amount="80000.00", at=at(2025, 4))

    row = statistics_table(flt=flt()).rows[0]

    assert row["savings"].previous == Decimal("0.00")
    assert row["savings"].yoy is None
    assert row["savings_rate"].yoy == Decimal("0.2000")


def test_a_zero_base_gives_no_rate_instead_of_a_crash(people):
    award(people, category="other", base_type="budget", base="0.00", amount="50000.00", at=at(2025, 4))

    row = statistics_table(flt=flt()).rows[0]

    assert row["savings"].value == Decimal("-50000.00")
    assert row["savings_rate"].value is None


def test_periods_are_calendar_periods_in_shanghai(people):
    # 31 March 2025 17:30 UTC is already 1 April in Shanghai.
    award(people, category="other", base_type="budget", base="100.00", amount="90.00",
          at=dt.datetime(2025, 3, 31, 17, 30, tzinfo=dt.UTC))

    months = [row.key for row in statistics_table(flt=flt(group_by="month")).rows]
    with translation.override("zh-hans"):
        quarters = [row.label for row in statistics_table(flt=flt(group_by="quarter")).rows]
    with translation.override("en"):
        quarters_en = [row.label for row in statistics_table(flt=flt(group_by="quarter")).rows]

    assert months == ["2025-04-01"]
    assert quarters == ["2025年第二季度"] and quarters_en == ["2025 Q2"]


def test_each_table_is_one_query(four_bases):
    for group_by in ("category", "region", "month", "quarter", "year"):
        with CaptureQueriesContext(connection) as queries:
            statistics_table(flt=flt(group_by=group_by))
        assert len(queries) == 1, group_by  # one statement reads the data; nothing around it


def test_the_page_and_pdf_report_reads_three_statements(four_bases, people):
    failed = award(people, category="construction", base_type="price_cap", base="100.00", amount="1.00",
                   at=at(2025, 5)).section
    Award.objects.filter(section=failed).delete()
    Section.objects.filter(pk=failed.pk).update(failed_at=at(2025, 6))
    for group_by in ("category", "region", "month", "quarter", "year"):
        with CaptureQueriesContext(connection) as queries:
            report = statistics_report(flt=flt(group_by=group_by))
        # the table, the charts' sums by category × month (which give the 流标 table its awarded sections too) and
        # the failed sections; two with the raw awards (SQLite has no rollup)
        assert len(queries) == (3 if connection.vendor == "postgresql" else 4), group_by
        assert [(r.key, r.failed, r.awarded) for r in report.failures] == [
            ("construction", 1, 1), ("government", 0, 1), ("land", 0, 1), ("property", 0, 1)]


def test_awards_of_cancelled_projects_are_not_counted(people):
    cancelled = award(people, category="other", base_type="budget", base="100.00", amount="90.00", at=at(2025, 4))
    Project.objects.filter(pk=cancelled.section.project_id).update(status=Status.CANCELLED)

    assert statistics_table(flt=flt()).rows == []


def test_a_refused_award_is_not_counted(people):
    live = award(people, category="construction", base_type="price_cap", base="1000000.00", amount="900000.00",
                 at=at(2025, 3))
    refused = award(people, category="construction", base_type="price_cap", base="800000.00", amount="700000.00",
                    at=at(2025, 4))
    Award.objects.filter(pk=refused.pk).update(section=None, refused_section=refused.section_id, refusal="award",
                                               refused_at=at(2025, 4, 20))
    table = statistics_table(flt=flt())
    assert [row.key for row in table.rows] == ["construction"]
    for row in (table.rows[0], table.total):
        assert values(row, "awards", "total_amount", "savings") == {
            "awards": 1, "total_amount": live.amount, "savings": Decimal("100000.00")}


def test_failed_tenders_and_their_rate_by_category(people):
    award(people, category="construction", base_type="price_cap", base="100.00", amount="90.00", at=at(2025, 4))
    award(people, category="construction", base_type="price_cap", base="100.00", amount="95.00", at=at(2025, 5))
    failed = award(people, category="construction", base_type="price_cap", base="100.00", amount="1.00",
                   at=at(2025, 5)).section
    Award.objects.filter(section=failed).delete()
    Section.objects.filter(pk=failed.pk).update(failed_at=at(2025, 6))

    rows = statistics_failures(flt=flt())

    assert [(r.key, r.failed, r.awarded, r.rate) for r in rows] == [("construction", 1, 2, Decimal("0.3333"))]


def test_the_headline_is_this_year_to_date(people):
    award(people, category="government", base_type="budget", base="1000.00", amount="900.00", at=at(2025, 2))
    award(people, category="government", base_type="budget", base="1000.00", amount="800.00", at=at(2026, 2))
    award(people, category="government", base_type="budget", base="1000.00", amount="950.00", at=at(2025, 9))

    row = statistics_headline(today=dt.date(2026, 3, 1))

    assert values(row, "awards", "total_amount", "savings_rate") == {
        "awards": 1, "total_amount": Decimal("800.00"), "savings_rate": Decimal("0.2000")}
    assert row["total_amount"].previous == Decimal("900.00")


# ----------------------------------------------------------------------------------------------- filters


def test_filters_category_region_and_dates(four_bases, people):
    award(people, category="land", base_type="starting_price", base="100.00", amount="150.00", at=at(2025, 5),
          region="320100")

    by_category = statistics_table(flt=flt(category="land"))
    in_shanghai = statistics_table(flt=flt(group_by="region", region="310000"))
    march_only = statistics_table(flt=flt(start=dt.date(2025, 3, 1), end=dt.date(2025, 3, 31)))

    assert [row.key for row in by_category.rows] == ["land"] and by_category.total["awards"].value == 2
    assert [row.key for row in in_shanghai.rows] == ["310101", "310104"]  # 310000 covers its districts
    assert sorted(row.key for row in march_only.rows) == ["construction", "government"]


def test_filter_defaults_and_parsing():
    today = dt.date(2026, 5, 20)

    assert statistics_filter_parse({}, today=today) == flt(start=dt.date(2026, 1, 1), end=today)
    assert statistics_filter_parse({"group_by": "month"}, today=today).date_from == dt.date(2025, 1, 1)
    assert statistics_filter_parse({"group_by": "year", "from": "2020-02-03", "to": "2021-04-05",
                                    "category": "land", "region": "310000"}, today=today) == StatisticsFilter(
        group_by="year", date_from=dt.date(2020, 2, 3), date_to=dt.date(2021, 4, 5), category="land",
        region="310000")


@pytest.mark.parametrize(("query", "field", "message"), [
    ({"from": "2025-13-01"}, "from", "is not a date; write it as YYYY-MM-DD"),
    ({"category": "spaceships"}, "category", "Unknown category “spaceships”"),
    ({"from": "2025-06-01", "to": "2025-01-01"}, "from", "is after the end date 2025-01-01; swap them"),
    ({"group_by": "week"}, "group_by", "Group by one of"),
    ({"region": "31"}, "region", "Pick a region from the list"),
])
def test_invalid_filters_say_what_to_give(query, field, message):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError) as raised:
        statistics_filter_parse(query, today=dt.date(2026, 1, 1))

    assert message in " ".join(raised.value.message_dict[field])


# --------------------------------------------------------------------------------------- pages and API


@pytest.fixture
def official(db):
    return factories.user(role=Role.OFFICIAL)


def logged_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_the_page_shows_the_table_and_accessible_svg_charts(four_bases, official):
    response = logged_in(official).get("/statistics/", {"from": "2025-01-01", "to": "2025-12-31"})

    assert response.status_code == 200
    page = response.content.decode()
    assert page.count('role="img"') == 3 and "<title id=\"chart-monthly-title\">" in page
    assert "100,000.00" in page and "10.00%" in page and "30.00%" in page
    assert "/statistics/export.csv?from=2025-01-01" in page and "/statistics/report.pdf?" in page


@pytest.mark.parametrize("query", [{"from": "2025-99-01"}, {"category": "nope"}, {"from": "2025-05-01",
                                                                                  "to": "2025-01-01"}])
def test_an_invalid_filter_on_the_page_gives_a_message_not_a_crash(official, query):
    response = logged_in(official).get("/statistics/", query)

    assert response.status_code == 400
    assert "The filter is not valid" in response.content.decode()
    assert 'class="errorlist"' in response.content.decode()


def test_csv_export(four_bases, official):
    response = logged_in(official).get("/statistics/export.csv", {"from": "2025-01-01", "to": "2025-12-31"})

    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    lines = response.content.decode("utf-8-sig").splitlines()
    assert "Savings 节约资金 (yuan) [Budget (预算)/Price cap (招标控制价)]" in lines[0]
    assert lines[1].startswith("construction,")
    assert ",100000.00,,," in lines[1] and lines[-1].startswith("total,Total,")


def test_the_csv_headers_are_chinese_on_a_chinese_export(four_bases, official, settings):
    from tests.e2e.page_checks import text_problems

    settings.LANGUAGE_CODE = "zh-hans"
    response = logged_in(official).get("/statistics/export.csv", {"from": "2025-01-01", "to": "2025-12-31"})
    header = response.content.decode("utf-8-sig").splitlines()[0]
    assert header.startswith("交易类别代码,交易类别,") and "上年同期" in header
    assert text_problems(header) == []


def test_pdf_report(four_bases, official, settings):
    settings.LANGUAGE_CODE = "zh-hans"
    response = logged_in(official).get("/statistics/report.pdf", {"from": "2025-01-01", "to": "2025-12-31"})

    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    read = pdf_read(response.content, name="statistics-report")
    # the same figures as the page, each whole on one line, Chinese names for groups and periods
    page = logged_in(official).get("/statistics/", {"from": "2025-01-01", "to": "2025-12-31"}).content.decode()
    figures = ["5,050,000.00", "4,500,000.00", "1,000,000.00", "900,000.00", "150,000.00", "600,000.00",
               "100,000.00", "2,600,000.00", "10.00%", "30.00%"]
    for figure in figures:
        assert figure in page
    assert_whole(read, figures)
    assert set(money_figures(read)) <= set(re.findall(r"[\d,]+\.\d{2}", page)) | {"10.00", "30.00"}
    for name in ("交易统计报告", "工程建设", "政府采购", "合计", "三月", "五月"):  # chart axis: short month names
        assert name in read.text
    monthly = logged_in(official).get("/statistics/report.pdf", {"from": "2025-01-01", "to": "2025-12-31",
                                                                "group_by": "quarter"})
    read = pdf_read(monthly.content, name="statistics-report-quarters")
    assert "2025年第一季度" in read.text and "2025年第二季度" in read.text and "Q1" not in read.text


def test_exports_refuse_an_invalid_filter_with_a_message(official):
    for url in ("/statistics/export.csv", "/statistics/report.pdf"):
        response = logged_in(official).get(url, {"to": "yesterday"})
        assert response.status_code == 400
        assert "is not a date" in response.content.decode()


def test_api_returns_the_same_figures_with_decimals_as_strings(four_bases, official):
    client = APIClient()
    client.force_authenticate(official)

    response = client.get("/api/stats/statistics/", {"group_by": "category", "from": "2025-01-01",
                                                        "to": "2025-12-31"})

    assert response.status_code == 200
    body = response.json()
    construction = next(row for row in body["rows"] if row["key"] == "construction")
    assert construction["figures"]["savings"] == {"kind": "money", "value": "100000.00", "previous": None,
                                                  "yoy": None, "base_types": ["budget", "price_cap"]}
    assert body["total"]["figures"]["premium_rate"]["value"] == "0.3000"
    assert body["group_by"] == "category" and body["date_from"] == "2025-01-01"


def test_api_refuses_invalid_filters_field_by_field(official):
    client = APIClient()
    client.force_authenticate(official)

    response = client.get("/api/stats/statistics/", {"from": "2025-02-30", "category": "x"})

    assert response.status_code == 400
    assert set(response.json()["errors"]) == {"from", "category"}


def test_api_is_in_the_openapi_schema(official):
    client = APIClient()
    client.force_authenticate(official)

    schema = client.get("/api/schema/", {"format": "json"}).json()

    operation = schema["paths"]["/api/stats/statistics/"]["get"]
    assert {p["name"] for p in operation["parameters"]} >= {"group_by", "from", "to", "category", "region"}
    assert "StatisticsFiguresSerializer" in str(schema["components"]["schemas"]) or \
        "StatisticsFigures" in schema["components"]["schemas"]


# ---------------------------------------------------------------------------------------------- access


def test_a_bidder_is_refused_and_anonymous_goes_to_log_in(db):
    bidder = factories.user(role=Role.BIDDER)

    assert logged_in(bidder).get("/statistics/").status_code == 403
    assert logged_in(bidder).get("/statistics/report.pdf").status_code == 403
    api = APIClient()
    api.force_authenticate(bidder)
    assert api.get("/api/stats/statistics/").status_code == 403
    anonymous = Client().get("/statistics/")
    assert anonymous.status_code == 302 and "/login/" in anonymous["Location"]


@pytest.mark.parametrize("role", [Role.OFFICIAL, Role.REGULATOR])
def test_officials_and_regulators_find_statistics_in_their_navigation(db, role):
    page = logged_in(factories.user(role=role)).get("/announcements/").content.decode()

    assert 'href="/statistics/"' in page


def test_the_official_desk_shows_this_years_headline_with_a_link(people, official):
    from django.utils import timezone

    year = timezone.localdate().year
    award(people, category="government", base_type="budget", base="1000.00", amount="900.00", at=timezone.now())

    page = logged_in(official).get(f"/accounts/dashboard/{Role.OFFICIAL}/").content.decode()

    assert f"Transactions in {year} so far" in page
    assert "10.00%" in page and 'href="/statistics/"' in page
