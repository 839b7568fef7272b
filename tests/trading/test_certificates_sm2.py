"""SM2 certificates beside ECDSA P-256 ones, through the same checks: two test CAs the platform accepts, an SM2 CA
(its certificates, signatures and revocation list SM2 with SM3) and a P-256 CA. A valid certificate of either
registers and its key signs the challenge; an expired, revoked, foreign-CA or other organisation's SM2 certificate
is refused with the reason in Chinese; the envelope's signer is tied to an SM2 certificate; the bidder tool signs the
opening room's challenge with an SM2 key (the browser cannot: WebCrypto has no SM2)."""

import datetime as dt
import shutil
import subprocess

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from django.core.exceptions import ValidationError
from django.utils import translation

import sealing
from tests import factories
from tests.certificates import NOW, Authority, crl_of, issue, new_key, pem
from tests.certificates import authority as _authority
from tests.trading.test_certificates import refused, tool_seals_with
from trading.models import BidderKey
from trading.services.certificates import certificate_key
from trading.services.keys import certificate_register, certificate_still_valid, challenge_verify

pytestmark = pytest.mark.django_db


def test_certificates_of_the_sm2_ca_and_the_p256_ca_register_and_their_keys_sign_the_challenge(sm2_cas, bidder):
    sm2_ca, p256_ca = sm2_cas.first, sm2_cas.second
    code = bidder.organisation.credit_code
    certificate, key = issue(sm2_ca, credit_code=code)
    assert certificate.signature_algorithm_oid.dotted_string == "1.2.156.10197.1.501"  # SM2 with SM3

    registered = certificate_register(user=bidder, certificate_pem=pem(certificate))

    assert registered.suite == "gm" and registered.fingerprint == key.public_key.fingerprint
    assert "测试商用密码数字证书认证中心" in registered.certificate_issuer
    challenge = b"sunshine-opening-sign-in:1:2:nonce"
    assert challenge_verify(user=bidder, challenge=challenge, signature=sealing.signature_sign(key, challenge))
    assert not challenge_verify(user=bidder, challenge=challenge + b"!", signature=sealing.signature_sign(
        key, challenge))

    # the P-256 CA's certificate for the same organisation replaces it (DER upload); the first stays on record
    other, other_key = issue(p256_ca, credit_code=code, where="serialNumber")
    again = certificate_register(user=bidder, certificate_pem=other.public_bytes(serialization.Encoding.DER))
    assert again.suite == "intl" and BidderKey.objects.filter(user=bidder).count() == 2
    # one chain check for both: an SM2 key certified by the P-256 CA, a P-256 key by the SM2 CA
    for ca, kind in ((p256_ca, "gm"), (sm2_ca, "intl")):
        mixed, _ = issue(ca, credit_code=code, key=new_key(kind))
        assert certificate_register(user=bidder, certificate_pem=pem(mixed)).suite == kind


def refused_zh(bidder, data, reason: str) -> None:
    """Refused, with ``reason`` in the Chinese message, and nothing registered."""
    with translation.override("zh-hans"):
        refused(bidder, data, reason)


def test_wrong_sm2_certificates_are_refused_with_the_reason_in_chinese(sm2_cas, bidder):
    sm2_ca = sm2_cas.first
    code = bidder.organisation.credit_code
    refused_zh(bidder, pem(issue(sm2_ca, credit_code=code, start=NOW - dt.timedelta(days=400))[0]), "已于")
    refused_zh(bidder, pem(issue(sm2_ca, credit_code=code, start=NOW - dt.timedelta(days=400))[0]), "过期")
    refused_zh(bidder, pem(issue(sm2_ca, credit_code=code, start=NOW + dt.timedelta(days=2))[0]), "尚未生效")
    foreign = _authority("未配置的商用密码证书机构", suite="gm")
    refused_zh(bidder, pem(issue(foreign, credit_code=code)[0]), "不是平台认可的 CA 签发的")
    # a foreign SM2 key that copies the accepted SM2 CA's name: the name matches, the SM2 signature does not
    impostor = Authority(key=foreign.key, certificate=sm2_ca.certificate)
    refused_zh(bidder, pem(issue(impostor, credit_code=code)[0]), "不是平台认可的 CA 签发的")
    other_code = factories.organisation().credit_code
    refused_zh(bidder, pem(issue(sm2_ca, credit_code=other_code)[0]), f"统一社会信用代码为 {other_code} 的单位")
    refused_zh(bidder, pem(issue(sm2_ca, credit_code=other_code)[0]), "请使用本单位的证书")
    revoked, _ = issue(sm2_ca, credit_code=code)
    sm2_cas.revoke(revoked)
    refused_zh(bidder, pem(revoked), "被签发机构吊销")
    assert not BidderKey.objects.filter(user=bidder).exists()


def test_an_sm2_cas_revocation_list_must_be_its_own_and_current(sm2_cas, bidder, settings, tmp_path):
    sm2_ca = sm2_cas.first
    certificate, _ = issue(sm2_ca, credit_code=bidder.organisation.credit_code)
    forged = tmp_path / "forged.crl"  # the SM2 CA's name, another SM2 key's signature, and nothing revoked
    forged.write_bytes(crl_of(Authority(key=new_key("gm"), certificate=sm2_ca.certificate)))
    settings.SIGNING_CRL_FILES = [str(forged), *settings.SIGNING_CRL_FILES[1:]]
    refused_zh(bidder, pem(certificate), "不是该 CA 签发的")
    stale = tmp_path / "stale.crl"
    stale.write_bytes(crl_of(sm2_ca, next_update=NOW - dt.timedelta(days=1)))
    settings.SIGNING_CRL_FILES = [str(stale)]
    refused_zh(bidder, pem(certificate), "证书吊销列表已于")
    settings.SIGNING_CRL_FILES = []
    refused_zh(bidder, pem(certificate), "平台没有")


def test_an_sm2_certificate_revoked_after_registration_is_refused_at_the_next_check(sm2_cas, bidder):
    certificate, _ = issue(sm2_cas.first, credit_code=bidder.organisation.credit_code)
    registered = certificate_register(user=bidder, certificate_pem=pem(certificate))
    certificate_still_valid(key=registered)
    sm2_cas.revoke(certificate)
    with pytest.raises(ValidationError, match="was revoked by its CA"):
        certificate_still_valid(key=registered)


@pytest.mark.skipif(shutil.which("openssl") is None, reason="OpenSSL's command line is not installed")
def test_openssl_verifies_the_test_sm2_cas_certificates(sm2_cas, tmp_path):
    """An independent check of the SM2 signatures the test CA makes (and the platform verifies): OpenSSL 3, given
    the default user id that GM/T 0015 prescribes."""
    certificate, _ = issue(sm2_cas.first, credit_code="91350100M000100Y43")
    (tmp_path / "ca.pem").write_text(pem(sm2_cas.first.certificate))
    (tmp_path / "holder.pem").write_text(pem(certificate))
    command = ["openssl", "verify", "-vfyopt", "distid:1234567812345678", "-CAfile", str(tmp_path / "ca.pem"),
               str(tmp_path / "holder.pem")]
    checked = subprocess.run(command, capture_output=True, text=True, check=False)
    assert checked.returncode == 0 and checked.stdout.strip().endswith(": OK"), checked.stdout + checked.stderr
    assert certificate_key(certificate).suite == "gm"
    tampered = bytearray(certificate.public_bytes(serialization.Encoding.DER))
    tampered[-5] ^= 1  # inside the signature
    (tmp_path / "holder.pem").write_text(pem(x509.load_der_x509_certificate(bytes(tampered))))
    assert subprocess.run(command, capture_output=True, check=False).returncode != 0


def test_an_sm2_certificates_key_signs_the_envelope_that_carries_the_certificate(sm2_cas, world, settings, tmp_path,
                                                                                    capsys):
    """On a platform that seals with SM2 (SEALING_OPENING_SUITE gm): the bidder tool seals with the certificate's
    key and embeds the certificate; the platform takes the envelope only with the registered certificate, and no
    longer once the CA revokes it."""
    from tests import sealed
    from tests.trading.conftest import upload_bid
    from tests.trading.test_submission import _joined, _published
    from trading.models import Bid

    settings.SEALING_OPENING_SUITE = "gm"
    for custodian in (world.agency, world.regulator, world.officer):
        sealed.key_register(custodian, "gm")
    project = _published(world, sections=[
        {"code": "001", "name": "土建", "base_amount": "1000000.00", "base_type": "price_cap"},
        {"code": "002", "name": "安装", "base_amount": "500000.00", "base_type": "price_cap"}])
    one, two = (s["id"] for s in project["sections"])
    bidder = world.bidders[0]
    certificate, key = issue(sm2_cas.first, credit_code=bidder.organisation.credit_code)
    registered = certificate_register(user=bidder, certificate_pem=pem(certificate))
    sealed.private_keys[bidder.pk] = key  # the certificate's key signs the envelope
    _joined(world, bidder, one)
    _joined(world, bidder, two)

    der = certificate.public_bytes(serialization.Encoding.DER)
    envelope = sealed.envelope_for(one, bidder, suite="gm", certificate=der)
    info = sealing.envelope_verify(sealed.stream(envelope))
    assert info.suite == "gm" and info.signer_certificate == der
    accepted = upload_bid(world, bidder, one, content=envelope)
    assert accepted.status_code == 201, accepted.content
    assert Bid.objects.get(section_id=one).signer_fingerprint == registered.fingerprint == key.public_key.fingerprint

    # the same key certified by the P-256 CA, not registered: refused
    unregistered, _ = issue(sm2_cas.second, credit_code=bidder.organisation.credit_code, key=key)
    other = sealed.envelope_for(two, bidder, suite="gm", certificate=unregistered.public_bytes(
        serialization.Encoding.DER))
    refused = upload_bid(world, bidder, two, content=other)
    assert refused.status_code == 400 and "not the one you registered" in str(refused.json()), refused.content
    sm2_cas.revoke(certificate)
    refused = upload_bid(world, bidder, two, content=sealed.envelope_for(two, bidder, suite="gm", certificate=der))
    assert refused.status_code == 400 and "was revoked by its CA" in str(refused.json()), refused.content
    assert not Bid.objects.filter(section_id=two).exists()

    # the tool: seal with the SM2 certificate, inspect names it; a certificate of another SM2 key is refused
    stranger, _ = issue(sm2_cas.first, credit_code=bidder.organisation.credit_code)
    assert "suite:        gm" in tool_seals_with(tmp_path, capsys, key, certificate, stranger)


def test_the_pages_tell_an_sm2_holder_to_use_the_bidder_tool(sm2_cas, bidder, client):
    certificate, _ = issue(sm2_cas.first, credit_code=bidder.organisation.credit_code)
    certificate_register(user=bidder, certificate_pem=pem(certificate))
    client.force_login(bidder)
    client.cookies["django_language"] = "zh-hans"
    page = client.get("/trading/certificate/").content.decode()
    assert 'id="certificate-key">SM2<' in page and "浏览器无法使用 SM2 密钥签名" in page, page
    assert "/help/bidder-tool/#sm2" in page
    tool = client.get("/help/bidder-tool/").content.decode()
    assert 'id="sm2"' in tool and "hall-bid" in tool and "sign-in" in tool


@pytest.fixture
def platform(transactional_db, tmp_path, sm2_cas, settings):
    """Daphne on the test database, accepting the two test CAs (it reads their files again when they change)."""
    from tests.bidding_room.live import postgres_env
    from tests.servers import Daphne

    env = {**postgres_env(tmp_path, redis_db_prefix=f"sm2-tool-{tmp_path.name}"), "EMBEDDED_SCHEDULER": "0",
           "DJANGO_DEBUG": "0", "DJANGO_ALLOW_ASYNC_UNSAFE": "",
           "SUNSHINE_SIGNING_CAS": ",".join(settings.SIGNING_CA_FILES),
           "SUNSHINE_SIGNING_CRLS": ",".join(settings.SIGNING_CRL_FILES)}
    with Daphne(env=env, log_path=tmp_path / "daphne.log") as daphne:
        yield daphne


def tool(platform, user, tmp_path, key, *args) -> subprocess.CompletedProcess:
    """The bidder tool, as the holder runs it: its certificate's key file, its token, the platform's address."""
    from rest_framework.authtoken.models import Token

    from tests import sealed
    from tests.trading.test_live_submission import _tool

    key_file = tmp_path / f"key-{user.pk}.pem"
    key_file.write_bytes(key.pem(sealed.PASSPHRASE))
    token, _ = Token.objects.get_or_create(user=user)
    return _tool(*args, "--key", str(key_file), cwd=tmp_path, SEALING_SERVER=platform.url, SEALING_TOKEN=token.key)


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_an_sm2_holder_signs_in_to_the_opening_room_with_the_bidder_tool(sm2_cas, platform, tmp_path, client):
    from bidding_room import services
    from bidding_room.models import RoomBidder
    from tests.bidding_room.factories import sealed_opening
    from trading.models import Project

    room = sealed_opening(bidders=3)  # fewer than three bids: no opening (流标)
    Project.objects.filter(pk=room.session.section.project_id).update(key_files_allowed=False)
    services.session_open_due(session_id=room.session.pk)
    holder, revoked_holder = room.bidders[:2]
    keys = {}
    for person in (holder, revoked_holder):
        certificate, keys[person.pk] = issue(sm2_cas.first, credit_code=person.organisation.credit_code)
        certificate_register(user=person, certificate_pem=pem(certificate))
        if person == revoked_holder:
            sm2_cas.revoke(certificate)

    done = tool(platform, holder, tmp_path, keys[holder.pk], "sign-in", "--opening", str(room.session.pk))
    assert done.returncode == 0, done.stdout + done.stderr
    assert f"signed in to opening {room.session.pk}" in done.stdout
    assert RoomBidder.objects.get(session=room.session, bid__organisation=holder.organisation).signed_in_at

    refused = tool(platform, revoked_holder, tmp_path, keys[revoked_holder.pk], "sign-in", "--opening",
                   str(room.session.pk))
    assert refused.returncode == 1 and "被签发机构吊销" in refused.stderr, refused.stdout + refused.stderr
    assert RoomBidder.objects.filter(session=room.session, signed_in_at__isnull=False).count() == 1

    # the room's page says what the SM2 holder does, with the opening's number, and offers no key file box
    client.force_login(revoked_holder)
    client.cookies["django_language"] = "zh-hans"
    page = client.get(f"/opening/{room.session.pk}/").content.decode()
    assert 'id="sign-with-tool"' in page and f"本开标的编号：{room.session.pk}" in page, page
    assert 'id="keyfile"' not in page


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_an_sm2_holder_bids_in_a_hall_that_requires_certificates_with_the_bidder_tool(sm2_cas, platform, tmp_path,
                                                                                      client):
    from auctions.models import Quote
    from tests.auctions.test_certificate_sign_in import listing

    w, lot = listing(key_files_allowed=False)
    holder = w.bidders[0]
    certificate, key = issue(sm2_cas.first, credit_code=holder.organisation.credit_code)
    certificate_register(user=holder, certificate_pem=pem(certificate))

    done = tool(platform, holder, tmp_path, key, "hall-bid", "--lot", str(lot.pk), "--amount", "10000000")
    assert done.returncode == 0, done.stdout + done.stderr
    assert Quote.objects.filter(lot=lot).count() == 1
    stranger = tool(platform, holder, tmp_path, new_key("gm"), "hall-bid", "--lot", str(lot.pk), "--amount",
                    "10100000")
    assert stranger.returncode == 1 and "签名" in stranger.stderr, stranger.stdout + stranger.stderr
    assert Quote.objects.filter(lot=lot).count() == 1

    client.force_login(holder)
    client.cookies["django_language"] = "zh-hans"
    page = client.get(f"/auctions/lots/{lot.pk}/hall/").content.decode()
    assert 'id="bid-with-tool"' in page and f"本标的的编号：{lot.pk}" in page, page
    assert 'id="bid-form"' not in page and 'id="hall-keyfile"' not in page


def test_a_good_sm2_signature_is_remembered_and_a_changed_one_is_still_refused(sm2_cas):
    """Every sign-in and bid checks the same certificate and list again: the good SM2 signatures are remembered
    (an SM2 verification is pure Python); a signature or signed bytes that differ are verified, and refused."""
    from trading.services import certificates

    certificate, _ = issue(sm2_cas.first, credit_code="91350100M000100Y43")
    certificates._sm2_good.clear()
    assert certificates._signed_by(certificate, sm2_cas.first.certificate)
    assert len(certificates._sm2_good) == 1
    assert certificates._signed_by(certificate, sm2_cas.first.certificate)
    assert len(certificates._sm2_good) == 1
    der = bytearray(certificate.public_bytes(serialization.Encoding.DER))
    der[-5] ^= 1  # inside the signature
    assert not certificates._signed_by(x509.load_der_x509_certificate(bytes(der)), sm2_cas.first.certificate)
    assert not certificates._signed_by(certificate, sm2_cas.second.certificate)  # a P-256 CA's key
    assert len(certificates._sm2_good) == 1


@pytest.mark.slow
@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_in_chromium_the_room_shows_an_sm2_holder_the_tool_and_its_sign_in_live(sm2_cas, platform, tmp_path,
                                                                                 chromium):
    """The room page of an SM2 holder: no key-file box, the notice with the opening's number; when the bidder tool has
    signed in, the page shows it without a reload, and room.js raises no error on the way."""
    from bidding_room import services
    from tests.bidding_room.factories import sealed_opening
    from tests.bidding_room.test_browser import WAIT, enter

    room = sealed_opening(bidders=3)
    services.session_open_due(session_id=room.session.pk)
    holder = room.bidders[0]
    certificate, key = issue(sm2_cas.first, credit_code=holder.organisation.credit_code)
    certificate_register(user=holder, certificate_pem=pem(certificate))

    page = enter(chromium, platform, holder, room.session.pk)
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.wait_for_selector("#sign-with-tool:not([hidden])", timeout=WAIT)
    assert str(room.session.pk) in page.inner_text("#sign-with-tool")
    assert page.query_selector("#keyfile") is None and page.query_selector("#sign-in") is None
    assert page.get_attribute("#me", "data-signed-in") == "no"

    done = tool(platform, holder, tmp_path, key, "sign-in", "--opening", str(room.session.pk))
    assert done.returncode == 0, done.stdout + done.stderr
    page.wait_for_selector("#me[data-signed-in=yes]", timeout=WAIT)
    assert not errors, errors


def test_the_api_registers_an_sm2_certificate_and_names_its_key(sm2_cas, bidder):
    import base64

    from django.urls import reverse
    from rest_framework.test import APIClient

    api = APIClient()
    api.force_authenticate(bidder)
    url = reverse("api-trading-certificate")
    certificate, _ = issue(sm2_cas.first, credit_code=bidder.organisation.credit_code)
    der = base64.b64encode(certificate.public_bytes(serialization.Encoding.DER)).decode()
    created = api.post(url, {"certificate": der}, format="json")
    assert created.status_code == 201, created.content
    assert created.json()["suite"] == "gm" and created.json()["valid"] is True
    sm2_cas.revoke(certificate)
    shown = api.get(url).json()
    assert shown["suite"] == "gm" and shown["valid"] is False and "was revoked by its CA" in shown["problem"]
