"""The whole lifecycle, driven only through the API and the Celery tasks."""

import datetime as dt
from decimal import Decimal

from django.utils import timezone

from audit.models import AuditEvent
from core.workdays import add_working_days, end_of_day, today
from trading.models import Announcement, Project, ProjectTransition
from trading.tasks import project_due, trading_sweep

from .conftest import create_project, deadline_passes, join_and_bid, transition


def _status(project_id) -> str:
    return Project.objects.get(pk=project_id).status


def test_a_project_goes_from_draft_to_archive(world, django_capture_on_commit_callbacks):
    # Given a draft project registered by the agency, with its deadline a few seconds ahead
    project = create_project(world, seconds=600)
    pid, section = project["id"], project["sections"][0]["id"]
    assert project["status"] == "draft" and len(project["deal_code"]) == 20

    # When the agency publishes it, the tender announcement appears and the deadline task is queued
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = transition(world, world.agency, pid, "published")
    assert response.status_code == 200, response.content
    assert Announcement.objects.filter(project_id=pid, kind="tender").count() == 1
    assert callbacks, "the deadline task is queued on commit"

    # And three bidders register, sign the credit commitment and bid
    receipts = [join_and_bid(world, b, section) for b in world.bidders[:3]]
    assert all(r.status_code == 201 for r in receipts), [r.content for r in receipts]
    receipt = receipts[0].json()
    assert receipt["deal_code"] == project["deal_code"] and len(receipt["sha256"]) == 64

    # Then before the deadline the timed task leaves it alone
    project_due.apply(args=[pid])
    assert _status(pid) == "published"

    # When the deadline passes on the server clock and the timed task runs
    deadline_passes(project["id"])
    with django_capture_on_commit_callbacks(execute=True):
        project_due.apply(args=[pid])
    # Then the project has passed the deadline and, with 3 valid bids, is in the opening
    assert _status(pid) == "opening"
    steps = list(ProjectTransition.objects.filter(project_id=pid).values_list("to_status", flat=True))
    assert steps == ["published", "deadline_passed", "opening"]

    # When the host ends the opening and enters the candidates, then publicises them
    assert transition(world, world.agency, pid, "evaluation").status_code == 200
    refused = transition(world, world.agency, pid, "publicity")
    assert refused.status_code == 400 and "candidates" in str(refused.json()).lower()
    bidder_codes = [b.organisation.credit_code for b in world.bidders[:3]]
    response = world.api(world.agency).post(f"/api/trading/sections/{section}/candidates/", {"candidates": [
        {"organisation": bidder_codes[1], "price": "880000.00"},
        {"organisation": bidder_codes[0], "price": "900000.00"},
    ]}, format="json")
    assert response.status_code == 201, response.content
    assert transition(world, world.agency, pid, "publicity").status_code == 200

    # Then the publicity lasts at least 3 working days
    publicity_end = Project.objects.get(pk=pid).publicity_ends_at
    assert publicity_end == end_of_day(add_working_days(today(), 3))
    assert Announcement.objects.get(project_id=pid, kind="candidates").publicity_ends_at == publicity_end
    trading_sweep.apply()
    assert _status(pid) == "publicity"
    # An award before the publicity ended is refused
    early = world.api(world.agency).post(f"/api/trading/sections/{section}/award/",
                                         {"organisation": bidder_codes[1], "amount": "880000.00"}, format="json")
    assert early.status_code == 400

    # When the publicity period has run out (its end moved into the past: we cannot wait 3 working days)
    Project.objects.filter(pk=pid).update(publicity_ends_at=timezone.now() - dt.timedelta(seconds=1))
    trading_sweep.apply()
    assert _status(pid) == "ready_to_award"

    # And the award and the contract are entered
    award = world.api(world.agency).post(f"/api/trading/sections/{section}/award/",
                                         {"organisation": bidder_codes[1], "amount": "880000.00"}, format="json")
    assert award.status_code == 201, award.content
    assert award.json()["savings"] == "120000.00" and award.json()["savings_rate"] == "0.1200"
    assert transition(world, world.tenderer, pid, "awarded").status_code == 200
    assert Announcement.objects.filter(project_id=pid, kind="award").exists()
    contract = world.api(world.tenderer).post(f"/api/trading/awards/{award.json()['id']}/contract/",
                                              {"signed_on": today().isoformat(), "amount": "880000.00"},
                                              format="json")
    assert contract.status_code == 201, contract.content
    assert transition(world, world.tenderer, pid, "contract_signed").status_code == 200
    assert transition(world, world.agency, pid, "archived").status_code == 200

    # Then every step is in the history and in the audit chain
    history = world.api(world.regulator).get(f"/api/trading/projects/{pid}/history/").json()
    assert [h["to_status"] for h in history] == [
        "published", "deadline_passed", "opening", "evaluation", "publicity", "ready_to_award", "awarded",
        "contract_signed", "archived"]
    assert AuditEvent.objects.filter(action="trading.project.transition", object_id=str(pid)).count() == 9
    assert Decimal(award.json()["base_amount"]) == Decimal("1000000.00")


def test_too_few_bids_fail_the_tender_and_a_retender_starts_linked(world, django_capture_on_commit_callbacks):
    # Given a published project with two sections and only two bids on each by the deadline
    project = create_project(world, seconds=600, sections=[
        {"code": "001", "name": "土建", "base_amount": "500000.00", "base_type": "price_cap"},
        {"code": "002", "name": "安装", "base_amount": "300000.00", "base_type": "price_cap"},
    ])
    pid = project["id"]
    assert transition(world, world.agency, pid, "published").status_code == 200
    for bidder in world.bidders[:2]:
        for section in project["sections"]:
            assert join_and_bid(world, bidder, section["id"]).status_code == 201

    # When the deadline passes and only the periodic sweep runs (the timed task was lost)
    deadline_passes(project["id"])
    with django_capture_on_commit_callbacks(execute=True):
        assert trading_sweep.apply().get() >= 1

    # Then the tender failed (流标) with the coded reason, every section failed, and a notice is published
    failed = Project.objects.get(pk=pid)
    assert failed.status == "failed" and failed.end_reason == "too_few_bids"
    assert not failed.sections.filter(failed_at__isnull=True).exists()
    assert Announcement.objects.filter(project_id=pid, kind="failure").exists()

    # When the agency re-tenders it
    response = world.api(world.agency).post(f"/api/trading/projects/{pid}/retender/")
    assert response.status_code == 201, response.content
    new = response.json()
    # Then a new linked draft exists with the same sections and a schedule starting now
    assert new["status"] == "draft" and new["retender_of"] == pid and new["deal_code"] != project["deal_code"]
    assert [s["code"] for s in new["sections"]] == ["001", "002"]
    assert dt.datetime.fromisoformat(new["bid_deadline"]) > timezone.now()
    # And a second re-tender of the same failed project is refused
    again = world.api(world.agency).post(f"/api/trading/projects/{pid}/retender/")
    assert again.status_code == 400 and new["deal_code"] in str(again.json())


def test_a_suspension_freezes_the_project_until_lifted(world, django_capture_on_commit_callbacks):
    # Given a published project whose deadline passes during a regulator's suspension
    project = create_project(world, seconds=600)
    pid, section = project["id"], project["sections"][0]["id"]
    assert transition(world, world.agency, pid, "published").status_code == 200
    for bidder in world.bidders[:3]:
        assert join_and_bid(world, bidder, section).status_code == 201

    # When the regulator suspends it (a note is required)
    assert transition(world, world.regulator, pid, "suspended").status_code == 400
    response = transition(world, world.regulator, pid, "suspended", note="收到投诉，暂停招标活动")
    assert response.status_code == 200, response.content
    assert Announcement.objects.filter(project_id=pid, kind="suspension").exists()

    # Then nothing moves: not the agency, not bids, not the sweep after the deadline
    refused = transition(world, world.agency, pid, "cancelled", reason_code="demand_changed")
    assert refused.status_code == 400 and "suspended" in str(refused.json())
    deadline_passes(project["id"])
    trading_sweep.apply()
    frozen = Project.objects.get(pk=pid)
    assert frozen.status == "suspended" and frozen.suspended_from == "published"
    # Only a regulator lifts it
    assert transition(world, world.agency, pid, "published", note="x").status_code == 403

    # When the regulator lifts it, it returns to where it was and the sweep catches up
    assert transition(world, world.regulator, pid, "published", note="投诉不成立").status_code == 200
    with django_capture_on_commit_callbacks(execute=True):
        trading_sweep.apply()
    assert _status(pid) == "opening"


def test_the_host_can_fail_an_opening_with_a_coded_reason(world):
    project = create_project(world, seconds=600)
    pid, section = project["id"], project["sections"][0]["id"]
    transition(world, world.agency, pid, "published")
    for bidder in world.bidders[:3]:
        join_and_bid(world, bidder, section)
    deadline_passes(project["id"])
    trading_sweep.apply()
    assert _status(pid) == "opening"
    assert transition(world, world.agency, pid, "failed").status_code == 400
    assert transition(world, world.agency, pid, "failed", reason_code="too_few_bids",
                      note="解密后有效投标不足三家").status_code == 200
    assert _status(pid) == "failed"
