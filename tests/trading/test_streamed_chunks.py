"""The resumable upload's chunks sent with an API token go from Daphne straight to their file (trading.streaming):
through a real Daphne, the same answers as the API view — every refusal with its reason and nothing appended, a
changed chunk refused at completion naming its part, a restart between two chunks losing nothing — and the receipt
signs the bytes the bidder sent."""

import hashlib
import os

import httpx
import pytest
from django.utils import timezone
from rest_framework.authtoken.models import Token

import sealing
from tests import sealed
from trading import storage
from trading.models import Bid, Project, Section, UploadSession
from trading.services import keys

from .test_live_submission import _joined, _published, server  # noqa: F401 - the fixture, with its Daphne

pytestmark = pytest.mark.slow


@pytest.fixture
def ready(world, server):  # noqa: F811 - the fixture imported above
    """A published project's section, a bidder with a key, a token and an envelope of ~200 KB in 4 KiB parts."""
    project = _published(world, seconds=3600)
    section = Section.objects.get(pk=project["sections"][0]["id"])
    bidder = world.bidders[0]
    _joined(world, bidder, section.pk)
    sealed.key_register(bidder)
    envelope = sealed.envelope_for(section, bidder, summary={"price": "1234567.00"},
                                   documents=[("d.bin", os.urandom(200_000))], chunk_size=4096)
    token = Token.objects.create(user=bidder).key
    client = httpx.Client(base_url=server.url, headers={"Authorization": f"Token {token}"}, timeout=60)
    yield section, bidder, envelope, client
    client.close()


def _open(client, section, envelope) -> str:
    created = client.post(f"/api/trading/sections/{section.pk}/uploads/", json={"size": len(envelope)})
    assert created.status_code == 201, created.text
    return created.json()["id"]


def _put(client, upload, offset, content, **headers):
    return client.put(f"/api/trading/uploads/{upload}/?offset={offset}", content=content,
                      headers={"Content-Type": "application/octet-stream", **headers})


def _part(upload) -> bytes:
    return storage.protected_path(f"uploads/{upload}.part").read_bytes()


def test_a_resumed_upload_after_a_restart_gets_a_receipt_for_exactly_its_bytes(ready, server):  # noqa: F811
    section, bidder, envelope, client = ready
    upload = _open(client, section, envelope)
    third = len(envelope) // 3
    # given a first chunk taken, answered with the status, in the security headers every API answer has
    first = _put(client, upload, 0, envelope[:third])
    assert first.status_code == 200, first.text
    assert first.json() == {"id": upload, "size": len(envelope), "offset": third, "state": "open", "bid": None}
    assert first.headers["X-Content-Type-Options"] == "nosniff" and "Content-Security-Policy" in first.headers
    assert first.headers["X-Frame-Options"] == "DENY" and first.headers["Content-Language"] == "zh-hans"
    # when the server is killed and started again, and the bidder asks where to resume and sends the rest
    server.kill()
    server.start()
    assert client.get(f"/api/trading/uploads/{upload}/").json()["offset"] == third
    assert _put(client, upload, third, envelope[third:2 * third]).status_code == 200
    assert _put(client, upload, 2 * third, envelope[2 * third:]).status_code == 200
    done = client.post(f"/api/trading/uploads/{upload}/complete/")
    # then the receipt signs the SHA-256 of exactly what was sent, and the stored bid is those bytes
    assert done.status_code == 201, done.text
    digest = hashlib.sha256(envelope).hexdigest()
    assert done.json()["sha256"] == digest and done.json()["signed"]["envelope_sha256"] == digest
    assert sealing.receipt_verify(keys.platform_key().public_key, done.json()["signed"])["envelope_sha256"] == digest
    bid = Bid.objects.get()
    assert storage.protected_path(bid.storage_path).read_bytes() == envelope and bid.organisation == bidder.organisation


def test_a_changed_chunk_is_refused_at_completion_naming_its_part_and_no_bid_is_recorded(ready):
    section, _bidder, envelope, client = ready
    upload = _open(client, section, envelope)
    tampered = bytearray(envelope)
    tampered[len(envelope) // 2] ^= 0x01  # one bit in the middle of the encrypted content
    assert _put(client, upload, 0, bytes(tampered)).status_code == 200
    done = client.post(f"/api/trading/uploads/{upload}/complete/", headers={"Accept-Language": "en"})
    assert done.status_code == 400
    assert "Part" in done.json()["errors"]["file"][0] and "changed or damaged" in done.json()["errors"]["file"][0]
    assert not Bid.objects.exists() and UploadSession.objects.get(pk=upload).state == "abandoned"


def test_each_refusal_says_why_and_appends_nothing(ready, server, world):  # noqa: F811
    section, _bidder, envelope, client = ready
    upload = _open(client, section, envelope)
    assert _put(client, upload, 0, envelope[:1000]).status_code == 200
    english = {"Accept-Language": "en"}
    # a wrong offset: 409 with the offset to resume from
    wrong = _put(client, upload, 5, b"x" * 10, **english)
    assert wrong.status_code == 409 and wrong.json()["offset"] == 1000 and "byte 1000" in str(wrong.json()["errors"])
    # more than the declared size: 400, and the bytes before it stay as they were
    too_much = _put(client, upload, 1000, envelope[1000:] + b"extra", **english)
    assert too_much.status_code == 400 and "declared size" in str(too_much.json()["errors"]["chunk"])
    # no such upload: 404; a malformed offset: 400
    missing = _put(client, "00000000-0000-4000-8000-000000000000", 0, b"x", **english)
    assert missing.status_code == 404 and "no upload with this id" in missing.json()["detail"]
    assert _put(client, upload, "abc", b"x", **english).status_code == 400
    # a wrong token: 401, in Chinese by default; another bidder's token: 403
    stranger = httpx.put(f"{server.url}/api/trading/uploads/{upload}/?offset=1000", content=b"x",
                         headers={"Authorization": "Token nope"})
    assert stranger.status_code == 401 and stranger.headers["WWW-Authenticate"] == "Token"
    other = Token.objects.create(user=world.bidders[1]).key
    theirs = httpx.put(f"{server.url}/api/trading/uploads/{upload}/?offset=1000", content=b"x",
                       headers={"Authorization": f"Token {other}", **english})
    assert theirs.status_code == 403 and "belongs to someone else" in theirs.json()["detail"]
    # then nothing of them was appended
    assert _part(upload) == envelope[:1000]
    assert client.get(f"/api/trading/uploads/{upload}/").json()["offset"] == 1000


def test_past_the_deadline_no_chunk_is_taken(ready):
    section, _bidder, envelope, client = ready
    upload = _open(client, section, envelope)
    Project.objects.filter(pk=section.project_id).update(bid_deadline=timezone.now())
    late = _put(client, upload, 0, envelope[:1000], **{"Accept-Language": "en"})
    assert late.status_code == 400 and "has passed" in str(late.json()["errors"]["status"])
    assert _part(upload) == b""
