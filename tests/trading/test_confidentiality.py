"""Before the bid deadline nobody but the bidder itself learns who registered, downloaded the documents or bid, or
how many (DOMAIN.md "Submission", EB 23/24): walk every page, API answer, export, back-office list and room frame
each role can reach, and look for any bidder's name, credit code or user name, and for the counts' labels."""

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from accounts.models import Role
from audit.models import AuditEvent
from tests import factories

from .conftest import create_project, deadline_passes, join_and_bid, transition

pytestmark = pytest.mark.django_db

# What shows a count or a list of participants, in English (the walk asks for English pages)
COUNT_LABELS = ("Valid bids", "Downloads of the tender documents", "commitment signed", "commitment not signed",
                '"downloads"')


def pages_for(pid: int, sid: int, doc: int) -> list[str]:
    return [
        "/", "/announcements/", f"/projects/{pid}/", "/trading/desk/", "/accounts/dashboard/", "/opening/",
        "/opening/board/", "/statistics/", "/statistics/export.csv", "/complaints/", f"/complaints/project/{pid}/",
        "/supervision/", "/audit/checkpoints/", "/opendata/",
        f"/api/trading/projects/{pid}/", "/api/trading/projects/", f"/api/trading/projects/{pid}/downloads/",
        f"/api/trading/sections/{sid}/registrations/", f"/api/trading/projects/{pid}/history/",
        f"/api/trading/projects/{pid}/opening-key/", "/api/trading/announcements/", "/api/stats/statistics/",
        f"/api/supervision/projects/{pid}/complaints/", "/api/opendata/releases/", "/api/audit/checkpoints/",
        "/admin/", "/admin/trading/bid/", "/admin/trading/registration/", "/admin/audit/auditevent/",
        "/admin/trading/project/",
    ]


@pytest.fixture
def tender(world):
    """A published project a day before its deadline: three bidders downloaded, registered, signed and bid."""
    project = create_project(world, seconds=86400)
    assert transition(world, world.agency, project["id"], "published").status_code == 200
    pid, sid = project["id"], project["sections"][0]["id"]
    doc = world.api(world.agency).post(f"/api/trading/projects/{pid}/documents/",
                                       {"file": SimpleUploadedFile("招标文件.pdf", b"%PDF tender")},
                                       format="multipart").json()["id"]
    bidders = world.bidders[:3]
    for bidder in bidders:
        assert world.api(bidder).get(f"/api/trading/documents/{doc}/download/").status_code == 200
        assert join_and_bid(world, bidder, sid).status_code == 201
    return pid, sid, doc, bidders


def secrets_of(bidders) -> list[str]:
    found = []
    for bidder in bidders:
        found += [bidder.organisation.name, bidder.organisation.credit_code, bidder.username]
    return found


def walk(user, urls) -> dict[str, str]:
    client = Client()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    if user is not None:
        client.force_login(user)
    seen = {}
    for url in urls:
        response = client.get(url, HTTP_ACCEPT="application/json, text/html")
        body = b"".join(response.streaming_content) if response.streaming else response.content
        seen[url] = f"{response.status_code} " + body.decode("utf-8", "replace")
    return seen


def leaks(seen: dict[str, str], secrets: list[str], labels=COUNT_LABELS) -> list[str]:
    return [f"{url}: {text}" for url, page in seen.items() for text in (*secrets, *labels) if text in page]


def test_before_the_deadline_no_role_but_the_bidder_sees_who_bids_or_how_many(world, tender):
    pid, sid, doc, bidders = tender
    official = factories.user(role=Role.OFFICIAL)
    expert = factories.user(role=Role.EXPERT)
    admin = world.officer
    admin.is_staff = admin.is_superuser = True
    admin.save()
    urls = pages_for(pid, sid, doc)
    secrets = secrets_of(bidders)
    for who in (None, world.tenderer, world.agency, world.outsider_agency, world.bidders[4], world.regulator,
                official, admin, expert):
        found = leaks(walk(who, urls), secrets)
        assert found == [], f"{getattr(who, 'role', 'anonymous')} learns: {found[:3]}"
    # Each bidder sees itself (and only itself)
    for bidder in bidders:
        others = secrets_of([b for b in bidders if b != bidder])
        seen = walk(bidder, urls)
        assert leaks(seen, others, labels=()) == []  # its own registration it sees, nobody else's
        assert "commitment signed" in seen[f"/projects/{pid}/"]  # its own registration, on its own side of the page


def test_the_walk_would_see_them_after_the_deadline(world, tender):
    """The walk is not blind: once the deadline passed, the parties do see who took part."""
    pid, sid, doc, bidders = tender
    deadline_passes(pid)
    seen = walk(world.agency, [f"/projects/{pid}/", f"/api/trading/sections/{sid}/registrations/"])
    assert all(b.organisation.name in seen[f"/projects/{pid}/"] for b in bidders)
    assert leaks(seen, secrets_of(bidders))


def test_the_regulator_looks_early_only_through_the_audited_supervision_view(world, tender):
    pid, sid, doc, bidders = tender
    client = Client()
    client.force_login(world.regulator)
    url = f"/supervision/projects/{pid}/participation/"
    assert all(b.organisation.name not in client.get(url).content.decode() for b in bidders)
    refused = client.post(url, {"reason": " "}).content.decode()
    assert "Give the reason" in refused and not AuditEvent.objects.filter(
        action="supervision.participation.view").exists()
    page = client.post(url, {"reason": "投诉 TS-2026-001 调查"}).content.decode()
    assert all(b.organisation.name in page for b in bidders)
    event = AuditEvent.objects.get(action="supervision.participation.view")
    assert event.payload["reason"] == "投诉 TS-2026-001 调查" and event.payload["bids"] == 3
    for other in (world.agency, world.tenderer):
        other_client = Client()
        other_client.force_login(other)
        assert other_client.post(url, {"reason": "想看看"}).status_code == 403
