import datetime as dt
import time

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from accounts.models import Role
from tests import factories, sealed


@pytest.fixture(autouse=True)
def trading_settings(settings, tmp_path):
    """Files go to a temporary PROTECTED_ROOT; the 20-day minimum bid period is configuration, zero in tests
    so that a deadline can be a few seconds ahead and really pass on the server clock."""
    settings.PROTECTED_ROOT = tmp_path / "protected"
    settings.TRADING_MIN_BID_PERIOD_DAYS = 0
    settings.TRADING_BID_MAX_BYTES = 4096
    settings.ELASTICSEARCH_URL = None
    # Messages are asserted in English (the source language); test_messages_in_chinese checks the default.
    settings.LANGUAGE_CODE = "en"
    return settings


class World:
    """A tenderer, its agency, five bidders, a regulator and a platform security officer, each with an
    authenticated API client. The agency, regulator and officer have registered keys: they are the default
    custodians of every project's opening key (published projects need them)."""

    def __init__(self):
        self.tenderer = factories.user(role=Role.TENDERER)
        self.agency = factories.user(role=Role.AGENCY)
        self.bidders = [factories.user(role=Role.BIDDER) for _ in range(5)]
        self.regulator = factories.user(role=Role.REGULATOR)
        self.outsider_agency = factories.user(role=Role.AGENCY)
        self.officer = factories.user(role=Role.ADMIN)
        for custodian in (self.agency, self.regulator, self.officer):
            sealed.key_register(custodian)

    def api(self, user=None) -> APIClient:
        client = APIClient()
        if user is not None:
            client.force_authenticate(user)
        return client


@pytest.fixture
def bidder(db):
    """A bidder of its own organisation (the certificate tests')."""
    return factories.user(role=Role.BIDDER)


@pytest.fixture
def world(db):
    return World()


def project_payload(world, *, seconds: float = 3.0, **overrides) -> dict:
    payload = {
        "title": "阳光市第一人民医院门诊楼改造工程施工",
        "category": "construction",
        "tenderer": world.tenderer.organisation.credit_code,
        "region": "310000",
        "procurement_method": "open",
        "evaluation_method": "comprehensive",
        "evaluation_criteria": [
            {"name": "价格", "kind": "price", "weight": 40},
            {"name": "技术", "kind": "technical", "weight": 50},
            {"name": "商务", "kind": "business", "weight": 10},
        ],
        "bid_deadline": (timezone.now() + dt.timedelta(seconds=seconds)).isoformat(),
        "sections": [{"code": "001", "name": "土建", "base_amount": "1000000.00", "base_type": "price_cap"}],
    }
    payload.update(overrides)
    return payload


def create_project(world, *, document: bool = True, **overrides) -> dict:
    """A draft made by the agency through the API, with its tender document (a draft is published only with one)
    unless ``document=False``."""
    from trading.models import Project

    response = world.api(world.agency).post("/api/trading/projects/", project_payload(world, **overrides),
                                            format="json")
    assert response.status_code == 201, response.content
    if document:
        factories.tender_document(project=Project.objects.get(pk=response.json()["id"]), user=world.agency)
    return response.json()


def transition(world, user, project_id, to, **extra):
    return world.api(user).post(f"/api/trading/projects/{project_id}/transition/", {"to": to, **extra}, format="json")


def join_and_bid(world, bidder, section_id, content: bytes | None = None):
    """Register, sign the commitment and upload a bid (a real envelope unless ``content``); return the receipt."""
    client = world.api(bidder)
    registration = client.post(f"/api/trading/sections/{section_id}/registrations/")
    assert registration.status_code == 201, registration.content
    signed = client.post(f"/api/trading/registrations/{registration.json()['id']}/commitment/", {"accepted": True},
                         format="json")
    assert signed.status_code == 200, signed.content
    return upload_bid(world, bidder, section_id, content)


def upload_bid(world, bidder, section_id, content: bytes | None = None, **summary):
    """Upload ``content``, or else a real envelope of ``bidder`` for the section (``summary`` fields override)."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    if content is None:
        content = sealed.envelope_for(section_id, bidder, summary=summary)
    return world.api(bidder).post(f"/api/trading/sections/{section_id}/bids/",
                                  {"file": SimpleUploadedFile("bid.env", content)}, format="multipart")


def deadline_passes(project_id: int) -> None:
    """The bid deadline passes now: the project's deadline is moved to a second ago (no race with a slow machine)."""
    from trading.models import Project

    Project.objects.filter(pk=project_id).update(bid_deadline=timezone.now() - dt.timedelta(seconds=1))


def wait_until(when_iso: str) -> None:
    """Let the server clock pass ``when`` (a real wait: deadlines are checked on the server clock)."""
    when = dt.datetime.fromisoformat(when_iso)
    remaining = (when - timezone.now()).total_seconds()
    if remaining > 0:
        time.sleep(remaining + 0.05)


