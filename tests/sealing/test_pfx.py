"""The bidder tool's pfx-import: the private key and the certificate out of the PKCS#12 file a CA delivers, SM2 or
ECDSA P-256, in the encryptions CA tools write (PBES2/AES; the older 3DES and 40-bit RC2); a wrong passphrase or a
file of another kind is refused with the reason, and nothing is written over."""

import shutil
import subprocess

import pytest
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.serialization import pkcs12

import sealing
from sealing.cli import main
from tests.certificates import authority, issue, pem
from trading.services.certificates import certificate_key

PASSPHRASE = "pfx passphrase 2026"
OPENSSL = shutil.which("openssl")


def imported(tmp_path, capsys, pfx: bytes, passphrase: str = PASSPHRASE) -> tuple[int, str]:
    (tmp_path / "my.pfx").write_bytes(pfx)
    (tmp_path / "pass").write_text(passphrase)
    code = main(["pfx-import", str(tmp_path / "my.pfx"), "--private", str(tmp_path / "key.pem"), "--certificate",
                 str(tmp_path / "me.cer"), "--passphrase-file", str(tmp_path / "pass")])
    out = capsys.readouterr()
    return code, out.out + out.err


def p256_pfx(certificate, key, encryption) -> bytes:
    return pkcs12.serialize_key_and_certificates(b"me", key, certificate, None, encryption)


@pytest.mark.parametrize("scheme", ["PBES2 (AES-256)", "3DES"])
def test_a_p256_pfx_gives_the_key_file_and_the_certificate(tmp_path, capsys, scheme):
    certificate, key = issue(authority("测试国家电子认证服务中心"), credit_code="91350100M000100Y43")
    encryption = (serialization.BestAvailableEncryption(PASSPHRASE.encode()) if scheme.startswith("PBES2") else
                  serialization.PrivateFormat.PKCS12.encryption_builder().kdf_rounds(2048).key_cert_algorithm(
                      pkcs12.PBES.PBESv1SHA1And3KeyTripleDESCBC).hmac_hash(hashes.SHA1()).build(PASSPHRASE.encode()))

    code, said = imported(tmp_path, capsys, p256_pfx(certificate, key, encryption))

    assert code == 0, said
    written = sealing.private_key_load((tmp_path / "key.pem").read_bytes(), PASSPHRASE)
    assert written.suite == "intl" and written.public_key == certificate_key(certificate)
    assert (tmp_path / "me.cer").read_text() == pem(certificate)
    assert (tmp_path / "key.pem").stat().st_mode & 0o077 == 0


def test_a_wrong_passphrase_another_file_or_an_existing_output_is_refused(tmp_path, capsys):
    certificate, key = issue(authority("测试国家电子认证服务中心"), credit_code="91350100M000100Y43")
    pfx = p256_pfx(certificate, key, serialization.BestAvailableEncryption(PASSPHRASE.encode()))
    code, said = imported(tmp_path, capsys, pfx, passphrase="not it")
    assert code == 2 and "the passphrase does not open this .pfx file" in said
    code, said = imported(tmp_path, capsys, pem(certificate).encode())
    assert code == 2 and "not a PKCS#12 (.pfx/.p12) file" in said
    assert not (tmp_path / "key.pem").exists() and not (tmp_path / "me.cer").exists()
    (tmp_path / "key.pem").write_text("mine")
    code, said = imported(tmp_path, capsys, pfx)
    assert code == 2 and "already exists" in said and (tmp_path / "key.pem").read_text() == "mine"


@pytest.mark.skipif(OPENSSL is None, reason="OpenSSL's command line makes the SM2 .pfx (cryptography cannot)")
@pytest.mark.parametrize("legacy", [False, True], ids=["PBES2", "legacy 3DES and RC2-40"])
def test_an_sm2_pfx_made_by_openssl_gives_the_sm2_key_and_its_certificate(tmp_path, capsys, legacy):
    certificate, key = issue(authority("测试商用密码数字证书认证中心", suite="gm"), credit_code="91350100M000100Y43")
    (tmp_path / "in.key").write_bytes(key.pem(PASSPHRASE))
    (tmp_path / "in.cer").write_text(pem(certificate))
    made = subprocess.run([OPENSSL, "pkcs12", "-export", *(["-legacy"] if legacy else []), "-inkey",
                           str(tmp_path / "in.key"), "-in", str(tmp_path / "in.cer"), "-passin",
                           f"pass:{PASSPHRASE}", "-passout", f"pass:{PASSPHRASE}", "-out", str(tmp_path / "out.pfx")],
                          capture_output=True, text=True, check=False)
    if legacy and made.returncode != 0:
        pytest.skip(f"this OpenSSL has no legacy provider: {made.stderr.strip()[:120]}")
    assert made.returncode == 0, made.stderr

    code, said = imported(tmp_path, capsys, (tmp_path / "out.pfx").read_bytes())

    assert code == 0, said
    assert "suite:       gm (SM2)" in said
    written = sealing.private_key_load((tmp_path / "key.pem").read_bytes(), PASSPHRASE)
    assert written.scalar == key.scalar and written.public_key == certificate_key(certificate)
    assert (tmp_path / "me.cer").read_text() == pem(certificate)


@pytest.mark.django_db
def test_the_certificate_page_refuses_a_pfx_as_what_it_is_and_keeps_only_its_hash():
    import hashlib

    from django.core.exceptions import ValidationError
    from django.utils import translation

    from accounts.models import Role
    from audit.models import AuditEvent
    from tests import factories
    from trading.services.keys import certificate_register

    bidder = factories.user(role=Role.BIDDER)

    certificate, key = issue(authority("测试国家电子认证服务中心"), credit_code=bidder.organisation.credit_code)
    pfx = p256_pfx(certificate, key, serialization.BestAvailableEncryption(PASSPHRASE.encode()))
    with translation.override("zh-hans"), pytest.raises(ValidationError) as refused:
        certificate_register(user=bidder, certificate_pem=pfx)
    assert "投标工具" in str(refused.value) and "私钥" in str(refused.value), refused.value
    record = AuditEvent.objects.get(action="trading.certificate.refuse")
    assert record.payload["sha256"] == hashlib.sha256(pfx).hexdigest() and "subject" not in record.payload
