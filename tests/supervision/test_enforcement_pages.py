"""The regulator's desk, leads, cases, decisions and the yearly report as pages, CSV and API; who sees what."""

import csv
import io

import pytest
from rest_framework.test import APIClient

from accounts.models import Role
from core.workdays import today
from supervision.models import Lead, Measure
from supervision.services import cases
from supervision.services.leads import leads_refresh
from tests import factories
from tests.pdfcheck import assert_whole, pdf_read

from .indicator_helpers import bid, bidder, project
from .test_cases import rebuild_jingmen_year, regulator, tenderer  # noqa: F401

pytestmark = pytest.mark.django_db


def _api(user):
    client = APIClient()
    client.force_authenticate(user)
    return client


def test_a_year_reads_back_the_same_from_the_report_page_csv_and_api(client, regulator, tenderer):  # noqa: F811
    rebuild_jingmen_year(regulator, tenderer)
    year = today().year
    client.force_login(regulator)
    page = client.get(f"/supervision/report/?year={year}").content.decode()
    for figure, value in (("projects", "48"), ("people_warned", "57"), ("experts_handled", "50"),
                          ("fines_amount", "4,705,600.00")):
        assert f'id="figure-{figure}">{value}<' in page
    rows = list(csv.reader(io.StringIO(client.get(f"/supervision/report.csv?year={year}").content.decode()
                                       .lstrip("\ufeff"))))
    total = rows[-1]
    assert total[2:6] == ["48", "48", "57", "50"] and total[7] == "4705600.00"
    data = _api(regulator).get(f"/api/supervision/report/?year={year}").json()["total"]
    assert (data["projects"], data["people_warned"], data["experts_handled"], data["fines_amount"]) == (
        48, 57, 50, "4705600.00")
    read = pdf_read(client.get(f"/supervision/report.pdf?year={year}").content, name="enforcement-report")
    assert_whole(read, ["4,705,600.00"])


def test_pages_of_a_lead_and_a_case_and_who_sees_a_decision(client, regulator, tenderer):  # noqa: F811
    made = project(tenderer_user=tenderer)
    section = made.sections.get()
    one, two = bidder(), bidder()
    for person in (one, two):
        bid(section, person, price="900000.00", address="203.0.113.7")
    leads_refresh()
    lead = Lead.objects.get(code="same_address", section=section)
    client.force_login(regulator)
    for url in ("/supervision/", "/supervision/leads/", f"/supervision/leads/{lead.pk}/", "/supervision/cases/"):
        assert client.get(url).status_code == 200, url
    opened = client.post(f"/supervision/leads/{lead.pk}/case/")
    case_url = opened["Location"]
    assert case_url.startswith("/supervision/cases/")
    response = client.post(case_url + "measure/", {
        "kind": "fine", "organisation": one.organisation_id, "amount": "30000", "behaviour_code": "bid-rigging",
        "legal_basis": "《招标投标法》第五十三条", "findings": "同一网络地址上传。"})
    assert response.status_code == 302
    measure = Measure.objects.get()
    assert client.get(case_url).status_code == 200
    # the party sees its own decision before publication; another bidder and the public do not
    client.force_login(one)
    assert client.get(f"/decisions/{measure.pk}/").status_code == 200
    assert client.get(f"/decisions/{measure.pk}/pdf/").status_code == 200
    client.force_login(two)
    assert client.get(f"/decisions/{measure.pk}/").status_code == 404
    client.logout()
    assert client.get(f"/decisions/{measure.pk}/").status_code == 404
    cases.measure_publish(measure=measure, user=regulator)
    assert client.get(f"/decisions/{measure.pk}/").status_code == 200
    assert measure.number in client.get("/decisions/").content.decode()
    # a bidder may not reach the regulator's pages or API
    client.force_login(one)
    assert client.get("/supervision/").status_code == 403
    assert _api(one).get("/api/supervision/leads/").status_code == 403


def test_the_api_refuses_wrong_input_with_messages_and_changes_nothing(regulator, tenderer):  # noqa: F811
    api = _api(regulator)
    made = project(tenderer_user=tenderer)
    bad = api.post("/api/supervision/cases/", {"title": "", "facts": "x", "origin": "report",
                                                 "deal_code": "nope"}, format="json")
    assert bad.status_code == 400 and "deal_code" in str(bad.json())
    case = api.post("/api/supervision/cases/", {"title": "举报", "facts": "经查……", "origin": "report",
                                                  "deal_code": made.deal_code or ""}, format="json")
    assert case.status_code == 201, case.content
    pk = case.json()["id"]
    wrong = api.post(f"/api/supervision/cases/{pk}/measures/", {"kind": "fine", "amount": "abc",
                                                                 "legal_basis": "x", "findings": "y"}, format="json")
    assert wrong.status_code == 400
    no_basis = api.post(f"/api/supervision/cases/{pk}/measures/", {
        "kind": "fine", "amount": "100", "legal_basis": "", "findings": "y",
        "organisation": factories.organisation().pk, "behaviour_code": "bid-rigging"}, format="json")
    assert no_basis.status_code == 400 and "legal_basis" in no_basis.json()["errors"]
    assert not Measure.objects.exists()
    assert api.get("/api/supervision/due/").status_code == 200
    assert _api(factories.user(role=Role.BIDDER)).get("/api/supervision/due/").status_code == 403
