"""The same search queries on both backends; Elasticsearch only when ELASTICSEARCH_URL is set."""

import os

import pytest

from trading.search import SearchFilters, search_announcements

from .conftest import create_project, transition

BACKENDS = [
    "database",
    pytest.param("elasticsearch", marks=pytest.mark.skipif(
        not os.environ.get("ELASTICSEARCH_URL"),
        reason="Elasticsearch is not installed here: set ELASTICSEARCH_URL to run the same queries against it")),
]


@pytest.fixture
def published(world, settings, backend, django_capture_on_commit_callbacks):
    if backend == "elasticsearch":
        settings.ELASTICSEARCH_URL = os.environ["ELASTICSEARCH_URL"]
        settings.ELASTICSEARCH_INDEX = "sunshine-test-announcements"
    made = {}
    with django_capture_on_commit_callbacks(execute=True):
        for key, title, category, region in [
            ("hospital", "阳光市第一人民医院门诊楼改造工程", "construction", "310101"),
            ("road", "滨江大道道路绿化养护服务采购", "government", "310104"),
            ("land", "城东地块国有建设用地使用权挂牌出让", "land", "320100"),
        ]:
            extra = {"procurement_object": "services"} if category == "government" else {}
            project = create_project(world, seconds=3600, title=title, category=category, region=region, **extra)
            transition(world, world.agency, project["id"], "published")
            made[key] = project
    return made


@pytest.mark.parametrize("backend", BACKENDS)
def test_a_chinese_word_in_the_title_finds_the_project(published, backend):
    page = search_announcements("医院", SearchFilters(), 1, backend=backend)
    assert [a.project_id for a in page.results] == [published["hospital"]["id"]]
    assert page.total == 1


@pytest.mark.parametrize("backend", BACKENDS)
def test_filters_and_deal_code(published, backend):
    assert {a.project_id for a in search_announcements("", SearchFilters(category="government"), 1,
                                                       backend=backend).results} == {published["road"]["id"]}
    assert {a.project_id for a in search_announcements("", SearchFilters(region="3101"), 1,
                                                       backend=backend).results} == {
        published["hospital"]["id"], published["road"]["id"]}
    code = published["land"]["deal_code"]
    assert [a.project_id for a in search_announcements(code, SearchFilters(), 1, backend=backend).results] == [
        published["land"]["id"]]
    assert search_announcements("医院", SearchFilters(status="draft"), 1, backend=backend).total == 0
    assert search_announcements("不存在的词", SearchFilters(), 1, backend=backend).total == 0


@pytest.mark.parametrize("backend", ["database"])
def test_the_public_listing_and_api_find_a_chinese_word(published, backend):
    from django.test import Client

    page = Client().get("/announcements/", {"q": "绿化"})
    assert page.status_code == 200
    assert "滨江大道道路绿化养护服务采购" in page.content.decode()
    assert "阳光市第一人民医院门诊楼改造工程" not in page.content.decode()
    api = Client().get("/api/trading/announcements/", {"q": "出让", "category": "land"})
    assert api.status_code == 200 and api.json()["total"] == 1
