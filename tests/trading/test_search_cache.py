"""The search page's cache (trading.search.cache): served again without the database, and never showing a notice
before it is public or after a change that takes it out of a search."""

import threading

import pytest
from django.db import connection, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext

from trading.models import Announcement
from trading.services.notices import notice_publish

from .conftest import create_project, transition


def _page(client, **params) -> str:
    """The page's content (its <main>: the header around it carries a fresh CSRF token each time)."""
    response = client.get("/announcements/", params)
    assert response.status_code == 200
    html = response.content.decode()
    return html[html.index("<main"):html.index("</main>")]


def _notice(title: str) -> Announcement:
    return notice_publish(kind="tender", title=title, body=f"{title}公告正文。", category="other", region="310000",
                          link="/marketplace/")


@pytest.fixture
def published(world):
    project = create_project(world, seconds=3600, title="滨江公园绿化养护服务")
    assert transition(world, world.agency, project["id"], "published").status_code == 200
    return project


def test_a_search_is_served_again_from_the_cache(published):
    client = Client()
    first = _page(client, q="公园")
    assert "滨江公园绿化养护服务" in first
    with CaptureQueriesContext(connection) as queries:
        again = _page(client, q="公园")
    assert again == first
    assert not [q for q in queries.captured_queries if "trading_" in q["sql"]]


def test_a_published_notice_is_found_on_the_next_request(published):
    client = Client()
    assert "城东图书馆物业管理服务" not in _page(client, q="图书馆")
    _notice("城东图书馆物业管理服务")
    assert "城东图书馆物业管理服务" in _page(client, q="图书馆")


def test_a_cancelled_project_leaves_the_search_for_open_projects(world, published):
    client = Client()
    assert "滨江公园绿化养护服务" in _page(client, q="公园", status="published")
    cancelled = transition(world, world.agency, published["id"], "cancelled", reason_code="demand_changed")
    assert cancelled.status_code == 200, cancelled.content
    assert "滨江公园绿化养护服务" not in _page(client, q="公园", status="published")
    assert "滨江公园绿化养护服务" in _page(client, q="公园", status="cancelled")


def test_a_deleted_announcement_is_gone_at_once(published):
    client = Client()
    notice = _notice("城西档案馆设备采购")
    assert "城西档案馆设备采购" in _page(client, q="档案馆")
    notice.delete()
    assert "城西档案馆设备采购" not in _page(client, q="档案馆")


def test_each_language_has_its_own_page(published, settings):
    client = Client()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "zh-hans"
    chinese = _page(client, q="公园")
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    english = _page(client, q="公园")
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "zh-hans"
    assert "1 found" in english and "共 1 条" in chinese and _page(client, q="公园") == chinese


def test_two_spellings_of_one_search_are_one_page(published):
    """The region picker's three selects and a plain code are the same search: same content, pager links in the
    plain form."""
    client = Client()
    picked = _page(client, q="公园", region_0="310000", region_1="", region_2="")
    assert picked == _page(client, q="公园", region="310000")


def test_an_invalid_date_still_lists_and_is_not_kept(published):
    client = Client()
    assert "滨江公园绿化养护服务" in _page(client, date_from="2026-13-45")
    _notice("临港地铁站保洁服务")
    assert "临港地铁站保洁服务" in _page(client, date_from="2026-13-45")


@pytest.mark.django_db(transaction=True)
def test_a_page_rendered_while_a_notice_is_being_published_is_not_served_after_it(world):
    """A page rendered before the publishing transaction commits cannot see the notice, and is cached; the commit
    retires it, so the next request shows the notice — and nothing shows it before the commit."""
    if connection.vendor != "postgresql":
        pytest.skip("SQLite's shared test database locks the table against the other connection's read")
    client = Client()
    seen = {}

    def render_elsewhere() -> None:  # another request, on its own database connection
        try:
            seen["during"] = _page(client, q="体育中心")
        finally:
            connection.close()

    with transaction.atomic():
        _notice("南山体育中心改造工程监理服务")
        during = threading.Thread(target=render_elsewhere)
        during.start()
        during.join()
    assert "南山体育中心改造工程监理服务" not in seen["during"]
    assert "南山体育中心改造工程监理服务" in _page(client, q="体育中心")
