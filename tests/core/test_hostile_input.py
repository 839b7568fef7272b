"""Issue #13 item 6 beyond trading: numbers and dates out of range are refused with a 400 naming the parameter."""

import pytest
from rest_framework.test import APIClient

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("query, field", [("limit=9223372036854775808", "limit"), ("offset=9223372036854775808",
                                                                                     "offset"),
                                          ("limit=0", "limit"), ("limit=abc", "limit"), ("offset=-1", "offset")])
def test_credit_lists_refuse_limits_and_offsets_no_database_can_take(query, field):
    for path in ("/api/credit/blacklist/", "/api/credit/redlist/"):
        response = APIClient().get(f"{path}?{query}")
        assert response.status_code == 400 and field in response.json()["errors"], response.content


def test_credit_lists_still_page_within_the_limits():
    response = APIClient().get("/api/credit/blacklist/?limit=500&offset=1000000")
    assert response.status_code == 200 and response.json()["results"] == []


def test_statistics_refuse_dates_outside_the_years_the_platform_deals_in(users):
    api = APIClient()
    api.force_authenticate(users["official"])
    response = api.get("/api/stats/statistics/?from=0001-01-01&to=9999-12-31")
    assert response.status_code == 400 and {"from", "to"} <= set(response.json()["errors"])
    assert "1900" in response.json()["errors"]["from"][0]


def test_a_credit_subject_lookup_refuses_a_date_out_of_range():
    response = APIClient().get("/api/credit/subjects/91310000MA1FL8XQ30/?on=9999-12-31")
    assert response.status_code in (400, 404)
