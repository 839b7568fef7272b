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
from tests.trading.test_certificates import refused
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
