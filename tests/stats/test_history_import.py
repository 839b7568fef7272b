"""History import: 108 past deals of a published half-year read back exactly; bad files refused row by row."""

import csv
import io
import random
from decimal import Decimal

import pytest
import tablib
from rest_framework.test import APIClient

from accounts.credit_code import make as credit_code_make
from accounts.models import Organisation, Role
from audit.models import AuditEvent
from stats.models import DealRollup, ImportJob
from stats.rollup import rollup_differences
from tests import factories
from trading.models import Award, Project
from trading.services.projects import deal_code_make

HEADER = ["统一交易标识码", "项目名称", "交易类别", "行政区划代码", "交易方式", "公告日期", "成交日期", "合同签订日期",
          "基准类型", "基准金额（元）", "成交金额（元）", "招标人/采购人/出让人", "招标人统一社会信用代码",
          "中标人/竞得人", "中标人统一社会信用代码"]

# A city's first half of 2025 as its half-year report publishes it (by category: deals, Σ base, Σ deal amount).
# The import must reproduce every figure to the fen.
PUBLISHED = {
    "construction": ("工程建设", "招标控制价", 46, "1523847600.00", "1398215340.50"),
    "government": ("政府采购", "预算", 38, "286452300.00", "261873912.36"),
    "land": ("土地矿业权", "起始价", 12, "2184000000.00", "2539650000.00"),
    "property": ("国有产权", "起始价", 8, "96380000.00", "108214600.00"),
    "other": ("其他", "预算", 4, "12640000.00", "11985300.00"),
}
REGIONS = ("310101", "310104", "310105", "310112", "310115")


def _split(total: Decimal, n: int, rng: random.Random) -> list[Decimal]:
    weights = [rng.uniform(0.5, 1.5) for _ in range(n)]
    parts = [(total * Decimal(str(w / sum(weights)))).quantize(Decimal("0.01")) for w in weights[:-1]]
    return [*parts, total - sum(parts)]


def half_year_rows() -> list[list[str]]:
    rng = random.Random(2025)
    rows, serial = [], 8000000
    for category, (name, base_type, n, base, amount) in PUBLISHED.items():
        for i, (b, a) in enumerate(zip(_split(Decimal(base), n, rng), _split(Decimal(amount), n, rng), strict=True)):
            serial += 1
            region = REGIONS[serial % len(REGIONS)]
            month, day = 1 + i % 6, 1 + (serial * 7) % 28
            rows.append([deal_code_make(region=region, category=category, year=2025, serial=serial),
                         f"{name}项目{serial}", name, region, "", f"2025-{month:02d}-{max(1, day - 1):02d}",
                         f"2025-{month:02d}-{day:02d}", "", base_type, str(b), str(a), f"采购单位{serial}",
                         credit_code_make(region=region, serial=serial), f"供应商{serial % 17}",
                         credit_code_make(region="310000", serial=900 + serial % 17)])
    assert len(rows) == 108
    return rows


def as_csv(rows: list[list[str]]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(HEADER)
    writer.writerows(rows)
    return out.getvalue().encode("utf-8-sig")


def as_xlsx(rows: list[list[str]]) -> bytes:
    return tablib.Dataset(*rows, headers=HEADER).export("xlsx")


@pytest.fixture
def official(db):
    return factories.user(role=Role.OFFICIAL)


@pytest.fixture
def api(official) -> APIClient:
    client = APIClient()
    client.force_authenticate(official)
    return client


def upload(api, content: bytes, name: str, django_capture_on_commit_callbacks) -> dict:
    with django_capture_on_commit_callbacks(execute=True):
        response = api.post("/api/stats/imports/", {"file": io.BytesIO(content) | _named(name)}, format="multipart")
    assert response.status_code == 202, response.content
    return api.get(f"/api/stats/imports/{response.json()['id']}/").json()


class _named:
    """``BytesIO | _named("x.csv")``: a file object with a name, as an upload."""

    def __init__(self, name):
        self.name = name

    def __ror__(self, other):
        other.name = self.name
        return other


def test_108_deals_of_a_published_half_year_read_back_exactly(api, official, django_capture_on_commit_callbacks):
    job = upload(api, as_csv(half_year_rows()), "2025上半年.csv", django_capture_on_commit_callbacks)

    assert (job["state"], job["created"], job["errors"], job["progress"]) == ("done", 108, [], 100)
    assert Project.objects.filter(imported=True).count() == 108
    query = {"group_by": "category", "from": "2025-01-01", "to": "2025-06-30"}
    body = api.get("/api/stats/statistics/", query).json()
    rows = {row["key"]: row["figures"] for row in body["rows"]}
    assert set(rows) == set(PUBLISHED)
    for category, (_name, base_type, n, base, amount) in PUBLISHED.items():
        figures = rows[category]
        assert figures["awards"]["value"] == str(n) and figures["projects"]["value"] == str(n)
        assert figures["total_base"]["value"] == base and figures["total_amount"]["value"] == amount
        difference = Decimal(base) - Decimal(amount)
        if base_type in ("招标控制价", "预算"):
            assert figures["savings"]["value"] == str(difference)
            assert figures["savings_rate"]["value"] == str((difference / Decimal(base)).quantize(Decimal("0.0001")))
        else:
            assert figures["premium"]["value"] == str(-difference)
    total = body["total"]["figures"]
    assert total["awards"]["value"] == "108"
    assert total["total_amount"]["value"] == str(sum(Decimal(p[4]) for p in PUBLISHED.values()))

    client = __import__("django.test", fromlist=["Client"]).Client()
    client.force_login(official)
    lines = list(csv.reader(io.StringIO(client.get("/statistics/export.csv", query).content.decode("utf-8-sig"))))
    by_key = {line[0]: line for line in lines[1:]}
    header = lines[0]
    for category, (_name, _bt, n, base, amount) in PUBLISHED.items():
        line = by_key[category]
        assert line[header.index(next(h for h in header if h.startswith("Awarded sections")))] == str(n)
        assert base in line and amount in line
    assert rollup_differences() == []


def test_importing_the_same_deals_again_as_xlsx_changes_nothing_and_a_correction_updates(
        api, django_capture_on_commit_callbacks):
    rows = half_year_rows()
    upload(api, as_csv(rows), "h1.csv", django_capture_on_commit_callbacks)
    rollup_before = list(DealRollup.objects.order_by("pk").values())

    again = upload(api, as_xlsx(rows), "h1.xlsx", django_capture_on_commit_callbacks)

    assert (again["state"], again["created"], again["updated"], again["unchanged"]) == ("done", 0, 0, 108)
    assert list(DealRollup.objects.order_by("pk").values()) == rollup_before
    rows[0][10] = "1.00"  # the deal amount of the first deal was wrong
    corrected = upload(api, as_csv(rows), "h1-corrected.csv", django_capture_on_commit_callbacks)
    assert (corrected["created"], corrected["updated"], corrected["unchanged"]) == (0, 1, 107)
    assert Award.objects.get(section__project__deal_code=rows[0][0]).amount == Decimal("1.00")
    assert rollup_differences() == []
    assert AuditEvent.objects.filter(action="stats.history.import").count() == 3


def test_a_file_with_bad_rows_is_refused_row_by_row_and_nothing_is_imported(
        api, settings, django_capture_on_commit_callbacks):
    settings.LANGUAGE_CODE = "zh-hans"
    rows = half_year_rows()[:6]
    rows[1][6] = "2025-02-30"  # no such day
    rows[2][2] = "工程"  # not a category
    rows[3][10] = "-5"  # not an amount
    rows[4][0] = rows[0][0]  # the same deal twice
    organisations = Organisation.objects.count()

    job = upload(api, as_csv(rows), "bad.csv", django_capture_on_commit_callbacks)

    assert job["state"] == "refused" and job["created"] == 0
    assert [(e["row"], e["column"]) for e in job["errors"]] == [
        (3, "成交日期"), (4, "交易类别"), (5, "成交金额（元）"), (6, "统一交易标识码")]
    assert job["errors"][0]["message"] == "“2025-02-30”不是有效日期，请写作 YYYY-MM-DD，例如 2025-03-31。"
    assert "第 2 行已有相同的统一交易标识码" in job["errors"][3]["message"]
    assert Project.objects.filter(imported=True).count() == 0
    assert Organisation.objects.count() == organisations
    assert not DealRollup.objects.exists()
    assert AuditEvent.objects.filter(action="stats.history.refuse").count() == 1


@pytest.mark.parametrize(("name", "content", "message"), [
    ("deals.txt", b"x", "Upload a .csv or .xlsx file"),
    ("deals.csv", "统一交易标识码,项目名称\n1,2\n".encode(), "The header row lacks the columns"),
    ("deals.csv", "\n".join(HEADER).encode()[:0] + ",".join(HEADER).encode(), "no rows of deals"),
    ("deals.xlsx", b"not a spreadsheet", "could not be read as XLSX"),
])
def test_an_unreadable_file_is_refused_at_upload_with_what_to_do(api, name, content, message):
    response = api.post("/api/stats/imports/", {"file": io.BytesIO(content) | _named(name)}, format="multipart")

    assert response.status_code == 400
    assert message in response.json()["errors"]["file"][0]
    assert not ImportJob.objects.exists()


def test_a_deal_code_of_a_native_project_is_refused(api, django_capture_on_commit_callbacks):
    rows = half_year_rows()[:1]
    native = factories.organisation(org_type=Organisation.Type.TENDERER)
    Project.objects.create(title="本平台项目", category="construction", tenderer=native, region="310101",
                           deal_code=rows[0][0], procurement_method="open", evaluation_method="lowest_price",
                           created_by=factories.user(role=Role.AGENCY))

    job = upload(api, as_csv(rows), "native.csv", django_capture_on_commit_callbacks)

    assert job["state"] == "refused" and job["errors"][0]["row"] == 2


def test_the_sample_file_imports_cleanly(api, official, django_capture_on_commit_callbacks):
    from django.test import Client

    client = Client()
    client.force_login(official)
    sample = client.get("/statistics/import/sample.xlsx")
    assert sample.status_code == 200

    job = upload(api, sample.content, "sample.xlsx", django_capture_on_commit_callbacks)

    assert (job["state"], job["created"]) == ("done", 6)
    page = client.get(f"/statistics/import/{job['id']}/").content.decode()
    assert "6 deals imported" in page


def test_only_officials_and_the_admin_import(db):
    from django.test import Client

    bidder, regulator = factories.user(role=Role.BIDDER), factories.user(role=Role.REGULATOR)
    for user in (bidder, regulator):
        client = Client()
        client.force_login(user)
        assert client.get("/statistics/import/").status_code == 403
        api = APIClient()
        api.force_authenticate(user)
        assert api.post("/api/stats/imports/", {}, format="multipart").status_code == 403
    admin = Client()
    admin.force_login(factories.user(role=Role.ADMIN))
    assert admin.get("/statistics/import/").status_code == 200
