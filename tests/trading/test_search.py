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


@pytest.fixture
def titles_and_bodies(world, django_capture_on_commit_callbacks):
    """Words of one to four characters, in titles and only in bodies, published on different days."""
    import datetime as dt

    from django.utils import timezone

    from trading.models import Announcement, Project

    made = {}
    with django_capture_on_commit_callbacks(execute=True):
        for key, title in [("clinic", "社区卫生服务中心医疗设备采购"), ("hospital", "中医院门诊楼装修工程"),
                           ("school", "实验中学操场改造工程"), ("park", "滨江公园绿化养护服务")]:
            project = create_project(world, seconds=3600, title=title)
            transition(world, world.agency, project["id"], "published")
            made[key] = Project.objects.get(pk=project["id"])
    now = timezone.now()
    for age, key in enumerate(("clinic", "hospital", "school", "park")):
        Announcement.objects.filter(project=made[key]).update(published_at=now - dt.timedelta(days=age))
    # The school's notice mentions a hospital in its body only; it is newer than the hospital's own notice.
    Announcement.objects.filter(project=made["school"]).update(body="施工期间请注意避让第一人民医院救护车通道。")
    Announcement.objects.filter(project=made["school"]).update(published_at=now + dt.timedelta(hours=1))
    return made


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize(("query", "expected"), [
    ("院", ["hospital", "school"]),  # one character: the title match first, then the body match
    ("医院", ["hospital", "school"]),  # two characters
    ("滨江公园", ["park"]),  # four
    ("园 绿化", ["park"]),  # two words, both in the title
    ("操场 医院", ["school"]),  # one word in the title, the other only in the body
    ("公园绿", ["park"]),
    ("园林", []),  # both characters present, never together
])
def test_every_length_of_chinese_word_with_title_matches_first(titles_and_bodies, settings, backend, query,
                                                               expected):
    if backend == "elasticsearch":
        settings.ELASTICSEARCH_URL = os.environ["ELASTICSEARCH_URL"]
        settings.ELASTICSEARCH_INDEX = "sunshine-test-announcements"
    page = search_announcements(query, SearchFilters(), 1, backend=backend)
    assert [a.project_id for a in page.results] == [titles_and_bodies[key].pk for key in expected]
    assert page.total == len(expected)


@pytest.mark.parametrize("query", ["院", "医院", "滨江公园"])
def test_short_words_are_answered_from_the_ngram_index(titles_and_bodies, query):
    """EXPLAIN of the search's query uses the GIN n-gram index (pg_trgm cannot index one or two characters)."""
    from django.db import connection

    from trading.search.database import filtered

    if connection.vendor != "postgresql":
        pytest.skip("the n-gram index is PostgreSQL's")
    with connection.cursor() as cursor:
        # Four rows: the planner would rather scan; take the scans away to show the n-gram index can serve it.
        cursor.execute("SET enable_seqscan = off; SET enable_indexscan = off")
        plan = str(filtered(query=query, filters=SearchFilters()).explain())
        cursor.execute("RESET enable_seqscan; RESET enable_indexscan")
    assert "_grams" in plan and "Bitmap Index Scan" in plan, plan


@pytest.mark.parametrize("query", ["院", "医院", "滨江公园"])
def test_a_match_is_confirmed_on_the_text_never_on_a_vector_read_from_the_row(titles_and_bodies, query):
    """A word's n-gram vectors are index conditions only (a bitmap); what is read from a row to confirm a match or
    rank it is the text: the vectors are large, and stored out of line once a notice is long. (With several words
    the planner may use one word's index and test the others' vectors on its candidates.)"""
    from django.db import connection

    from trading.search import database

    if connection.vendor != "postgresql":
        pytest.skip("the n-gram index is PostgreSQL's")
    qs, words = database._words(query, database._filtered(filters=SearchFilters()))
    for word in words:
        qs = qs.filter(database._found(word))
    with connection.cursor() as cursor:
        cursor.execute("SET enable_seqscan = off; SET enable_indexscan = off")
        plan = str(qs.order_by().explain())
        cursor.execute("RESET enable_seqscan; RESET enable_indexscan")
    assert "Bitmap Index Scan" in plan, plan
    assert not [line for line in plan.splitlines() if "Filter:" in line and "_grams" in line], plan


@pytest.mark.parametrize("query", ["院", "医院", "中医院", "人民医院", "医院 门诊", "门诊楼改造"])
@pytest.mark.parametrize("limit", [15, 1000])
def test_the_walk_through_the_newest_announcements_gives_the_index_paths_pages(world, monkeypatch, query, limit):
    """A frequent word's pages come from a bounded walk through the newest announcements; they, their order (title
    matches first) and the total equal what the n-gram index paths give, on every page: the one bounded read of
    every match (at most the count limit: ``limit`` 1000) and the ordered reads (more matches: ``limit`` 15)."""
    import datetime as dt

    from django.db import connection
    from django.utils import timezone

    from trading.models import Announcement, Project
    from trading.search import database

    if connection.vendor != "postgresql":
        pytest.skip("the walk is PostgreSQL's")
    project = Project.objects.get(pk=create_project(world, seconds=3600, title="中医院门诊楼改造")["id"])
    now = timezone.now()
    titles = ["中医院门诊楼改造工程", "第一人民医院设备采购", "实验中学 操场改造", "人民 医院绿化", "中 医院物业服务",
              "滨江公园绿化养护"]
    bodies = ["本项目为中医院门诊楼配套。", "第一人民医院门诊楼采购公告。", "施工期间注意医院救护车通道。",
              "无关正文。"]
    Announcement.objects.bulk_create([
        Announcement(project=project, kind="tender", category=project.category, region=project.region,
                     title=f"{titles[i % len(titles)]}（{i}）", body=bodies[i % len(bodies)],
                     published_at=now - dt.timedelta(hours=i * 7 % 61, minutes=i))
        for i in range(140)])

    def pages(walk: int):
        monkeypatch.setattr(database, "WALK", walk)
        monkeypatch.setattr(database, "WORD_COUNT_LIMIT", limit)  # 15: "15+" and the ordered reads exercised
        found = []
        for page in range(1, 5):
            result = search_announcements(query, SearchFilters(), page, backend="database")
            found.append(([a.pk for a in result.results], result.total, result.more))
        return found

    through_index = pages(0)  # no row walked: every page through the n-gram indexes
    assert through_index == pages(60) == pages(1000), query  # partly, and every announcement walked
    assert through_index[0][0], query
