"""Signing in to the auction hall by certificate challenge where a sale does not allow key files: the hello carries a
one-time challenge; a bidder signs it with its registered certificate's key before it may bid; a certificate that is
no longer good (expired, revoked, its CA no longer accepted, another organisation's) or a bare key file is refused
with the reason. Where key files are allowed the hall is as before (no challenge)."""

import base64
import datetime as dt

import pytest
from channels.db import database_sync_to_async
from channels.routing import URLRouter
from channels.testing import WebsocketCommunicator
from cryptography.hazmat.primitives.asymmetric import ec
from django.urls import reverse
from rest_framework.test import APIClient

import sealing
from auctions import signin
from auctions.models import Lot, Quote, Sale
from auctions.routing import websocket_urlpatterns
from audit.models import AuditEvent
from tests import factories, sealed
from tests.auctions import factories as f
from tests.certificates import NOW, authority, issue, pem, signing_key
from trading.models import BidderKey
from trading.services.keys import certificate_register

pytestmark = pytest.mark.django_db(transaction=True)
app = URLRouter(websocket_urlpatterns)


def listing(*, key_files_allowed: bool):
    w = f.world(bidders=2)
    sale = f.sale(w)
    Sale.objects.filter(pk=sale.pk).update(key_files_allowed=key_files_allowed)
    lot = Lot.objects.get(sale=sale)
    for bidder in w.bidders:
        f.bidder_ready(w, lot, bidder)
    f.starts_now(sale)
    return w, lot


async def connect(user, lot_id: int):
    communicator = WebsocketCommunicator(app, f"/ws/hall/{lot_id}/")
    communicator.scope["user"] = user
    connected, _ = await communicator.connect()
    assert connected
    return communicator


async def until(communicator, kind: str, timeout: float = 5):
    while True:
        message = await communicator.receive_json_from(timeout=timeout)
        if message["type"] == kind:
            return message


def signed(key, text: str) -> str:
    return base64.b64encode(sealing.signature_sign(key, text.encode())).decode()


async def bid(communicator, amount: str, client_id: str) -> dict:
    await communicator.send_json_to({"type": "command", "id": client_id, "action": "bid", "amount": amount})
    return await until(communicator, "ack")


async def test_a_valid_certificate_signs_in_and_then_bids(cas):
    w, lot = await database_sync_to_async(listing)(key_files_allowed=False)
    bidder = w.bidders[0]
    certificate, key = issue(cas.first, credit_code=bidder.organisation.credit_code)
    await database_sync_to_async(certificate_register)(user=bidder, certificate_pem=pem(certificate))

    hall = await connect(bidder, lot.pk)
    hello = await until(hall, "hello")
    challenge = hello["sign_in"]["challenge"]
    assert challenge.startswith(f"sunshine-hall-sign-in:{lot.pk}:")
    early = await bid(hall, "10000000", "early")
    assert not early["ok"] and "certificate" in early["errors"], early

    await hall.send_json_to({"type": "sign_in", "signature": signed(signing_key(key), "another text")})
    wrong = await until(hall, "signed_in")
    assert not wrong["ok"] and "signature" in wrong["errors"]

    await hall.send_json_to({"type": "sign_in", "signature": signed(signing_key(key), challenge)})
    assert (await until(hall, "signed_in"))["ok"]
    accepted = await bid(hall, "10000000", "first")
    assert accepted["ok"], accepted
    await hall.disconnect()

    record = await database_sync_to_async(
        lambda: AuditEvent.objects.filter(action="auctions.hall.sign_in").get())()
    assert record.payload["certificate_serial"] == f"{certificate.serial_number:x}" and record.source == "websocket"

    # a new connection is a new challenge: the old signature does not sign it in
    again = await connect(bidder, lot.pk)
    fresh = (await until(again, "hello"))["sign_in"]["challenge"]
    assert fresh != challenge
    await again.send_json_to({"type": "sign_in", "signature": signed(signing_key(key), challenge)})
    assert not (await until(again, "signed_in"))["ok"]
    await again.disconnect()


async def test_an_sm2_certificate_signs_in_with_an_sm2_signature_of_the_challenge(sm2_cas):
    """The hall verifies the challenge's signature with the registered certificate's key, SM2/SM3 for an SM2
    certificate (made here as the bidder tool makes it: a browser cannot sign with SM2)."""
    w, lot = await database_sync_to_async(listing)(key_files_allowed=False)
    bidder = w.bidders[0]
    certificate, key = issue(sm2_cas.first, credit_code=bidder.organisation.credit_code)
    await database_sync_to_async(certificate_register)(user=bidder, certificate_pem=pem(certificate))

    hall = await connect(bidder, lot.pk)
    challenge = (await until(hall, "hello"))["sign_in"]["challenge"]
    await hall.send_json_to({"type": "sign_in", "signature": signed(sealing.keypair_generate("gm"), challenge)})
    assert not (await until(hall, "signed_in"))["ok"]
    await hall.send_json_to({"type": "sign_in", "signature": signed(key, challenge)})
    assert (await until(hall, "signed_in"))["ok"]
    assert (await bid(hall, "10000000", "sm2"))["ok"]
    await hall.disconnect()


def _spoil(case: str, cas, bidder, key) -> None:
    """Registered while good; then time, the CA or the platform changes what the certificate is worth."""
    registered = BidderKey.objects.get(user=bidder, revoked_at=None)
    if case == "expired":  # its end of validity has passed since (the same key, as time would leave it)
        expired, _ = issue(cas.first, credit_code=bidder.organisation.credit_code, key=key,
                           start=NOW - dt.timedelta(days=400))
        BidderKey.objects.filter(pk=registered.pk).update(certificate_pem=pem(expired))
    elif case == "revoked":
        cas.revoke(registered_certificate(registered))
    elif case == "foreign":  # the platform no longer accepts its CA
        from tests.certificates import publish

        publish(cas.settings, cas.folder, [cas.second, authority("另一家证书机构")])
    elif case == "mismatch":  # the person now acts for another organisation
        from accounts.models import User

        User.objects.filter(pk=bidder.pk).update(organisation=factories.organisation())


def registered_certificate(key):
    from cryptography import x509

    return x509.load_pem_x509_certificate(key.certificate_pem.encode())


@pytest.mark.parametrize("case, reason", [
    ("expired", "已于"), ("revoked", "被签发机构吊销"), ("foreign", "不是平台认可的 CA 签发的"),
    ("mismatch", "请使用本单位的证书"), ("bare key", "要求使用平台认可的 CA 签发的数字证书签到"),
])
async def test_a_certificate_no_longer_good_or_a_key_file_is_refused_at_sign_in(cas, settings, case, reason):
    settings.LANGUAGE_CODE = "zh-hans"
    w, lot = await database_sync_to_async(listing)(key_files_allowed=False)
    bidder = w.bidders[0]
    if case == "bare key":
        key = await database_sync_to_async(sealed.key_register)(bidder)
    else:
        own = ec.generate_private_key(ec.SECP256R1())
        certificate, _ = issue(cas.first, credit_code=bidder.organisation.credit_code, key=own)
        await database_sync_to_async(certificate_register)(user=bidder, certificate_pem=pem(certificate))
        await database_sync_to_async(_spoil)(case, cas, bidder, own)
        key = signing_key(own)

    hall = await connect(bidder, lot.pk)
    challenge = (await until(hall, "hello"))["sign_in"]["challenge"]
    await hall.send_json_to({"type": "sign_in", "signature": signed(key, challenge)})
    refused = await until(hall, "signed_in")
    assert not refused["ok"] and reason in " ".join(sum(refused["errors"].values(), [])), refused
    assert not (await bid(hall, "10000000", "x"))["ok"]
    await hall.disconnect()
    assert not await database_sync_to_async(Quote.objects.filter(lot=lot).exists)()


async def test_where_key_files_are_allowed_the_hall_asks_for_no_challenge():
    w, lot = await database_sync_to_async(listing)(key_files_allowed=True)
    hall = await connect(w.bidders[0], lot.pk)
    assert "sign_in" not in await until(hall, "hello")
    assert (await bid(hall, "10000000", "plain"))["ok"]
    await hall.disconnect()


def test_an_api_bid_carries_its_signature_where_the_sale_requires_certificates(cas):
    w, lot = listing(key_files_allowed=False)
    bidder = w.bidders[0]
    certificate, own = issue(cas.second, credit_code=bidder.organisation.credit_code)
    certificate_register(user=bidder, certificate_pem=pem(certificate))
    api = APIClient()
    api.force_authenticate(bidder)
    url = reverse("api-auction-bid", args=[lot.pk])

    unsigned = api.post(url, {"id": "a1", "amount": "10000000"}, format="json", HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert unsigned.status_code == 400 and "signature" in unsigned.json()["errors"], unsigned.content
    text = signin.bid_text(lot_id=lot.pk, client_id="a1", amount="10000000")
    accepted = api.post(url, {"id": "a1", "amount": "10000000", "signature": signed(signing_key(own), text)},
                        format="json")
    assert accepted.status_code == 200, accepted.content
    assert Quote.objects.filter(lot=lot).count() == 1

