"""Every role clicks every visible link of the demo world (bounded): nothing breaks, nothing shows through.

Fails on a 5xx, a 403/404 behind a visible link, and on a zh-Hans page for people that shows an English word
outside the allow-list, a bare region or specialty code, a JSON object or a command line
(tests/e2e/page_checks.py). docs/ui-crawler.md says how to keep it green.
"""

import pytest
from django.test import Client

from accounts.models import User
from tests.e2e.crawl import Crawl

pytestmark = pytest.mark.slow

ROLES = ["tenderer", "agency", "bidder1", "expert01", "regulator", "official", "admin"]

# Problems still open, as (path regex, problem prefix), each with the issue and work that removes it. Remove an
# entry when its page is fixed; a new page of yours gets fixed, not listed (docs/ui-crawler.md).
KNOWN: list[tuple[str, str]] = []


@pytest.fixture
def chinese(settings):
    settings.LANGUAGE_CODE = "zh-hans"


def _crawl(client: Client) -> Crawl:
    return Crawl(client, known=KNOWN).run("/", "/accounts/dashboard/")


@pytest.mark.django_db
def test_a_visitor_meets_no_broken_link_and_no_code(demo_database, chinese):
    crawl = _crawl(Client())
    assert len(crawl.visited) > 5
    assert not crawl.findings, crawl.report()


@pytest.mark.django_db
@pytest.mark.parametrize("username", ROLES)
def test_each_role_meets_no_broken_link_and_no_code(demo_database, chinese, username):
    client = Client()
    client.force_login(User.objects.get(username=username))
    crawl = _crawl(client)
    assert len(crawl.visited) > 10
    assert not crawl.findings, crawl.report()
