"""Registration, credit commitment, black list, documents and downloads, bids and receipts."""

import datetime as dt
import hashlib

from django.core.files.uploadedfile import SimpleUploadedFile

from audit.models import AuditEvent
from core.workdays import today
from credit.services import blacklist_entry_create
from tests import sealed
from trading.models import Bid, DocumentDownload, Registration
from trading.services.participation import registration_create

from .conftest import create_project, deadline_passes, join_and_bid, transition, upload_bid, wait_until


def _published(world, seconds=3600):
    project = create_project(world, seconds=seconds)
    assert transition(world, world.agency, project["id"], "published").status_code == 200
    return project


def _blacklist(organisation, *, ends_on):
    return blacklist_entry_create(organisation=organisation, reason="串通投标",
                                  legal_basis="《招标投标法实施条例》第67条",
                                  starts_on=today() - dt.timedelta(days=30), ends_on=ends_on)


def test_a_blacklisted_bidder_is_refused_at_registration_with_reason_and_basis(world):
    project = _published(world)
    section = project["sections"][0]["id"]
    bidder = world.bidders[0]
    _blacklist(bidder.organisation, ends_on=today())
    response = world.api(bidder).post(f"/api/trading/sections/{section}/registrations/")
    assert response.status_code == 400
    message = str(response.json())
    assert "串通投标" in message and "第67条" in message and today().isoformat() in message
    assert not Registration.objects.filter(organisation=bidder.organisation).exists()


def test_a_bidder_is_accepted_the_day_after_its_entry_ends(world):
    project = _published(world)
    section = project["sections"][0]["id"]
    bidder = world.bidders[0]
    _blacklist(bidder.organisation, ends_on=today() - dt.timedelta(days=1))
    response = world.api(bidder).post(f"/api/trading/sections/{section}/registrations/")
    assert response.status_code == 201, response.content
    assert "commitment_to_sign" in response.json()


def test_a_bidder_blacklisted_after_registering_cannot_bid(world):
    project = _published(world)
    section = project["sections"][0]["id"]
    bidder = world.bidders[0]
    client = world.api(bidder)
    registration = client.post(f"/api/trading/sections/{section}/registrations/").json()
    client.post(f"/api/trading/registrations/{registration['id']}/commitment/", {"accepted": True}, format="json")
    _blacklist(bidder.organisation, ends_on=today() + dt.timedelta(days=365))
    response = upload_bid(world, bidder, section)
    assert response.status_code == 400 and "串通投标" in str(response.json())
    assert not Bid.objects.exists()


def test_bidding_needs_registration_and_the_signed_commitment(world):
    project = _published(world)
    section = project["sections"][0]["id"]
    bidder = world.bidders[0]
    response = upload_bid(world, bidder, section)
    assert response.status_code == 400 and "Register" in str(response.json())
    registration = world.api(bidder).post(f"/api/trading/sections/{section}/registrations/").json()
    response = upload_bid(world, bidder, section)
    assert response.status_code == 400 and "commitment" in str(response.json())
    refused = world.api(bidder).post(f"/api/trading/registrations/{registration['id']}/commitment/",
                                     {"accepted": False}, format="json")
    assert refused.status_code == 400
    signed = world.api(bidder).post(f"/api/trading/registrations/{registration['id']}/commitment/",
                                    {"accepted": True}, format="json")
    assert signed.json()["commitment_signed"] and "信用承诺" in signed.json()["commitment_text"]
    assert AuditEvent.objects.filter(action="trading.registration.commitment_sign").count() == 1
    assert upload_bid(world, bidder, section).status_code == 201
    assert Bid.objects.filter(state="submitted").count() == 1


def test_a_new_upload_supersedes_the_old_one_and_withdraw_works_before_the_deadline(world):
    project = _published(world)
    section = project["sections"][0]["id"]
    bidder = world.bidders[0]
    first = join_and_bid(world, bidder, section).json()
    envelope = sealed.envelope_for(section, bidder, summary={"price": "870000.00"})
    second = upload_bid(world, bidder, section, envelope).json()
    # Then the receipt carries the hash of exactly what was received, and the first bid is superseded
    assert second["sha256"] == hashlib.sha256(envelope).hexdigest() and second["size"] == len(envelope)
    assert Bid.objects.get(receipt_no=first["receipt_no"]).state == "superseded"
    live = Bid.objects.get(receipt_no=second["receipt_no"])
    # Another bidder cannot withdraw it; its own bidder can
    assert world.api(world.bidders[1]).post(f"/api/trading/bids/{live.pk}/withdraw/").status_code == 403
    assert world.api(bidder).post(f"/api/trading/bids/{live.pk}/withdraw/").status_code == 200
    assert Bid.objects.get(pk=live.pk).state == "withdrawn"


def test_the_size_limit_and_empty_files_are_refused(world):
    project = _published(world)
    section = project["sections"][0]["id"]
    bidder = world.bidders[0]
    assert join_and_bid(world, bidder, section, b"x" * 5000).status_code == 400
    assert upload_bid(world, bidder, section, b"").status_code == 400
    assert not Bid.objects.exists()


def test_after_the_deadline_no_bid_and_no_withdrawal_is_accepted(world):
    project = _published(world, seconds=2)
    section = project["sections"][0]["id"]
    bidder = world.bidders[0]
    bid = join_and_bid(world, bidder, section).json()
    wait_until(project["bid_deadline"])
    late = upload_bid(world, bidder, section, b"late")
    assert late.status_code == 400 and "deadline" in str(late.json())
    live = Bid.objects.get(receipt_no=bid["receipt_no"])
    assert world.api(bidder).post(f"/api/trading/bids/{live.pk}/withdraw/").status_code == 400
    assert Bid.objects.get(pk=live.pk).state == "submitted" and Bid.objects.count() == 1


def test_documents_download_without_registration_and_who_downloaded_is_secret_until_the_deadline(world, settings):
    project = _published(world, seconds=3600)
    pid = project["id"]
    upload = world.api(world.agency).post(f"/api/trading/projects/{pid}/documents/",
                                          {"file": SimpleUploadedFile("招标文件.pdf", b"%PDF tender")},
                                          format="multipart")
    assert upload.status_code == 201, upload.content
    doc = upload.json()["id"]
    bidder = world.bidders[0]
    # EB 23: no registration or other precondition; a logged-in market subject downloads, and it is recorded
    response = world.api(bidder).get(f"/api/trading/documents/{doc}/download/")
    assert response.status_code == 200 and b"".join(response.streaming_content) == b"%PDF tender"
    assert DocumentDownload.objects.filter(organisation=bidder.organisation).count() == 1
    assert not Registration.objects.exists()
    assert world.api(world.outsider_agency).get(f"/api/trading/documents/{doc}/download/").status_code == 200
    assert world.api().get(f"/api/trading/documents/{doc}/download/").status_code in (401, 403)
    # Before the deadline nobody sees who downloaded, the tenderer and agency included
    for user in (world.tenderer, world.agency, world.regulator, bidder, world.bidders[1], world.officer):
        assert world.api(user).get(f"/api/trading/projects/{pid}/downloads/").status_code == 403, user.role
    assert world.api().get(f"/api/trading/projects/{pid}/downloads/").status_code in (401, 403)
    # The EB 24 reading, as a setting: the tenderer and its agency see it
    settings.TRADING_PARTIES_SEE_DOWNLOADS = True
    assert world.api(world.agency).get(f"/api/trading/projects/{pid}/downloads/").json()["count"] == 1
    assert world.api(world.regulator).get(f"/api/trading/projects/{pid}/downloads/").status_code == 403
    settings.TRADING_PARTIES_SEE_DOWNLOADS = False
    # After the deadline: the parties and the regulator
    deadline_passes(pid)
    for user in (world.tenderer, world.agency, world.regulator):
        assert world.api(user).get(f"/api/trading/projects/{pid}/downloads/").json()["count"] == 1
    assert world.api(world.bidders[1]).get(f"/api/trading/projects/{pid}/downloads/").status_code == 403


def test_registration_is_closed_after_the_deadline(world):
    project = _published(world, seconds=1)
    section_id = project["sections"][0]["id"]
    wait_until(project["bid_deadline"])
    from trading.models import Section

    try:
        registration_create(section=Section.objects.get(pk=section_id), user=world.bidders[0])
    except Exception as exc:  # noqa: BLE001
        assert "deadline" in str(exc)
    else:
        raise AssertionError("registration after the deadline must be refused")
    assert not Registration.objects.exists()
