"""Every PDF the platform makes carries its PAdES signature: pyHanko's validator and Poppler's pdfsig name the
platform as the signer and find the document intact; one changed byte anywhere is caught."""

import io
import secrets
import subprocess

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from django.core.exceptions import ImproperlyConfigured

from core import pdf, pdf_signing
from tests.pdfcheck import pdf_read, pdfsig
from tests.servers import manage


def a_document() -> bytes:
    return pdf.document_build([pdf.title("开标记录 · 签章"), pdf.fields([("投标报价", "1,330,602,881.77 元")])],
                              title="开标记录")


def test_a_built_document_is_signed_by_the_platform_certificate_and_verifies():
    data = a_document()

    verdict = pdf_signing.document_verify(data)
    assert verdict.valid, verdict
    assert pdf_signing.SIGNER_NAME in verdict.signer and verdict.problem == ""
    report = pdfsig(data, name="signed-document")
    assert f"Common Name: {pdf_signing.SIGNER_NAME}" in report
    assert "Signature is Valid" in report and "Total document signed" in report
    assert "ETSI.CAdES.detached" in report  # PAdES, not the older adbe.pkcs7.detached
    pdf_read(data, name="signed-document")  # still renders, fonts embedded


def test_the_layout_stays_reproducible_and_the_signature_is_an_update_over_it():
    story = [pdf.title("评标报告"), pdf.text("专家 · 组长")]
    layout = pdf.document_layout(story, title="评标报告")
    assert layout == pdf.document_layout(story, title="评标报告")
    signed = pdf_signing.document_sign(layout)
    assert signed.startswith(layout)  # an incremental update: the laid-out bytes are kept as they were


def flipped(data: bytes, at: int) -> bytes:
    changed = bytearray(data)
    changed[at] ^= 0x01
    return bytes(changed)


def hex_changed(data: bytes, value: bytes, offset: int) -> bytes:
    """``data`` with one hex digit of ``value``'s place in the signature's /Contents replaced by another digit."""
    at = data.lower().index(value.hex().encode()) + offset
    digit = data[at:at + 1].lower()
    return data[:at] + (b"0" if digit != b"0" else b"1") + data[at + 1:]


def test_one_changed_byte_anywhere_is_caught():
    from pyhanko.pdf_utils.reader import PdfFileReader

    data = a_document()
    start = data.index(b"/Contents <") + len(b"/Contents <")
    end = data.index(b">", start)
    covered = [at for at in range(0, len(data), max(len(data) // 60, 1)) if not start <= at < end]
    for at in [*covered, data.index(b"/Title"), data.index(b"stream") + 20, len(data) - 40]:
        verdict = pdf_signing.document_verify(flipped(data, at))
        assert not verdict.valid and verdict.problem, (at, data[at - 20:at + 20])

    signature = PdfFileReader(io.BytesIO(data)).embedded_signatures[0]
    value = signature.signer_info["signature"].native
    key = signature.signer_cert.public_key.dump()
    for what, changed in {"signature value": hex_changed(data, value, 20),
                          "signer's public key": hex_changed(data, key, len(key.hex()) - 10)}.items():
        verdict = pdf_signing.document_verify(changed)
        assert not verdict.intact and not verdict.valid, what
    appended = data + b"\n% an added line\n"
    assert not pdf_signing.document_verify(appended).covers_whole_file

    report = pdfsig(flipped(data, data.index(b"stream") + 20), name="changed-document", check=False)
    assert "Signature is Valid" not in report


def test_a_reader_who_trusts_another_root_is_told_the_signer_is_not_trusted():
    stranger = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(x509.oid.NameOID.COMMON_NAME, "Another CA")])
    root = pdf_signing.certificate_issue(subject=name, public_key=stranger.public_key(), issuer=name,
                                         issuer_key=stranger, ca=True, days=30)
    verdict = pdf_signing.document_verify(a_document(), trust_roots=[root])
    assert verdict.intact and not verdict.trusted and not verdict.valid
    assert "not trusted" in verdict.problem


def test_the_platform_ca_is_published_for_readers(client):
    response = client.get("/pki/platform-ca.pem")
    assert response.status_code == 200
    root = x509.load_pem_x509_certificates(response.content)[-1]
    assert root == pdf_signing.signing_identity().root
    assert "仅供测试" in root.subject.rfc4514_string()  # the embedded default says what it is


@pytest.fixture
def configured(tmp_path, settings):
    """A platform CA and signing certificate made as an operator would (``manage.py pdf_signing_setup``)."""
    passphrase = secrets.token_urlsafe(24)
    result = manage("pdf_signing_setup", str(tmp_path / "pki"), "--root-name", "测试省公共资源交易平台 根证书",
                    env={"SUNSHINE_PDF_SIGNING_KEY_PASSPHRASE": passphrase})
    assert result.returncode == 0, result.stderr
    lines = dict(line.split("=", 1) for line in result.stdout.splitlines() if not line.startswith("#"))
    settings.PDF_SIGNING_KEY_FILE = lines["SUNSHINE_PDF_SIGNING_KEY"]
    settings.PDF_SIGNING_CERT_FILE = lines["SUNSHINE_PDF_SIGNING_CERT"]
    settings.PDF_SIGNING_CHAIN_FILE = lines["SUNSHINE_PDF_SIGNING_CHAIN"]
    settings.PDF_SIGNING_KEY_PASSPHRASE = passphrase
    return {**lines, "SUNSHINE_PDF_SIGNING_KEY_PASSPHRASE": passphrase}


def test_a_configured_ca_signs_and_the_setup_command_refuses_to_overwrite(configured, tmp_path):
    data = a_document()
    verdict = pdf_signing.document_verify(data)
    assert verdict.valid, verdict
    assert pdf_signing.signing_identity().root.subject.rfc4514_string().startswith("CN=测试省公共资源交易平台 根证书")
    again = manage("pdf_signing_setup", str(tmp_path / "pki"), env={"SUNSHINE_PDF_SIGNING_KEY_PASSPHRASE": "x" * 20})
    assert again.returncode != 0 and "not empty" in again.stderr
    weak = manage("pdf_signing_setup", str(tmp_path / "other"), env={"SUNSHINE_PDF_SIGNING_KEY_PASSPHRASE": "short"})
    assert weak.returncode != 0 and "16 characters" in weak.stderr


def test_a_wrong_configuration_is_refused_with_what_is_wrong(configured, settings, tmp_path):
    settings.PDF_SIGNING_KEY_PASSPHRASE = "not the passphrase"
    with pytest.raises(ImproperlyConfigured, match="wrong passphrase"):
        a_document()
    settings.PDF_SIGNING_KEY_PASSPHRASE = configured["SUNSHINE_PDF_SIGNING_KEY_PASSPHRASE"]

    other = ec.generate_private_key(ec.SECP256R1())
    other_path = tmp_path / "other-key.pem"
    other_path.write_bytes(other.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                               serialization.NoEncryption()))
    settings.PDF_SIGNING_KEY_FILE = str(other_path)
    with pytest.raises(ImproperlyConfigured, match="is not the key"):
        a_document()
    settings.PDF_SIGNING_KEY_FILE = configured["SUNSHINE_PDF_SIGNING_KEY"]

    settings.PDF_SIGNING_CHAIN_FILE = configured["SUNSHINE_PDF_SIGNING_CERT"]  # the leaf, not the CA
    with pytest.raises(ImproperlyConfigured, match="is not issued by"):
        a_document()
    settings.PDF_SIGNING_CHAIN_FILE = ""
    with pytest.raises(ImproperlyConfigured, match="missing: PDF_SIGNING_CHAIN_FILE"):
        a_document()
    settings.PDF_SIGNING_CHAIN_FILE = str(tmp_path / "nowhere.pem")
    with pytest.raises(ImproperlyConfigured, match="cannot read"):
        a_document()


def test_production_refuses_to_start_without_a_configured_ca_and_starts_with_one(configured):
    production = {"SUNSHINE_ENV": "production", "DJANGO_SECRET_KEY": secrets.token_urlsafe(64),
                  "ALLOWED_HOSTS": "ggzy.example.gov.cn"}
    refused = manage("check", env={**production, "SUNSHINE_PDF_SIGNING_KEY": "", "SUNSHINE_PDF_SIGNING_CERT": "",
                                   "SUNSHINE_PDF_SIGNING_CHAIN": ""})
    assert refused.returncode != 0
    assert "SUNSHINE_PDF_SIGNING_KEY, SUNSHINE_PDF_SIGNING_CERT, SUNSHINE_PDF_SIGNING_CHAIN" in refused.stderr
    started = manage("check", env={**production, **configured})
    assert started.returncode == 0, started.stderr


def test_signing_under_a_running_event_loop_works():
    import asyncio

    async def inside() -> bytes:
        return a_document()

    assert pdf_signing.document_verify(asyncio.run(inside())).valid


def test_pdfsig_is_installed():
    assert subprocess.run(["pdfsig", "-v"], capture_output=True).returncode == 0


@pytest.mark.slow
def test_a_signed_pdf_still_renders_in_chromiums_viewer():
    """The signed file opened in Chromium's own PDF viewer: the page is drawn, with its text (dark pixels on the
    white page), and the viewer's title bar reads the document's title."""
    import http.server
    import threading

    from PIL import Image
    from playwright.sync_api import sync_playwright

    data = a_document()

    class Serve(http.server.BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802 (the standard library's name)
            self.send_response(200 if self.path == "/record.pdf" else 404)
            self.send_header("Content-Type", "application/pdf")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Serve)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    shot = pdf_read(data, name="signed-in-chromium").pages[0].parent / "chromium.png"
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=[
            "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
            "--disable-sync", "--no-first-run"])
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 720})
            page.goto(f"http://127.0.0.1:{server.server_address[1]}/record.pdf")
            ink = white = 0
            for _attempt in range(120):  # the viewer draws the page asynchronously: look until it has
                page.screenshot(path=str(shot))
                with Image.open(shot) as image:
                    counts = image.convert("L").crop((400, 80, 1180, 200)).histogram()  # the page's top
                white, ink, total = sum(counts[246:]), sum(counts[:100]), sum(counts)
                if white > total // 2 and ink > 50:
                    break
                page.wait_for_timeout(250)
            assert white > total // 2 and ink > 50, (white, ink)
            assert any(frame.url.startswith("chrome-extension://") for frame in page.frames)
        finally:
            browser.close()
            server.shutdown()
