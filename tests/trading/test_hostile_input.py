"""Every case of issue #13 item 6 that reached the trading API, answered with a 400 naming the field.

Before: ``?page=`` with 30 digits was a 500; a section was stored with ``base_amount: true`` as 1.00, a string as
``announced_items``, a list as ``code`` and ``../../..`` as a code; an upload ``size: 1.5`` was accepted; a list
where the token and key endpoints expect a string was a 500. Now each is refused and nothing is stored.
"""

import pytest
from rest_framework.test import APIClient

from trading.models import Section, UploadSession

from .conftest import create_project, join_and_bid, transition

pytestmark = pytest.mark.django_db

GOOD_SECTION = {"code": "002", "name": "安装", "base_amount": "500000.00", "base_type": "price_cap",
                "announced_items": ["工期"]}


@pytest.mark.parametrize("field, value", [
    ("base_amount", True), ("announced_items", "工期"), ("code", ["0", "1"]), ("code", "../../.."),
    ("base_amount", "-5"), ("name", {"a": 1}), ("announced_items", [{"x": 1}]),
])
def test_a_section_of_the_wrong_types_is_refused_naming_the_field(world, field, value):
    project = create_project(world, seconds=600)
    before = Section.objects.count()
    response = world.api(world.agency).post(f"/api/trading/projects/{project['id']}/sections/",
                                            {**GOOD_SECTION, field: value}, format="json")
    assert response.status_code == 400 and field in response.json()["errors"], response.content
    assert Section.objects.count() == before


def test_a_well_formed_section_is_added(world):
    project = create_project(world, seconds=600)
    response = world.api(world.agency).post(f"/api/trading/projects/{project['id']}/sections/", GOOD_SECTION,
                                            format="json")
    assert response.status_code == 201 and [s["code"] for s in response.json()["sections"]] == ["001", "002"]


@pytest.mark.parametrize("size", [1.5, "1.5", -1, 0, True, [1], "x"])
def test_an_upload_of_a_size_that_is_not_a_positive_whole_number_is_refused(world, size):
    project = create_project(world, seconds=600)
    transition(world, world.agency, project["id"], "published")
    section = project["sections"][0]["id"]
    join_and_bid(world, world.bidders[0], section)
    response = world.api(world.bidders[0]).post(f"/api/trading/sections/{section}/uploads/", {"size": size},
                                                format="json")
    assert response.status_code == 400 and "size" in response.json()["errors"], response.content
    assert not UploadSession.objects.exists()


@pytest.mark.parametrize("body", [{"username": ["a"], "password": "x"}, {"username": "a", "password": {"p": 1}},
                                  {"username": None, "password": "x"}])
def test_the_token_endpoint_refuses_what_is_not_a_string(body):
    response = APIClient().post("/api/trading/token/", body, format="json")
    field = next(k for k, v in body.items() if not isinstance(v, str))
    assert response.status_code == 400 and field in response.json()["errors"]


def test_the_key_endpoint_refuses_a_list(world):
    response = world.api(world.bidders[0]).post("/api/trading/keys/", {"public_key": ["-----BEGIN"]}, format="json")
    assert response.status_code == 400 and "public_key" in response.json()["errors"]


@pytest.mark.parametrize("query, field", [("page=" + "9" * 30, "page"), ("page=-3", "page"), ("page=x", "page"),
                                          ("from=0001-01-01", "from"), ("to=9999-12-31", "to")])
def test_announcement_search_refuses_pages_and_dates_out_of_range(query, field):
    response = APIClient().get(f"/api/trading/announcements/?{query}")
    assert response.status_code == 400 and field in response.json()["errors"]
