"""The pages: an agency registers a project, a bidder joins it and bids, everyone reads the portal."""

import datetime as dt

from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone

from tests import sealed
from trading.models import Bid, Project, Registration


def _login(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_an_agency_registers_publishes_and_a_bidder_bids_through_the_pages(world):
    agency = _login(world.agency)
    deadline = timezone.localtime(timezone.now() + dt.timedelta(days=1)).strftime("%Y-%m-%dT%H:%M")
    response = agency.post("/projects/new/", {
        "title": "城北污水处理厂设备采购", "category": "other", "tenderer": world.tenderer.organisation.credit_code,
        "region": "310000", "procurement_method": "open", "evaluation_method": "lowest_price",
        "bid_deadline": deadline, "decryption_window_minutes": 30,
        "objection_window_minutes": 10, "section_code": "001", "section_name": "设备",
        "section_base_amount": "2000000.00", "section_base_type": "budget",
    })
    project = Project.objects.get(title="城北污水处理厂设备采购")
    assert response.status_code == 302 and response["Location"] == project.get_absolute_url()

    refused = agency.post(f"/projects/{project.pk}/transition/", {"to": "published"}, follow=True)
    assert "Upload the tender document" in refused.content.decode()
    assert Project.objects.get(pk=project.pk).status == "draft"
    agency.post(f"/projects/{project.pk}/upload/", {"file": SimpleUploadedFile("招标文件.pdf", b"%PDF-1.7 tender")})
    response = agency.post(f"/projects/{project.pk}/transition/", {"to": "published"}, follow=True)
    assert Project.objects.get(pk=project.pk).status == "published"
    assert "城北污水处理厂设备采购" in Client().get("/").content.decode()

    bidder = _login(world.bidders[0])
    page = bidder.get(project.get_absolute_url()).content.decode()
    section = project.sections.get()
    assert f'name="section" value="{section.pk}"' in page
    bidder.post(f"/projects/{project.pk}/register/", {"section": section.pk})
    registration = Registration.objects.get(section=section)
    refused = bidder.post(f"/projects/{project.pk}/commit/", {"registration": registration.pk}, follow=True)
    assert "tick the box" in refused.content.decode()
    bidder.post(f"/projects/{project.pk}/commit/", {"registration": registration.pk, "accepted": "on"})
    envelope = sealed.envelope_for(section, world.bidders[0])
    response = bidder.post(f"/projects/{project.pk}/bid/", {"section": section.pk,
                                                            "file": SimpleUploadedFile("bid.env", envelope)},
                           follow=True)
    bid = Bid.objects.get(section=section)
    assert str(bid.receipt_no) in response.content.decode()
    receipt = bidder.get(f"/bids/{bid.pk}/receipt/")
    assert receipt.status_code == 200 and bid.sha256 in receipt.content.decode()
    assert _login(world.bidders[1]).get(f"/bids/{bid.pk}/receipt/").status_code in (403, 404)


def test_a_refused_page_action_shows_the_reason_and_changes_nothing(world):
    agency = _login(world.agency)
    from trading.services.projects import project_create

    project = project_create(user=world.agency, tenderer=world.tenderer.organisation, sections=[
        {"code": "001", "name": "一标段", "base_amount": "100000.00", "base_type": "budget"}],
        title="页面拒绝测试", category="other", region="310000", procurement_method="open",
        evaluation_method="lowest_price", bid_deadline=timezone.now() - dt.timedelta(days=1))
    response = agency.post(f"/projects/{project.pk}/transition/", {"to": "published"}, follow=True)
    assert "bid deadline" in response.content.decode()
    assert Project.objects.get(pk=project.pk).status == "draft"


def test_the_schema_lists_the_trading_api(world):
    response = _login(world.agency).get("/api/schema/")
    assert response.status_code == 200 and b"/api/trading/sections/{id}/bids/" in response.content


def _draft(world, **overrides):
    from trading.services.projects import project_create

    fields = {"title": "草稿编辑测试", "category": "other", "region": "310000", "procurement_method": "open",
              "evaluation_method": "lowest_price", "bid_deadline": timezone.now() + dt.timedelta(days=30)}
    fields.update(overrides)
    return project_create(user=world.agency, tenderer=world.tenderer.organisation, sections=[
        {"code": "001", "name": "一标段", "base_amount": "100000.00", "base_type": "budget"}], **fields)


def _edit_data(project, **changes):
    data = {"title": project.title, "description": project.description, "category": project.category,
            "region": project.region, "procurement_method": project.procurement_method,
            "procurement_object": project.procurement_object, "evaluation_method": project.evaluation_method,
            "decryption_window_minutes": project.decryption_window_minutes,
            "objection_window_minutes": project.objection_window_minutes,
            "bid_deadline": timezone.localtime(project.bid_deadline).strftime("%Y-%m-%dT%H:%M")}
    data.update(changes)
    return data


def test_the_agency_edits_its_draft_on_a_page(world):
    project = _draft(world)
    agency = _login(world.agency)
    assert agency.get(f"/projects/{project.pk}/edit/").status_code == 200
    response = agency.post(f"/projects/{project.pk}/edit/", _edit_data(project, title="草稿编辑测试（修改后）",
                                                                       decryption_window_minutes=45))
    assert response.status_code == 302
    project.refresh_from_db()
    assert (project.title, project.decryption_window_minutes) == ("草稿编辑测试（修改后）", 45)


def test_a_bad_edit_shows_the_error_and_changes_nothing(world):
    project = _draft(world)
    before = Project.objects.filter(pk=project.pk).values().get()
    response = _login(world.agency).post(f"/projects/{project.pk}/edit/", _edit_data(
        project, title="坏的修改", evaluation_method="comprehensive", **{
            "evaluation_criteria-name-0": "价格", "evaluation_criteria-kind-0": "price",
            "evaluation_criteria-weight-0": "40"}))
    assert response.status_code == 200
    assert "100" in str(response.context["form"].errors)
    assert Project.objects.filter(pk=project.pk).values().get() == before


def test_the_criteria_editor_takes_rows_and_shows_them_back(world):
    project = _draft(world)
    rows = {"evaluation_criteria-name-0": "价格", "evaluation_criteria-kind-0": "price",
            "evaluation_criteria-weight-0": "30", "evaluation_criteria-name-1": "技术方案",
            "evaluation_criteria-kind-1": "technical", "evaluation_criteria-weight-1": "70",
            "evaluation_criteria-name-2": "", "evaluation_criteria-kind-2": "technical",
            "evaluation_criteria-weight-2": ""}
    client = _login(world.agency)
    response = client.post(f"/projects/{project.pk}/edit/", _edit_data(
        project, evaluation_method="comprehensive", **rows))
    assert response.status_code == 302
    project.refresh_from_db()
    assert project.evaluation_criteria == [{"name": "价格", "kind": "price", "weight": 30},
                                           {"name": "技术方案", "kind": "technical", "weight": 70}]
    page = client.get(f"/projects/{project.pk}/edit/").content.decode()
    assert 'value="技术方案"' in page and '<output class="row-total">100</output>' in page
    bad = client.post(f"/projects/{project.pk}/edit/", _edit_data(project, **{
        **rows, "evaluation_criteria-weight-1": "七十"}))
    assert "is a number" in str(bad.context["form"].errors)


def test_only_the_parties_edit_and_only_a_draft(world):
    project = _draft(world)
    before = Project.objects.filter(pk=project.pk).values().get()
    other = _login(world.outsider_agency).post(f"/projects/{project.pk}/edit/", _edit_data(project, title="x"))
    assert other.status_code == 404  # a draft is not shown to anyone but its parties
    assert Project.objects.filter(pk=project.pk).values().get() == before
    Project.objects.filter(pk=project.pk).update(status="published")
    response = _login(world.agency).post(f"/projects/{project.pk}/edit/", _edit_data(project, title="y"))
    assert "Only a draft can be changed" in str(response.context["form"].errors)
    after = Project.objects.filter(pk=project.pk).values().get()
    assert after["title"] == before["title"]


def test_the_award_form_proposes_the_first_candidate_and_its_price(world):
    from tests.supervision.complaint_helpers import project_in
    from trading.models import Award, Status

    # given a project whose publicity ended, three ranked candidates entered
    project = project_in(world, status=Status.READY_TO_AWARD)
    first = project.sections.get().candidates.get(rank=1)
    # when its agency opens it
    page = _login(world.agency).get(project.get_absolute_url()).content.decode()
    # then the candidates are listed with their prices, and the award form proposes the first one at its price
    assert "910,000.00" in page and "920,000.00" in page
    assert f'<option value="{first.organisation.credit_code}" selected>' in page
    assert 'name="amount" inputmode="decimal" required value="910000.00"' in page
    assert 'value="awarded"' not in page  # nothing to confirm before the award is recorded
    # and saving the form as proposed records that award
    _login(world.agency).post(f"/projects/{project.pk}/award/", {
        "section": project.sections.get().pk, "organisation": first.organisation.credit_code, "amount": "910000.00"})
    award = Award.objects.get(section__project=project)
    assert (award.organisation, str(award.amount)) == (first.organisation, "910000.00")
    # then the award is confirmed from the next step, and its form is gone
    page = _login(world.agency).get(project.get_absolute_url()).content.decode()
    assert 'value="awarded"' in page and f'action="/projects/{project.pk}/award/"' not in page


def test_an_agency_names_the_tenderer_and_is_never_asked_for_itself(world):
    page = _login(world.agency).get("/projects/new/").content.decode()
    assert 'name="tenderer"' in page and 'name="agency"' not in page
    page = _login(world.tenderer).get("/projects/new/").content.decode()
    assert 'name="agency"' in page and 'name="tenderer"' not in page


def test_a_tender_document_is_a_link_only_for_who_may_download_it(world):
    from accounts.models import Role
    from tests import factories
    from tests.trading.conftest import create_project, transition

    project = create_project(world, seconds=3600)
    assert transition(world, world.agency, project["id"], "published").status_code == 200
    document = Project.objects.get(pk=project["id"]).documents.get()
    link = f'href="/documents/{document.pk}/"'
    for user in (world.bidders[0], world.regulator):
        page = _login(user).get(f"/projects/{project['id']}/").content.decode()
        assert link in page
        assert _login(user).get(f"/documents/{document.pk}/").status_code == 200
    official = factories.user(role=Role.OFFICIAL)
    page = _login(official).get(f"/projects/{project['id']}/").content.decode()
    assert link not in page and document.name in page and "download the tender documents" in page
    assert _login(official).get(f"/documents/{document.pk}/").status_code == 403
    assert link in Client().get(f"/projects/{project['id']}/").content.decode()  # anonymous: to the log-in
