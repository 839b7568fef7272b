"""X.509 certificates from several configured CAs as a bidder's signing identity: chain and validity checked,
revocation lists honoured, the credit code in the subject matched to the account; the registered certificate's key
signs the envelope and the opening-room challenge, and is checked again at each."""

import datetime as dt

import pytest
from cryptography.hazmat.primitives import serialization
from django.core.exceptions import ValidationError

import sealing
from tests import factories
from tests.certificates import NOW, Authority, crl_of, issue, pem
from tests.certificates import authority as _authority
from trading.models import BidderKey
from trading.services.keys import certificate_register, certificate_still_valid, challenge_verify

pytestmark = pytest.mark.django_db


def test_certificates_from_either_configured_ca_register_and_their_key_signs_the_challenge(cas, bidder):
    first, second = cas.first, cas.second
    code = bidder.organisation.credit_code
    certificate, key = issue(first, credit_code=code)

    registered = certificate_register(user=bidder, certificate_pem=pem(certificate))

    assert registered.certificate_issuer.endswith("CN=测试省数字证书认证中心") or "测试省数字证书认证中心" in \
        registered.certificate_issuer
    assert registered.certificate_serial == f"{certificate.serial_number:x}"
    # the registered key is the certificate's: the bidder's signature with the certificate's key verifies
    challenge = b"SUNSHINE opening sign-in challenge"
    signer = sealing.private_key_load(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                                        serialization.BestAvailableEncryption(b"pw")), "pw")
    assert signer.public_key.fingerprint == registered.fingerprint
    assert challenge_verify(user=bidder, challenge=challenge, signature=sealing.signature_sign(signer, challenge))

    # a certificate of the second CA, for the same organisation, replaces it; the first stays on record
    other, _ = issue(second, credit_code=code, where="serialNumber")
    again = certificate_register(user=bidder, certificate_pem=other.public_bytes(serialization.Encoding.DER))
    assert "测试国家电子认证服务中心" in again.certificate_issuer
    assert BidderKey.objects.filter(user=bidder).count() == 2


def two_sections_and_a_key(world):
    """A published project of two sections; the first bidder with a key pair (its private key also as
    ``cryptography``'s, for the test CA to certify)."""
    from tests import sealed
    from tests.trading.test_submission import _published

    project = _published(world, sections=[
        {"code": "001", "name": "土建", "base_amount": "1000000.00", "base_type": "price_cap"},
        {"code": "002", "name": "安装", "base_amount": "500000.00", "base_type": "price_cap"}])
    one, two = (s["id"] for s in project["sections"])
    bidder = world.bidders[0]
    key = sealed.key_of(bidder)
    own = serialization.load_pem_private_key(key.pem("pw"), password=b"pw")
    return bidder, key, own, one, two


def refused(bidder, data, reason: str) -> None:
    before = BidderKey.objects.filter(user=bidder).count()
    with pytest.raises(ValidationError) as caught:
        certificate_register(user=bidder, certificate_pem=data)
    message = " ".join(caught.value.message_dict["certificate"])
    assert reason in message, message
    assert BidderKey.objects.filter(user=bidder).count() == before  # nothing half-registered


def test_every_wrong_certificate_is_refused_with_its_reason(cas, bidder):
    first, publish = cas.first, cas.publish
    code = bidder.organisation.credit_code
    foreign = _authority("未配置的证书机构")
    refused(bidder, pem(issue(foreign, credit_code=code)[0]), "No CA the platform accepts issued this certificate")
    # a foreign CA that copies an accepted CA's name
    impostor = Authority(key=foreign.key, certificate=first.certificate, revoked=[])
    forged, _ = issue(impostor, credit_code=code)
    refused(bidder, pem(forged), "No CA the platform accepts issued this certificate")
    refused(bidder, pem(issue(first, credit_code=code, start=NOW - dt.timedelta(days=400))[0]), "expired on")
    refused(bidder, pem(issue(first, credit_code=code, start=NOW + dt.timedelta(days=2))[0]), "not valid before")
    other_code = factories.organisation().credit_code
    refused(bidder, pem(issue(first, credit_code=other_code)[0]), f"organisation with credit code {other_code}")
    refused(bidder, pem(issue(first, credit_code="ABC")[0]), "names no unified social credit code")
    revoked, _ = issue(first, credit_code=code)
    first.revoked.append(revoked.serial_number)
    publish()
    refused(bidder, pem(revoked), "was revoked by its CA")
    refused(bidder, "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----", "PRIVATE key")
    refused(bidder, "", "Upload the certificate file")
    refused(bidder, "not a certificate at all", "not an X.509 certificate")
    from django.utils import translation

    with translation.override("zh-hans"):
        refused(bidder, pem(revoked), "已于")
        refused(bidder, pem(issue(first, credit_code=other_code)[0]), "请使用本单位的证书")
    rsa_like = _authority("x")  # a CA certificate itself has a P-256 key but is not issued by a configured CA
    refused(bidder, pem(rsa_like.certificate), "No CA the platform accepts")


def test_a_missing_or_stale_revocation_list_refuses_rather_than_assumes(cas, bidder, settings, tmp_path):
    first = cas.first
    certificate, _ = issue(first, credit_code=bidder.organisation.credit_code)
    settings.SIGNING_CRL_FILES = settings.SIGNING_CRL_FILES[1:]
    refused(bidder, pem(certificate), "holds no revocation list")
    stale = tmp_path / "stale.crl"
    stale.write_bytes(crl_of(first, next_update=NOW - dt.timedelta(days=1)))
    settings.SIGNING_CRL_FILES = [str(stale)]
    refused(bidder, pem(certificate), "expired on")


def test_a_certificate_revoked_after_registration_is_refused_at_sign_in_and_bid(cas, bidder):
    first, publish = cas.first, cas.publish
    certificate, _ = issue(first, credit_code=bidder.organisation.credit_code)
    registered = certificate_register(user=bidder, certificate_pem=pem(certificate))
    certificate_still_valid(key=registered)  # fine now
    first.revoked.append(certificate.serial_number)
    publish()
    with pytest.raises(ValidationError, match="was revoked by its CA"):
        certificate_still_valid(key=registered)


def test_the_opening_room_signs_in_by_certificate_challenge_and_refuses_a_revoked_certificate(cas):
    """The room's sign-in: the bidder signs the challenge with its certificate's key (the key that signed its
    envelope); once the CA revokes the certificate, the sign-in is refused with the reason."""
    import base64

    from bidding_room import services
    from bidding_room.models import RoomBidder
    from tests import sealed
    from tests.bidding_room.factories import sealed_opening

    first, second, publish = cas.first, cas.second, cas.publish
    world = sealed_opening(bidders=3)
    services.session_open_due(session_id=world.session.pk)
    holders = world.bidders[:2]
    issued = []
    for person, authority in zip(holders, (first, second), strict=True):
        own = serialization.load_pem_private_key(sealed.private_keys[person.pk].pem("pw"), password=b"pw")
        certificate, _ = issue(authority, credit_code=person.organisation.credit_code, key=own)
        certificate_register(user=person, certificate_pem=pem(certificate))
        issued.append(certificate)
    second.revoked.append(issued[1].serial_number)
    publish()

    def sign_in(person):
        challenge = services.signin_challenge(session=world.session, user=person)
        signature = sealing.signature_sign(sealed.private_keys[person.pk], challenge.encode())
        return services.bidder_sign_in(session=world.session, user=person,
                                       signature=base64.b64encode(signature).decode())

    assert sign_in(holders[0]).signed_in_at is not None
    with pytest.raises(ValidationError, match="was revoked by its CA"):
        sign_in(holders[1])
    assert RoomBidder.objects.filter(session=world.session, signed_in_at__isnull=False).count() == 1


def test_the_envelope_is_signed_by_the_certificates_key_and_a_revoked_certificate_cannot_bid(cas, world):
    from tests.trading.conftest import upload_bid
    from tests.trading.test_submission import _joined

    first, publish = cas.first, cas.publish
    bidder, key, own, one, two = two_sections_and_a_key(world)
    certificate, _ = issue(first, credit_code=bidder.organisation.credit_code, key=own)
    registered = certificate_register(user=bidder, certificate_pem=pem(certificate))
    _joined(world, bidder, one)
    _joined(world, bidder, two)

    accepted = upload_bid(world, bidder, one)
    assert accepted.status_code == 201, accepted.content
    from trading.models import Bid

    assert Bid.objects.get(section_id=one, organisation=bidder.organisation).signer_fingerprint == \
        registered.fingerprint == key.public_key.fingerprint

    first.revoked.append(certificate.serial_number)
    publish()
    refused = upload_bid(world, bidder, two)
    assert refused.status_code == 400 and "was revoked by its CA" in str(refused.json()), refused.content
    assert not Bid.objects.filter(section_id=two).exists()


def test_a_project_that_allows_no_key_files_refuses_a_bare_key_at_sign_in_and_bid(cas, world):
    """Key files stay possible where a project allows them (the default); unticked, the opening room's sign-in and
    the bid refuse a bare key with the reason, and take the same bidder's certificate."""
    import base64

    from bidding_room import services
    from tests import sealed
    from tests.bidding_room.factories import sealed_opening
    from tests.trading.conftest import upload_bid
    from tests.trading.test_submission import _joined, _published
    from trading.models import Project

    room = sealed_opening(bidders=3)
    Project.objects.filter(pk=room.session.section.project_id).update(key_files_allowed=False)
    services.session_open_due(session_id=room.session.pk)
    bare, holder = room.bidders[:2]

    def sign_in(person):
        challenge = services.signin_challenge(session=room.session, user=person)
        signature = sealing.signature_sign(sealed.private_keys[person.pk], challenge.encode())
        return services.bidder_sign_in(session=room.session, user=person,
                                       signature=base64.b64encode(signature).decode())

    with pytest.raises(ValidationError, match="accepts only a certificate"):
        sign_in(bare)
    own = serialization.load_pem_private_key(sealed.private_keys[holder.pk].pem("pw"), password=b"pw")
    certificate_register(user=holder, certificate_pem=pem(issue(cas.first, credit_code=holder.organisation.credit_code,
                                                                key=own)[0]))
    assert sign_in(holder).signed_in_at is not None

    project = _published(world)
    Project.objects.filter(pk=project["id"]).update(key_files_allowed=False)
    section = project["sections"][0]["id"]
    bidder = world.bidders[0]
    sealed.key_of(bidder)
    _joined(world, bidder, section)
    refused = upload_bid(world, bidder, section)
    assert refused.status_code == 400 and "accepts only a certificate" in str(refused.json()), refused.content


def test_an_envelope_embeds_the_signers_certificate_which_must_be_the_registered_one(cas, world, tmp_path, capsys):
    """The bidder tool's --certificate: the certificate rides in the signed header (an offline reader sees who
    signed); the platform takes it only when it is the registered certificate; a certificate of another key is
    refused by the tool."""
    from tests import sealed
    from tests.trading.conftest import upload_bid
    from tests.trading.test_submission import _joined
    from trading.models import Bid

    bidder, key, own, one, two = two_sections_and_a_key(world)
    registered, _ = issue(cas.first, credit_code=bidder.organisation.credit_code, key=own)
    unregistered, _ = issue(cas.second, credit_code=bidder.organisation.credit_code, key=own)
    certificate_register(user=bidder, certificate_pem=pem(registered))
    _joined(world, bidder, one)
    _joined(world, bidder, two)

    der = registered.public_bytes(serialization.Encoding.DER)
    accepted = upload_bid(world, bidder, one, content=sealed.envelope_for(one, bidder, certificate=der))
    assert accepted.status_code == 201, accepted.content
    other = unregistered.public_bytes(serialization.Encoding.DER)
    refused_bid = upload_bid(world, bidder, two, content=sealed.envelope_for(two, bidder, certificate=other))
    assert refused_bid.status_code == 400 and "not the one you registered" in str(refused_bid.json())
    assert not Bid.objects.filter(section_id=two).exists()

    stranger, _ = issue(cas.first, credit_code=bidder.organisation.credit_code)
    tool_seals_with(tmp_path, capsys, key, registered, stranger)


def tool_seals_with(tmp_path, capsys, key: sealing.PrivateKey, certificate, stranger) -> str:
    """The bidder tool seals with ``key`` embedding ``certificate`` (--certificate) and ``inspect`` shows the
    certificate (what it printed is returned); it refuses ``stranger``, a certificate of another key."""
    from sealing.cli import main

    key_file, cert_file, opening = tmp_path / "key.pem", tmp_path / "me.cer", tmp_path / "opening.pem"
    key_file.write_bytes(key.pem("a passphrase 2026"))
    cert_file.write_text(pem(certificate))
    opening.write_text(sealing.keypair_generate(key.suite).public_key.pem())
    (tmp_path / "pass").write_text("a passphrase 2026")
    common = ["seal", "--price", "100.00", "--opening-key", str(opening), "--key", str(key_file),
              "--passphrase-file", str(tmp_path / "pass"), "--certificate", str(cert_file)]
    assert main([*common, "--out", str(tmp_path / "a.env")]) == 0
    assert main(["inspect", "--verify", str(tmp_path / "a.env")]) == 0
    shown = capsys.readouterr().out
    assert f"serial {certificate.serial_number:x}" in shown, shown
    cert_file.write_text(pem(stranger))
    assert main([*common, "--out", str(tmp_path / "b.env")]) == 2
    assert "not the certificate of this private key" in capsys.readouterr().err
    return shown
