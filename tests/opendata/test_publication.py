"""What open data publishes when (the law first), the change feed, bulk files, append-only storage, the page."""

import json

import pytest
from django.db import DatabaseError, connection, transaction
from django.test import Client
from rest_framework.test import APIClient

from opendata.models import Release
from opendata.ocds import ocid_for
from opendata.services import releases_publish, releases_publish_all
from trading.models import Status

from .history import procedure, t


def test_before_the_opening_nothing_tells_who_is_bidding_or_how_many(db):
    project, bidders = procedure(upto=Status.DEADLINE_PASSED)

    releases_publish(projects=[project])

    text = json.dumps(list(Release.objects.values_list("data", flat=True)), ensure_ascii=False)
    assert Release.objects.filter(tag="tender").exists()
    for org in bidders:
        assert org.name not in text and org.credit_code not in text
    assert '"bids"' not in text and "numberOfTenderers" not in text and '"tenderer"' not in text


def test_after_the_opening_bids_are_published_with_names_and_prices(db):
    project, bidders = procedure(upto=Status.CONTRACT_SIGNED)

    releases_publish(projects=[project])

    releases = {r.tag: r.data for r in Release.objects.filter(ocid=ocid_for(project.deal_code))}
    tender = releases["tender"]
    assert "bids" not in tender and tender["tender"]["status"] == "active"
    assert tender["date"] == "2025-04-01T10:00:00+08:00"
    opening = releases["tenderUpdate"]
    assert opening["date"] == "2025-04-22T11:00:00+08:00"
    assert {s["measure"]: s["value"] for s in opening["bids"]["statistics"] if s["relatedLot"] == "001"} == {
        "bids": 3, "validBids": 3}
    assert {d["tenderers"][0]["name"] for d in opening["bids"]["details"]} == {org.name for org in bidders}
    assert opening["bids"]["details"][0]["value"] == {"amount": 7200000.0, "currency": "CNY"}
    assert opening["tender"]["numberOfTenderers"] == 3 and "awards" not in opening
    award = releases["award"]
    assert [a["relatedLots"] for a in award["awards"]] == [["001"], ["002"]]
    assert award["tender"]["lots"][0]["status"] == "complete"
    contract = releases["contract"]
    assert contract["contracts"][0]["dateSigned"] == "2025-04-30T00:00:00+08:00"
    assert releases["tenderAmendment"]["tender"]["amendments"][0]["description"] == "变更公告：补充工程量清单"


def test_a_draft_publishes_nothing_and_publishing_again_stores_nothing_new(db):
    draft, _ = procedure(upto=Status.DRAFT)
    done, _ = procedure(upto=Status.AWARDED)

    first = releases_publish_all()
    again = releases_publish_all()

    assert first == Release.objects.count() > 0 and again == 0
    assert not Release.objects.filter(deal_code=draft.deal_code).exists()


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the append-only trigger is PostgreSQL's")
def test_releases_are_append_only(db):
    project, _ = procedure(upto=Status.PUBLISHED)
    releases_publish(projects=[project])
    release = Release.objects.first()

    with pytest.raises(ValueError):
        release.save()
    for statement in ("UPDATE opendata_release SET tag = 'x'", "DELETE FROM opendata_release"):
        with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(statement)
    assert Release.objects.get(pk=release.pk).data == release.data


def test_the_change_feed_pages_by_cursor_and_starts_at_a_time(db):
    projects = [procedure(upto=Status.CONTRACT_SIGNED)[0] for _ in range(4)]
    releases_publish(projects=projects[:3], now=t(30, 12))
    releases_publish(projects=projects[3:], now=t(30, 18))
    total = Release.objects.count()
    api = APIClient()

    seen, url = [], "/api/opendata/releases/?limit=7"
    while url:
        page = api.get(url).json()
        assert page["version"] == "1.1" and page["publisher"]["name"] and page["license"]
        seen += [r["id"] for r in page["releases"]]
        url = page.get("links", {}).get("next")
    assert seen == list(Release.objects.order_by("pk").values_list("release_id", flat=True)) and len(seen) == total

    later = api.get("/api/opendata/releases/", {"since": "2025-04-30T15:00:00+08:00", "limit": 1000}).json()
    assert {r["ocid"] for r in later["releases"]} == {ocid_for(projects[3].deal_code)}
    assert later["next_cursor"] is None

    bad = api.get("/api/opendata/releases/", {"limit": "0", "since": "yesterday"})
    assert bad.status_code == 400 and set(bad.json()["errors"]) == {"limit", "since"}
    assert api.get("/api/opendata/records/ocds-nothing-1/").status_code == 404


def test_bulk_files_by_month_and_the_portal_page(db, settings):
    settings.LANGUAGE_CODE = "zh-hans"
    project, _ = procedure(upto=Status.CONTRACT_SIGNED)
    releases_publish(projects=[project])
    api = APIClient()

    months = api.get("/api/opendata/bulk/").json()
    assert [m["month"] for m in months] == ["2025-04"] and months[0]["releases"] == Release.objects.count()
    response = api.get("/api/opendata/bulk/2025-04.json")
    package = json.loads(b"".join(response.streaming_content))
    assert len(package["releases"]) == Release.objects.count() and package["version"] == "1.1"
    assert json.loads(b"".join(api.get("/api/opendata/bulk/2025-05.json").streaming_content))["releases"] == []
    assert api.get("/api/opendata/bulk/2025-13.json").status_code == 404

    page = Client().get("/opendata/").content.decode()
    assert "开放数据" in page and "creativecommons.org/licenses/by/4.0" in page
    assert "每份公告的全文（PDF）" in page and "<code>tenderNotice</code>" in page  # the notices linked, in Chinese
    assert "/api/opendata/bulk/2025-04.json" in page and f"/api/opendata/records/{ocid_for(project.deal_code)}/" in page
