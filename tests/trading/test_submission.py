"""Submitting sealed envelopes: every refusal with its message and nothing changed, receipts, resumable uploads,
keys and the custody of the opening key."""

import datetime as dt
import hashlib
from pathlib import Path

import pytest
from django.conf import settings

import sealing
from audit.models import AuditEvent
from core.workdays import today
from credit.services import blacklist_entry_create
from tests import sealed
from tests.sealing.conftest import layout_of
from trading.models import Bid, BidderKey, Custodian, OpeningKey, Section, UploadSession

from .conftest import create_project, deadline_passes, join_and_bid, transition, upload_bid, wait_until

PRICE = "97531864.20"


def _published(world, seconds=3600, **overrides):
    project = create_project(world, seconds=seconds, **overrides)
    response = transition(world, world.agency, project["id"], "published")
    assert response.status_code == 200, response.content
    return project


def _joined(world, bidder, section_id):
    client = world.api(bidder)
    registration = client.post(f"/api/trading/sections/{section_id}/registrations/").json()
    client.post(f"/api/trading/registrations/{registration['id']}/commitment/", {"accepted": True}, format="json")
    return registration


def _ready_to_bid(world):
    """A published project's first section, a bidder joined to it and its sealed envelope."""
    project = _published(world)
    section = project["sections"][0]["id"]
    bidder = world.bidders[0]
    _joined(world, bidder, section)
    return section, bidder, sealed.envelope_for(section, bidder)


def _stored_files() -> set[Path]:
    root = Path(settings.PROTECTED_ROOT)
    return {p for p in root.rglob("*") if p.is_file()} if root.exists() else set()


def _errors(response) -> str:
    return str(response.json())


def test_every_refusal_says_what_to_do_and_changes_nothing(world):
    project = _published(world, sections=[
        {"code": "001", "name": "土建", "base_amount": "1000000.00", "base_type": "price_cap"},
        {"code": "002", "name": "安装", "base_amount": "500000.00", "base_type": "price_cap"}])
    first, second = (s["id"] for s in project["sections"])
    bidder, stranger = world.bidders[0], world.bidders[1]
    sealed.key_register(bidder)

    # Not registered for the section, then no commitment
    assert "Register your organisation" in _errors(upload_bid(world, bidder, first))
    registration = world.api(bidder).post(f"/api/trading/sections/{first}/registrations/").json()
    assert "commitment" in _errors(upload_bid(world, bidder, first))
    world.api(bidder).post(f"/api/trading/registrations/{registration['id']}/commitment/", {"accepted": True},
                           format="json")
    _joined(world, bidder, second)
    good = sealed.envelope_for(first, bidder)
    before_files, before_events = _stored_files(), AuditEvent.objects.count()

    refusals = {
        "NOT encrypted; seal it with the bidder tool": b"%PDF-1.7 the bid in clear: price " + PRICE.encode(),
        "not for this section": sealed.envelope_for(second, bidder),
        "limit is 4096 bytes": good + b"\0" * 5000,
        "signature does not match its content": good[:-5] + bytes([good[-5] ^ 1]) + good[-4:],
        "damaged in the trailer": good[:-10],
    }
    for message, content in refusals.items():
        response = upload_bid(world, bidder, first, content)
        assert response.status_code == 400 and message in _errors(response), (message, response.content)

    # Signed by a key that is not the bidder's registered one; then no key at all
    other = sealing.keypair_generate("intl")
    sealed.private_keys[bidder.pk], registered = other, sealed.private_keys[bidder.pk]
    response = upload_bid(world, bidder, first)
    assert "not your registered key" in _errors(response)
    sealed.private_keys[bidder.pk] = registered
    _joined(world, stranger, first)
    response = world.api(stranger).post(f"/api/trading/sections/{first}/bids/", {"file": sealed.upload_file(good)},
                                        format="multipart")
    assert response.status_code == 400 and "Register your public key" in _errors(response)

    # Black-listed
    blacklist_entry_create(organisation=bidder.organisation, reason="串通投标", legal_basis="《条例》第67条",
                           starts_on=today() - dt.timedelta(days=1), ends_on=today() + dt.timedelta(days=30))
    blocked = upload_bid(world, bidder, first, good)
    assert blocked.status_code == 400 and "串通投标" in _errors(blocked)

    # Then no bid was stored or recorded
    assert not Bid.objects.exists() and _stored_files() == before_files
    assert not AuditEvent.objects.filter(seq__gt=before_events, action__startswith="trading.bid").exists()


def test_too_late_is_refused_by_the_server_clock(world):
    project = _published(world, seconds=2)
    section = project["sections"][0]["id"]
    bidder = world.bidders[0]
    _joined(world, bidder, section)
    envelope = sealed.envelope_for(section, bidder)
    session = world.api(bidder).post(f"/api/trading/sections/{section}/uploads/", {"size": len(envelope)},
                                     format="json").json()
    wait_until(project["bid_deadline"])
    late = upload_bid(world, bidder, section, envelope)
    assert late.status_code == 400 and "deadline" in _errors(late)
    chunk = world.api(bidder).put(f"/api/trading/uploads/{session['id']}/?offset=0", envelope,
                                  content_type="application/octet-stream")
    assert chunk.status_code == 400 and "deadline" in _errors(chunk)
    assert not Bid.objects.exists()
    # The sweep abandons the unfinished upload: it counts as withdrawn (EB 27) and its bytes go
    from trading.tasks import uploads_sweep

    assert uploads_sweep.apply().get() == 1
    assert UploadSession.objects.get().state == "abandoned"
    assert not (Path(settings.PROTECTED_ROOT) / "uploads" / f"{session['id']}.part").exists()


def test_a_changed_byte_anywhere_is_detected_and_named(world):
    project = _published(world)
    section_id = project["sections"][0]["id"]
    bidder = world.bidders[0]
    _joined(world, bidder, section_id)
    envelope = sealed.envelope_for(section_id, bidder, chunk_size=64, documents=[("a.txt", b"x" * 300)])
    layout = layout_of(envelope)
    positions = {"preamble": 9, "header": 40, "recipient block": layout.blocks[1][0] + 40,
                 "Part 4 of the envelope's encrypted content was changed": layout.frames[3][0] + 30,
                 "trailer": layout.digests[0] + 40, "signature": len(envelope) - 5}
    for part, offset in positions.items():
        changed = bytearray(envelope)
        changed[offset] ^= 0x40
        response = upload_bid(world, bidder, section_id, bytes(changed))
        assert response.status_code == 400, part
        assert part in _errors(response), (part, _errors(response))
    assert not Bid.objects.exists()


def test_the_receipt_is_signed_the_same_envelope_gets_the_same_receipt_and_a_new_one_supersedes(world):
    section, bidder, envelope = _ready_to_bid(world)

    first = upload_bid(world, bidder, section, envelope).json()
    again = upload_bid(world, bidder, section, envelope).json()
    newer = upload_bid(world, bidder, section, sealed.envelope_for(section, bidder, summary={"price": "1.00"})).json()

    assert first["signed"] == again["signed"] and Bid.objects.count() == 2
    platform = world.api().get("/api/trading/platform-key.pem").content
    fields = sealing.receipt_verify(sealing.public_key_load(platform), first["signed"])
    assert fields["envelope_sha256"] == hashlib.sha256(envelope).hexdigest()
    assert fields["envelope_size"] == len(envelope) and fields["section_code"] == "001"
    assert fields["deal_code"] == Section.objects.get(pk=section).project.deal_code
    assert fields["bidder_credit_code"] == bidder.organisation.credit_code
    assert Bid.objects.get(receipt_no=first["receipt_no"]).state == "superseded"
    assert Bid.objects.get(receipt_no=newer["receipt_no"]).state == "submitted"
    assert (Path(settings.VAR_DIR) / "keys" / "platform-key.pem").stat().st_mode & 0o077 == 0


def test_a_resumable_upload_resumes_at_the_stored_offset_and_completes_once(world,
                                                                          django_capture_on_commit_callbacks):
    section, bidder, envelope = _ready_to_bid(world)
    client = world.api(bidder)

    session = client.post(f"/api/trading/sections/{section}/uploads/", {"size": len(envelope)}, format="json").json()
    url = f"/api/trading/uploads/{session['id']}/"
    first = client.put(f"{url}?offset=0", envelope[:500], content_type="application/octet-stream")
    assert first.json()["offset"] == 500
    early = client.post(f"{url}complete/")
    assert early.status_code == 400 and "500 of" in _errors(early) and not Bid.objects.exists()
    conflict = client.put(f"{url}?offset=0", envelope[:100], content_type="application/octet-stream")
    assert conflict.status_code == 409 and conflict.json()["offset"] == 500
    assert client.get(url).json()["offset"] == 500
    too_much = client.put(f"{url}?offset=500", envelope[500:] + b"extra", content_type="application/octet-stream")
    assert too_much.status_code == 400 and client.get(url).json()["offset"] == 500
    assert client.put(f"{url}?offset=500", envelope[500:], content_type="application/octet-stream").status_code == 200
    with django_capture_on_commit_callbacks(execute=True):
        done = client.post(f"{url}complete/")
    again = client.post(f"{url}complete/")
    other = world.api(world.bidders[1]).get(url)

    assert done.status_code == 201 and again.json()["signed"] == done.json()["signed"]
    assert other.status_code == 403
    bid = Bid.objects.get()
    assert bid.sha256 == hashlib.sha256(envelope).hexdigest() and UploadSession.objects.get().bid == bid
    from trading import storage

    assert storage.protected_path(bid.storage_path).read_bytes() == envelope
    assert not storage.protected_path(UploadSession.objects.get().temp_path).exists()
    too_large = client.post(f"/api/trading/sections/{section}/uploads/", {"size": 5000}, format="json")
    assert too_large.status_code == 400 and "the limit is 4096" in _errors(too_large)


def test_keys_are_registered_replaced_and_revoked_with_an_audit_trail(world):
    bidder = world.bidders[0]
    client = world.api(bidder)
    first, second = sealing.keypair_generate(), sealing.keypair_generate()

    private = client.post("/api/trading/keys/", {"public_key": first.pem("pass phrase").decode()}, format="json")
    assert private.status_code == 400 and "PRIVATE key" in _errors(private)
    assert client.post("/api/trading/keys/", {"public_key": first.public_key.pem()}, format="json").status_code == 201
    assert client.get("/api/trading/keys/").json()["fingerprint"] == first.public_key.fingerprint
    taken = world.api(world.bidders[1]).post("/api/trading/keys/", {"public_key": first.public_key.pem()},
                                             format="json")
    assert taken.status_code == 400 and "another person" in _errors(taken)
    client.post("/api/trading/keys/", {"public_key": second.public_key.pem()}, format="json")
    assert client.post("/api/trading/keys/revoke/").status_code == 200
    assert client.get("/api/trading/keys/").status_code == 404
    assert BidderKey.objects.filter(user=bidder).count() == 2 and not BidderKey.objects.filter(
        user=bidder, revoked_at=None).exists()
    assert list(AuditEvent.objects.filter(action__startswith="trading.key.", payload__user=bidder.username)
                .values_list("action", flat=True)) == [
        "trading.key.register", "trading.key.register", "trading.key.revoke"]


def test_the_challenge_is_verified_against_the_registered_key(world):
    from trading.services.keys import challenge_verify

    bidder = world.bidders[0]
    key = sealed.key_register(bidder)
    challenge = b"sign-in 2026 nonce 1234"
    assert challenge_verify(user=bidder, challenge=challenge, signature=sealing.signature_sign(key, challenge))
    assert not challenge_verify(user=bidder, challenge=b"other", signature=sealing.signature_sign(key, challenge))
    assert not challenge_verify(user=world.bidders[1], challenge=challenge,
                                signature=sealing.signature_sign(key, challenge))


def test_publishing_needs_custodians_with_keys_and_publishes_the_opening_key(world):
    from trading.services.keys import bidder_key_revoke

    project = create_project(world)
    bidder_key_revoke(user=world.officer)
    refused = transition(world, world.agency, project["id"], "published")
    assert refused.status_code == 400 and "security officer" in _errors(refused)
    assert not OpeningKey.objects.exists() and not Custodian.objects.exists()

    sealed.key_register(world.tenderer)
    designated = world.api(world.agency).post(f"/api/trading/projects/{project['id']}/custodians/", {
        "usernames": [world.agency.username, world.regulator.username, world.tenderer.username]}, format="json")
    assert designated.status_code == 201, designated.content
    assert transition(world, world.agency, project["id"], "published").status_code == 200

    published = world.api().get(f"/api/trading/projects/{project['id']}/opening-key/").json()
    opening = OpeningKey.objects.get()
    assert published["fingerprint"] == opening.fingerprint and published["threshold"] == 2
    assert [c["key"] for c in published["custodians"]] == [
        sealed.private_keys[u.pk].public_key.fingerprint for u in (world.agency, world.regulator, world.tenderer)]
    assert world.api(world.regulator).get(f"/api/trading/projects/{project['id']}/share/").status_code == 403
    deadline_passes(project["id"])
    share = world.api(world.regulator).get(f"/api/trading/projects/{project['id']}/share/").json()
    opened = sealing.share_decrypt(sealed.private_keys[world.regulator.pk], sealing.EncryptedShare.from_dict(share))
    assert opened.key_id == opening.fingerprint
    assert world.api(world.bidders[0]).get(f"/api/trading/projects/{project['id']}/share/").status_code == 403
    page = world.api().get(f"/projects/{project['id']}/")
    assert opening.fingerprint in page.content.decode()


def test_an_envelope_for_the_wrong_project_or_opening_key_is_refused(world):
    one, two = _published(world), _published(world)
    bidder = world.bidders[0]
    _joined(world, bidder, one["sections"][0]["id"])
    foreign = sealed.envelope_for(two["sections"][0]["id"], bidder)
    response = upload_bid(world, bidder, one["sections"][0]["id"], foreign)
    assert response.status_code == 400 and f"sealed for deal {two['deal_code']}" in _errors(response)
    section = Section.objects.get(pk=one["sections"][0]["id"])
    wrong_opening = sealing.keypair_generate().public_key
    import tempfile

    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "x.sealed"
        sealing.envelope_seal(path, summary={"price": "1.00"}, signer=sealed.key_of(bidder), opening_key=wrong_opening,
                              labels={"deal_code": one["deal_code"], "section_code": section.code})
        response = upload_bid(world, bidder, section.pk, path.read_bytes())
    assert response.status_code == 400 and "not sealed to this project's opening key" in _errors(response)
    assert not Bid.objects.exists()


@pytest.mark.parametrize("count", [3])
def test_join_and_bid_helper_makes_real_envelopes(world, count):
    project = _published(world)
    section = project["sections"][0]["id"]
    receipts = [join_and_bid(world, b, section).json() for b in world.bidders[:count]]
    assert all(len(r["signed"]["signature"]) > 40 for r in receipts)


def test_an_upload_records_its_address_user_agent_and_installation_id(world):
    """What the upload already sends is kept with the bid for the collusion signals (never shown before opening)."""
    section, bidder, envelope = _ready_to_bid(world)
    client = world.api(bidder)
    headers = {"HTTP_USER_AGENT": "sunshine-sealing/1.0", "HTTP_X_SUNSHINE_INSTALLATION": "a1b2c3d4-0000-4000",
               "REMOTE_ADDR": "203.0.113.7"}
    session = client.post(f"/api/trading/sections/{section}/uploads/", {"size": len(envelope)}, format="json",
                          **headers).json()
    url = f"/api/trading/uploads/{session['id']}/"
    client.put(f"{url}?offset=0", envelope, content_type="application/octet-stream")
    assert client.post(f"{url}complete/", REMOTE_ADDR="198.51.100.1").status_code == 201
    bid = Bid.objects.get()
    assert (bid.client_address, bid.client_agent, bid.client_installation) == (
        "203.0.113.7", "sunshine-sealing/1.0", "a1b2c3d4-0000-4000")
    bad = client.post(f"/api/trading/sections/{section}/uploads/", {"size": 10}, format="json",
                      HTTP_X_SUNSHINE_INSTALLATION="<script>")
    assert UploadSession.objects.get(pk=bad.json()["id"]).client_installation == ""
