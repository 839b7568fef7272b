"""Role × endpoint: who may reach which page and API of trading."""

import datetime as dt

import pytest
from django.test import Client
from django.utils import timezone
from rest_framework.test import APIClient

from trading.services.projects import project_create

ROLES = ["anonymous", "tenderer", "agency", "bidder", "expert", "regulator", "official", "admin"]

# (method, url key, expected status per role in ROLES order)
TABLE = [
    ("page", "/", [200, 200, 200, 200, 200, 200, 200, 200]),
    ("page", "/announcements/", [200, 200, 200, 200, 200, 200, 200, 200]),
    ("page", "/trading/desk/", [302, 200, 200, 200, 403, 200, 200, 200]),
    ("page", "/projects/new/", [302, 200, 200, 403, 403, 403, 403, 403]),
    ("page", "/projects/{draft}/", [404, 200, 200, 404, 404, 200, 404, 404]),
    ("api", "/api/trading/projects/", [403, 200, 200, 200, 403, 200, 200, 200]),
    ("api", "/api/trading/projects/{draft}/", [403, 200, 200, 403, 403, 200, 403, 403]),
    ("api", "/api/trading/projects/{draft}/history/", [403, 200, 200, 403, 403, 200, 403, 403]),
    # Who downloaded: secret from everyone before the deadline (EB 23/24), the parties included
    ("api", "/api/trading/projects/{draft}/downloads/", [403, 403, 403, 403, 403, 403, 403, 403]),
    ("api", "/api/trading/bids/", [403, 403, 403, 200, 403, 403, 403, 403]),
    ("api", "/api/trading/announcements/", [200, 200, 200, 200, 200, 200, 200, 200]),
    ("page", "/statistics/", [302, 403, 403, 403, 403, 200, 200, 200]),
    ("page", "/statistics/export.csv", [302, 403, 403, 403, 403, 200, 200, 200]),
    ("api", "/api/stats/statistics/", [403, 403, 403, 403, 403, 200, 200, 200]),
    ("post", "/api/trading/projects/", [403, 400, 400, 403, 403, 403, 403, 403]),
    ("post", "/api/trading/projects/{draft}/transition/", [403, 400, 400, 403, 403, 400, 403, 403]),
    # Objections and complaints: the desk, the regulator's board, filing (a refusal shows the check was passed)
    ("page", "/complaints/", [302, 200, 200, 200, 403, 200, 403, 403]),
    ("api", "/api/supervision/complaints/board/", [403, 403, 403, 403, 403, 200, 403, 403]),
    ("api", "/api/supervision/projects/{draft}/complaints/", [403, 200, 200, 200, 403, 200, 403, 403]),
    ("post", "/api/supervision/projects/{draft}/complaints/", [403, 403, 403, 400, 403, 403, 403, 403]),
]


@pytest.fixture
def draft(users):
    return project_create(
        user=users["agency"], tenderer=users["tenderer"].organisation, sections=[
            {"code": "001", "name": "一标段", "base_amount": "100000.00", "base_type": "budget"}],
        title="权限测试项目", category="other", region="310000", procurement_method="open",
        evaluation_method="lowest_price", bid_deadline=timezone.now() + dt.timedelta(days=30))


@pytest.mark.parametrize(("kind", "url", "expected"), TABLE, ids=[f"{k} {u}" for k, u, _e in TABLE])
def test_role_endpoint_table(users, draft, settings, kind, url, expected):
    url = url.format(draft=draft.pk)
    got = []
    for role in ROLES:
        user = users.get(role)
        if kind == "page":
            client = Client()
            if user:
                client.force_login(user)
            got.append(client.get(url).status_code)
        else:
            client = APIClient()
            if user:
                client.force_authenticate(user)
            if kind == "post":
                # A body the service refuses: a refusal (400) shows the person got past the permission check.
                body = {"to": "opening"} if "transition" in url else {}
                got.append(client.post(url, body, format="json").status_code)
            else:
                got.append(client.get(url).status_code)
    assert dict(zip(ROLES, got, strict=True)) == dict(zip(ROLES, expected, strict=True))
