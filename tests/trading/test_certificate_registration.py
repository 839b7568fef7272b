"""Registering a certificate on its page and through the API: a bidder's and an expert's; every wrong certificate
is refused with its reason in Chinese (English when asked), nothing half-registered, and the refusal recorded."""

import base64
import datetime as dt

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from django.urls import reverse
from rest_framework.test import APIClient

from accounts.models import Role
from audit.models import AuditEvent
from tests import factories
from tests.certificates import NOW, authority, issue, pem
from tests.expert_pool.factories import expert as make_expert
from trading.models import BidderKey

pytestmark = pytest.mark.django_db


def page(client, user, *, language: str = "zh-hans"):
    client.force_login(user)
    client.cookies["django_language"] = language
    return client


def post(client, data: bytes | str, *, as_file: bool = True):
    if as_file:
        from django.core.files.uploadedfile import SimpleUploadedFile

        upload = SimpleUploadedFile("bidder.cer", data if isinstance(data, bytes) else data.encode())
        return client.post(reverse("trading:certificate"), {"certificate_file": upload}, follow=True)
    return client.post(reverse("trading:certificate"), {"certificate": data}, follow=True)


def messages_of(response) -> str:
    return " ".join(str(m) for m in response.context["messages"])


def other_key_certificate(ca, *, credit_code: str, key) -> x509.Certificate:
    name = x509.Name([x509.NameAttribute(x509.oid.NameOID.COMMON_NAME, "测试"),
                      x509.NameAttribute(x509.oid.NameOID.SERIAL_NUMBER, credit_code)])
    return (x509.CertificateBuilder().subject_name(name).issuer_name(ca.name()).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(NOW - dt.timedelta(hours=1))
            .not_valid_after(NOW + dt.timedelta(days=30)).sign(ca.key, hashes.SHA256()))


def test_a_bidder_registers_its_certificate_on_the_page_and_sees_it(client, cas, bidder):
    certificate, _ = issue(cas.first, credit_code=bidder.organisation.credit_code)
    page(client, bidder)

    shown = post(client, certificate.public_bytes(serialization.Encoding.DER))  # a DER .cer file

    text = shown.content.decode()
    assert "证书已登记" in messages_of(shown), messages_of(shown)
    assert f"{certificate.serial_number:x}" in text
    assert "当前有效" in text and bidder.organisation.credit_code in text
    assert "测试国家电子认证服务中心" in text  # the CAs the platform accepts are listed
    key = BidderKey.objects.get(user=bidder, revoked_at=None)
    assert key.certificate_serial == f"{certificate.serial_number:x}"
    registered = AuditEvent.objects.filter(action="trading.key.register").last()
    assert registered.payload["certificate_serial"] == key.certificate_serial
    assert registered.source == "web" and registered.actor_label == bidder.username

    # once the CA revokes it, the page says so, with the reason
    cas.revoke(certificate)
    again = client.get(reverse("trading:certificate"))
    assert "该证书已不能使用" in again.content.decode() and "被签发机构吊销" in again.content.decode()


@pytest.mark.parametrize("case, reason_zh, reason_en", [
    ("expired", "已于", "expired on"),
    ("revoked", "被签发机构吊销", "was revoked by its CA"),
    ("foreign", "不是平台认可的 CA 签发的", "No CA the platform accepts issued this certificate"),
    ("mismatch", "请使用本单位的证书", "Use your own organisation's certificate"),
    ("not a certificate", "不是 X.509 证书", "is not an X.509 certificate"),
    ("private key", "私钥", "PRIVATE key"),
    ("P-384 key", "也不是 ECDSA P-256", "neither SM2 nor ECDSA P-256"),
    ("RSA key", "也不是 ECDSA P-256", "neither SM2 nor ECDSA P-256"),
])
def test_every_wrong_certificate_is_refused_on_the_page_with_its_reason(client, cas, bidder, case, reason_zh,
                                                                         reason_en):
    code = bidder.organisation.credit_code
    if case == "expired":
        data = pem(issue(cas.first, credit_code=code, start=NOW - dt.timedelta(days=400))[0])
    elif case == "revoked":
        revoked, _ = issue(cas.second, credit_code=code)
        cas.revoke(revoked, by=cas.second)
        data = pem(revoked)
    elif case == "foreign":
        data = pem(issue(authority("未配置的证书机构"), credit_code=code)[0])
    elif case == "mismatch":
        data = pem(issue(cas.first, credit_code=factories.organisation().credit_code)[0])
    elif case == "not a certificate":
        data = "这不是证书"
    elif case == "private key":
        data = ec.generate_private_key(ec.SECP256R1()).private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()).decode()
    elif case == "P-384 key":
        data = pem(other_key_certificate(cas.first, credit_code=code, key=ec.generate_private_key(ec.SECP384R1())))
    else:
        data = pem(other_key_certificate(cas.first, credit_code=code,
                                         key=rsa.generate_private_key(public_exponent=65537, key_size=2048)))
    before = AuditEvent.objects.filter(action="trading.certificate.refuse").count()

    refused = post(page(client, bidder), data, as_file=case != "not a certificate")

    assert refused.status_code == 200
    assert reason_zh in messages_of(refused), messages_of(refused)
    assert not BidderKey.objects.filter(user=bidder).exists()  # nothing half-registered
    record = AuditEvent.objects.filter(action="trading.certificate.refuse").order_by("seq").last()
    assert AuditEvent.objects.filter(action="trading.certificate.refuse").count() == before + 1
    assert reason_zh in " ".join(record.payload["reasons"]) and record.payload["user"] == bidder.username
    assert "PRIVATE" not in str(record.payload)  # a private key's bytes are never recorded, only their hash

    english = post(page(client, bidder, language="en"), data, as_file=case != "not a certificate")
    assert reason_en in messages_of(english), messages_of(english)


def test_an_expert_registers_a_personal_certificate_naming_its_number(client, cas):
    expert = make_expert()
    person = expert.user
    mine, _ = issue(cas.second, person_code=f"PNOCN-{expert.id_number}")
    theirs, _ = issue(cas.second, person_code="T-999999")
    page(client, person)

    refused = post(client, pem(theirs))
    assert "不是签发给您的" in messages_of(refused) and expert.id_number in messages_of(refused)
    assert reverse("trading:certificate") in client.get(reverse("expert_pool:profile")).content.decode()  # menu

    accepted = post(client, pem(mine))
    assert "证书已登记" in messages_of(accepted)
    assert BidderKey.objects.get(user=person, revoked_at=None).certificate_serial == f"{mine.serial_number:x}"


def test_a_person_linked_to_no_organisation_or_expert_record_is_told_so(client, cas):
    official = factories.user(role=Role.OFFICIAL)
    refused = post(page(client, official), pem(issue(cas.first, credit_code="91310000MA1FL0XX1X")[0]))
    assert "请先联系平台关联您的账户" in messages_of(refused)


def test_the_api_registers_pem_der_and_files_and_refuses_in_the_house_shape(cas, bidder):
    api = APIClient()
    api.force_authenticate(bidder)
    url = reverse("api-trading-certificate")
    assert api.get(url).status_code == 404

    first, _ = issue(cas.first, credit_code=bidder.organisation.credit_code)
    created = api.post(url, {"certificate": pem(first)}, format="json")
    assert created.status_code == 201, created.content
    assert created.json()["serial"] == f"{first.serial_number:x}" and created.json()["valid"] is True

    second, _ = issue(cas.second, credit_code=bidder.organisation.credit_code)
    der = base64.b64encode(second.public_bytes(serialization.Encoding.DER)).decode()
    assert api.post(url, {"certificate": der}, format="json").status_code == 201
    assert api.get(url).json()["serial"] == f"{second.serial_number:x}"

    cas.revoke(second, by=cas.second)
    shown = api.get(url).json()
    assert shown["valid"] is False and "was revoked by its CA" in shown["problem"]

    foreign, _ = issue(authority("未配置的证书机构"), credit_code=bidder.organisation.credit_code)
    refused = api.post(url, {"certificate": pem(foreign)}, format="json", HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert refused.status_code == 400
    assert "不是平台认可的 CA 签发的" in refused.json()["errors"]["certificate"][0], refused.json()
    nothing = api.post(url, {}, format="json")
    assert nothing.status_code == 400 and "certificate" in nothing.json()["errors"]
