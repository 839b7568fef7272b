"""Every refused step says why and leaves the project exactly as it was."""

import datetime as dt

import pytest
from django.forms.models import model_to_dict
from django.utils import timezone

from trading.models import Announcement, Project, ProjectTransition, Section

from .conftest import create_project, project_payload, transition


def snapshot(pid: int) -> dict:
    project = Project.objects.get(pk=pid)
    return {
        "project": model_to_dict(project),
        "sections": list(Section.objects.filter(project_id=pid).values()),
        "steps": ProjectTransition.objects.filter(project_id=pid).count(),
        "notices": Announcement.objects.filter(project_id=pid).count(),
    }


@pytest.mark.parametrize(("to", "extra", "status", "words"), [
    ("opening", {}, 400, "cannot become"),
    ("awarded", {}, 400, "cannot become"),
    ("cancelled", {}, 400, "reason"),
    ("no-such-state", {}, 400, "cannot become"),
])
def test_refused_transitions_of_a_draft_change_nothing(world, to, extra, status, words):
    # Given a draft project
    pid = create_project(world, seconds=3600)["id"]
    before = snapshot(pid)
    # When someone asks for a step the table does not allow (or without its reason)
    response = transition(world, world.agency, pid, to, **extra)
    # Then the answer says why and nothing changed
    assert response.status_code == status
    assert words in str(response.json())
    assert snapshot(pid) == before


def test_publishing_a_draft_with_a_past_deadline_is_refused(world):
    pid = create_project(world, seconds=-60)["id"]
    before = snapshot(pid)
    response = transition(world, world.agency, pid, "published")
    assert response.status_code == 400 and "bid deadline" in str(response.json())
    assert snapshot(pid) == before


def test_a_draft_without_its_tender_document_is_not_published(world, settings):
    from django.test import Client

    from tests import factories

    # given a draft with everything but its tender document (招标文件)
    pid = create_project(world, seconds=3600, document=False)["id"]
    before = snapshot(pid)
    # when the agency publishes it: refused, saying what to do, in Chinese too, and nothing changed
    response = transition(world, world.agency, pid, "published")
    assert response.status_code == 400 and "Upload the tender document" in str(response.json())
    chinese = world.api(world.agency).post(f"/api/trading/projects/{pid}/transition/", {"to": "published"},
                                           format="json", HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert chinese.status_code == 400 and "发布前请上传招标文件" in str(chinese.json())
    assert snapshot(pid) == before
    # the project page says it at its publish button, which waits for the document
    settings.LANGUAGE_CODE = "zh-hans"
    client = Client()
    client.force_login(world.agency)
    page = client.get(f"/projects/{pid}/").content.decode()
    assert '<button type="button" disabled>发布招标公告</button>' in page and "发布前请上传招标文件" in page
    # once the document is uploaded, the same step publishes it
    factories.tender_document(project=Project.objects.get(pk=pid), user=world.agency)
    assert "发布前请上传招标文件" not in client.get(f"/projects/{pid}/").content.decode()
    assert transition(world, world.agency, pid, "published").status_code == 200


def test_publishing_respects_the_minimum_bid_period(world, settings):
    settings.TRADING_MIN_BID_PERIOD_DAYS = 20
    pid = create_project(world, seconds=10 * 24 * 3600)["id"]
    before = snapshot(pid)
    response = transition(world, world.agency, pid, "published")
    assert response.status_code == 400 and "20 days" in str(response.json())
    assert snapshot(pid) == before


@pytest.mark.parametrize("who", ["tenderer_of_other", "bidder", "regulator"])
def test_only_the_parties_may_publish(world, who):
    users = {"tenderer_of_other": world.outsider_agency, "bidder": world.bidders[0], "regulator": world.regulator}
    pid = create_project(world, seconds=3600)["id"]
    before = snapshot(pid)
    response = transition(world, users[who], pid, "published")
    assert response.status_code == 403 and "tenderer" in str(response.json()) and "agency" in str(response.json())
    assert snapshot(pid) == before


def test_a_system_step_cannot_be_taken_by_a_person(world):
    project = create_project(world, seconds=3600)
    transition(world, world.agency, project["id"], "published")
    before = snapshot(project["id"])
    response = transition(world, world.agency, project["id"], "deadline_passed")
    assert response.status_code == 403 and "platform" in str(response.json())
    assert snapshot(project["id"]) == before


@pytest.mark.parametrize(("override", "field", "words"), [
    ({"title": ""}, "title", "blank"),
    ({"region": "31"}, "region", "6-digit"),
    ({"category": "government", "procurement_object": ""}, "procurement_object", "goods, services or works"),
    ({"evaluation_criteria": [{"name": "价格", "kind": "price", "weight": 40},
                              {"name": "技术", "kind": "technical", "weight": 50}]}, "evaluation_criteria", "100"),
    ({"category": "government", "procurement_object": "goods",
      "evaluation_criteria": [{"name": "价格", "kind": "price", "weight": 20},
                              {"name": "技术", "kind": "technical", "weight": 80}]}, "evaluation_criteria", "30"),
    ({"evaluation_criteria": [{"name": "技术", "kind": "technical", "weight": 100}]}, "evaluation_criteria",
     "price"),
    ({"sections": []}, "sections", "at least one section"),
    ({"sections": [{"code": "001", "name": "A", "base_amount": "-1", "base_type": "budget"}]}, "sections",
     "above 0"),
])
def test_missing_or_wrong_fields_are_refused_and_nothing_is_created(world, override, field, words):
    before = Project.objects.count()
    payload = project_payload(world, seconds=3600, **override)
    response = world.api(world.agency).post("/api/trading/projects/", payload, format="json")
    assert response.status_code == 400
    body = str(response.json())
    assert field in body and words in body
    assert Project.objects.count() == before


def test_services_price_weight_of_ten_percent_is_accepted(world):
    project = create_project(world, seconds=3600, category="government", procurement_object="services",
                             evaluation_criteria=[{"name": "价格", "kind": "price", "weight": 10},
                                                  {"name": "服务方案", "kind": "technical", "weight": 90}])
    assert project["procurement_object"] == "services"


def test_a_late_amendment_must_move_the_deadline(world):
    # Given a published project whose deadline is less than 15 days away
    project = create_project(world, seconds=3 * 24 * 3600)
    pid = project["id"]
    assert transition(world, world.agency, pid, "published").status_code == 200
    before = snapshot(pid)
    url = f"/api/trading/projects/{pid}/announcements/"
    amendment = {"kind": "amendment", "title": "变更公告", "body": "工程量清单第3项修改"}
    # When the agency amends without moving the deadline
    response = world.api(world.agency).post(url, amendment, format="json")
    # Then it is refused with what to do, and nothing changed
    assert response.status_code == 400 and "new bid deadline" in str(response.json())
    assert snapshot(pid) == before
    # When it moves the deadline but not far enough
    too_soon = (timezone.now() + dt.timedelta(days=10)).isoformat()
    response = world.api(world.agency).post(url, {**amendment, "new_bid_deadline": too_soon}, format="json")
    assert response.status_code == 400 and "15 days" in str(response.json())
    assert snapshot(pid) == before
    # When it moves the deadline to 16 days after the amendment
    later = timezone.now() + dt.timedelta(days=16)
    response = world.api(world.agency).post(url, {**amendment, "new_bid_deadline": later.isoformat()},
                                            format="json")
    # Then the amendment is published and the deadline moved
    assert response.status_code == 201, response.content
    assert abs(Project.objects.get(pk=pid).bid_deadline - later) < dt.timedelta(seconds=1)
    assert Announcement.objects.filter(project_id=pid, kind="amendment").count() == 1


def test_an_early_clarification_keeps_the_deadline(world):
    project = create_project(world, seconds=30 * 24 * 3600)
    transition(world, world.agency, project["id"], "published")
    response = world.api(world.tenderer).post(f"/api/trading/projects/{project['id']}/announcements/", {
        "kind": "clarification", "title": "澄清公告", "body": "资格条件澄清"}, format="json")
    assert response.status_code == 201, response.content
    assert Project.objects.get(pk=project["id"]).bid_deadline == dt.datetime.fromisoformat(project["bid_deadline"])


def test_a_published_project_cannot_be_edited(world):
    project = create_project(world, seconds=3600)
    transition(world, world.agency, project["id"], "published")
    before = snapshot(project["id"])
    response = world.api(world.agency).patch(f"/api/trading/projects/{project['id']}/", {"title": "改名"},
                                             format="json")
    assert response.status_code == 400 and "amendment" in str(response.json())
    assert snapshot(project["id"]) == before


def test_cancellation_needs_a_coded_reason_and_publishes_a_notice(world):
    project = create_project(world, seconds=3600)
    transition(world, world.agency, project["id"], "published")
    assert transition(world, world.tenderer, project["id"], "cancelled", reason_code="bogus").status_code == 400
    response = transition(world, world.tenderer, project["id"], "cancelled", reason_code="funding_withdrawn")
    assert response.status_code == 200
    cancelled = Project.objects.get(pk=project["id"])
    assert cancelled.status == "cancelled" and cancelled.end_reason == "funding_withdrawn"
    assert Announcement.objects.filter(project=cancelled, kind="cancellation").exists()


def test_messages_are_in_chinese_by_default(world, settings):
    # Given the platform's default language and a published project 3 days before its deadline
    settings.LANGUAGE_CODE = "zh-hans"
    project = create_project(world, seconds=3 * 24 * 3600)
    transition(world, world.agency, project["id"], "published")
    before = snapshot(project["id"])
    # When the agency amends without moving the deadline
    response = world.api(world.agency).post(f"/api/trading/projects/{project['id']}/announcements/", {
        "kind": "amendment", "title": "变更公告", "body": "修改内容"}, format="json")
    # Then the refusal is in Chinese and nothing changed
    assert response.status_code == 400
    assert "投标截止时间必须顺延" in str(response.json())
    assert snapshot(project["id"]) == before
