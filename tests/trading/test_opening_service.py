"""The opening service and the attacker before the deadline: release, decrypt, failures (EB 31), backup decryption."""

import base64
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

import sealing
from credit.models import CreditEvent
from tests import sealed
from trading import storage
from trading.models import Bid, Project
from trading.services import custody, opening

from .conftest import create_project, deadline_passes, join_and_bid, transition

PRICE = "97531864.20"


def _with_bids(world, *, seconds=600, backup=False):
    project = create_project(world, seconds=seconds, allow_backup_decryption=backup)
    assert transition(world, world.agency, project["id"], "published").status_code == 200
    section = project["sections"][0]["id"]
    receipts = []
    for bidder in world.bidders[:3]:
        sealed.key_register(bidder)
        envelope = sealed.envelope_for(section, bidder, summary={"price": PRICE, "project_manager": "项目经理王五"})
        client = world.api(bidder)
        registration = client.post(f"/api/trading/sections/{section}/registrations/").json()
        client.post(f"/api/trading/registrations/{registration['id']}/commitment/", {"accepted": True}, format="json")
        response = client.post(f"/api/trading/sections/{section}/bids/", {"file": sealed.upload_file(envelope)},
                               format="multipart")
        assert response.status_code == 201, response.content
        receipts.append(response.json())
    return project, [Bid.objects.get(pk=r["bid"]) if "bid" in r else Bid.objects.get(receipt_no=r["receipt_no"])
                     for r in receipts]


def _content_key(bid: Bid) -> bytes:
    user = bid.submitted_by
    return sealing.content_key_unwrap(storage.protected_path(bid.storage_path), key=sealed.private_keys[user.pk])


def _shares(project: Project, custodians) -> list[sealing.Share]:
    return [sealing.share_decrypt(sealed.private_keys[c.user.pk],
                                  sealing.EncryptedShare.from_dict(custody.share_unwrap(c)))
            for c in project.custodians.filter(user__in=custodians)]


def test_an_attacker_with_the_database_and_the_files_reads_nothing_before_the_deadline(world):
    project, bids = _with_bids(world, seconds=3600, backup=True)
    project_obj = Project.objects.get(pk=project["id"])
    # Every stored file and every row of every table: the price is nowhere in clear
    for path in Path(settings.PROTECTED_ROOT).rglob("*"):
        if path.is_file():
            assert PRICE.encode() not in path.read_bytes(), path
    with connection.cursor() as cursor:
        cursor.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")
        for (table,) in cursor.fetchall():
            cursor.execute(f'SELECT CAST(t AS text) FROM "{table}" t')  # noqa: S608 - our own table names
            for (row,) in cursor.fetchall():
                assert PRICE not in row and "项目经理王五" not in row, table
    # Every code path that could give plaintext refuses before the deadline, even with every custodian's share
    every_share = _shares(project_obj, [world.agency, world.regulator, world.officer])
    attempts = [
        lambda: opening.bid_key_release(bid=bids[0], user=world.bidders[0], content_key=_content_key(bids[0])),
        lambda: opening.bid_decrypt(bid=bids[0], content_key=_content_key(bids[0])),
        lambda: opening.opening_backup_decrypt(bid=bids[0], shares=every_share),
        lambda: custody.opening_key_recover(project=project_obj, shares=every_share),
        lambda: custody.custody_share_submit(project=project_obj, user=world.regulator,
                                             share={**every_share[1].__dict__, "secret": every_share[1].secret.hex()}),
    ]
    from django.core.exceptions import ValidationError

    for attempt in attempts:
        with pytest.raises(ValidationError, match="before the (bid )?deadline"):
            attempt()
    assert all(b.state == "submitted" and b.opened_summary is None and b.released_key is None
               for b in Bid.objects.all())
    assert not (Path(settings.PROTECTED_ROOT) / "opened").exists()
    # The API says the same
    share = world.api(world.regulator).post(f"/api/trading/projects/{project['id']}/share/", {"share": {
        "key_id": every_share[1].key_id, "index": every_share[1].index, "threshold": 2,
        "secret": every_share[1].secret.hex()}}, format="json")
    assert share.status_code == 400 and "before the bid deadline" in str(share.json())
    release = world.api(world.bidders[0]).post(f"/api/trading/bids/{bids[0].pk}/release/", {
        "content_key": base64.b64encode(_content_key(bids[0])).decode()}, format="json")
    assert release.status_code == 400 and "before the bid deadline" in str(release.json())


def test_after_the_deadline_released_keys_decrypt_all_or_nothing_and_failures_follow_eb31(world):
    project, bids = _with_bids(world)
    deadline_passes(project["id"])
    good, damaged, wrong = bids

    # Another bidder's key, or a key that is not this envelope's, is refused at release
    from django.core.exceptions import PermissionDenied, ValidationError

    with pytest.raises(PermissionDenied):
        opening.bid_key_release(bid=good, user=world.bidders[1], content_key=_content_key(good))
    with pytest.raises(ValidationError, match="does not open your bid"):
        opening.bid_key_release(bid=good, user=world.bidders[0], content_key=_content_key(damaged))
    released = world.api(world.bidders[0]).post(f"/api/trading/bids/{good.pk}/release/", {
        "content_key": base64.b64encode(_content_key(good)).decode()}, format="json")
    assert released.status_code == 200, released.content

    progress = []
    opened = opening.bid_decrypt(bid=good, on_progress=lambda done, total: progress.append((done, total)))
    assert opened.state == "opened" and opened.opened_summary["price"] == PRICE and opened.released_key is None
    assert progress and progress[-1] == (good.size, good.size)
    assert (opening.opened_path(bid=good) / "documents" / "技术标.txt").read_text(encoding="utf-8") == "施工组织设计"

    # A stored envelope changed on the platform's side: a platform fault, nothing shown
    path = storage.protected_path(damaged.storage_path)
    data = bytearray(path.read_bytes())
    data[-100] ^= 1
    path.write_bytes(bytes(data))
    with pytest.raises(opening.BidOpenError) as failure:
        opening.bid_decrypt(bid=damaged, content_key=_content_key(damaged))
    assert not failure.value.bidder_fault and "no longer matches its receipt" in failure.value.reason
    assert "chunk" in failure.value.reason or "signature" in failure.value.reason
    assert not opening.opened_path(bid=damaged).exists()
    assert Bid.objects.get(pk=damaged.pk).state == "submitted"
    marked = opening.bid_mark_not_decrypted(bid=damaged, bidder_fault=False, reason=failure.value.reason)
    assert marked.state == "withdrawn_at_opening"

    # A bidder that does not release a key that opens its bid: revoked (撤销) and a credit event
    with pytest.raises(sealing.WrongKey):
        sealing.content_key_check(storage.protected_path(wrong.storage_path), content_key=b"\0" * 32)
    revoked = opening.bid_mark_not_decrypted(bid=wrong, bidder_fault=True, reason="no key released in the window")
    assert revoked.state == "revoked"
    assert CreditEvent.objects.filter(organisation=wrong.organisation,
                                      behaviour_version__behaviour__code="bid-not-decrypted").exists()


def test_backup_decryption_needs_k_custodians_after_the_deadline_and_is_audited(world):
    from audit.models import AuditEvent

    project, bids = _with_bids(world, backup=True)
    project_obj = Project.objects.get(pk=project["id"])
    deadline_passes(project["id"])
    bid = bids[0]
    opening.bid_mark_not_decrypted(bid=bid, bidder_fault=False, reason="the platform was down in the window")
    one = _shares(project_obj, [world.regulator])
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError, match="2 different custodians"):
        opening.opening_backup_decrypt(bid=bid, shares=one)
    for custodian in (world.regulator, world.officer):
        share = _shares(project_obj, [custodian])[0]
        response = world.api(custodian).post(f"/api/trading/projects/{project['id']}/share/", {"share": {
            "key_id": share.key_id, "index": share.index, "threshold": share.threshold,
            "secret": share.secret.hex()}}, format="json")
        assert response.status_code == 201, response.content
    opened = opening.opening_backup_decrypt(bid=bid)
    assert opened.state == "opened" and opened.opened_summary["price"] == PRICE
    assert AuditEvent.objects.filter(action="trading.custody.combine").count() == 1
    assert AuditEvent.objects.filter(action="trading.custody.backup_decrypt").count() == 1
    revoked = opening.bid_mark_not_decrypted(bid=bids[1], bidder_fault=True, reason="wrong key")
    with pytest.raises(ValidationError, match="bidder's own fault"):
        opening.opening_backup_decrypt(bid=revoked)


def test_the_gm_suite_round_trip_through_the_platform(world, settings):
    settings.SEALING_OPENING_SUITE = "gm"
    for custodian in (world.agency, world.regulator, world.officer):
        sealed.key_register(custodian, "gm")
    project = create_project(world, seconds=600)
    assert transition(world, world.agency, project["id"], "published").status_code == 200
    section = project["sections"][0]["id"]
    bidder = world.bidders[0]
    sealed.key_register(bidder, "gm")
    envelope = sealed.envelope_for(section, bidder, suite="gm", summary={"price": PRICE})
    response = join_and_bid(world, bidder, section, envelope)
    assert response.status_code == 201, response.content
    platform = sealing.public_key_load(world.api().get("/api/trading/platform-key.pem").content)
    assert sealing.receipt_verify(platform, response.json()["signed"])["envelope_size"] == len(envelope)
    bid = Bid.objects.get()
    assert bid.signer_fingerprint == sealed.private_keys[bidder.pk].public_key.fingerprint
    deadline_passes(project["id"])
    opening.bid_key_release(bid=bid, user=bidder, content_key=_content_key(bid))
    assert opening.bid_decrypt(bid=bid).opened_summary["price"] == PRICE
