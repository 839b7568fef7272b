"""Browser sealing (static/js/sealing.js) in real Chromium, opened by the Python package."""

import functools
import os
import shutil
import threading
from decimal import Decimal
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import blake3
import pytest

from sealing import envelope_open, envelope_verify, keypair_generate
from tests.browser import CHROMIUM, CHROMIUM_ARGS

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parents[2]
PASSPHRASE = "bidder passphrase"
PAGE = """<!doctype html><meta charset="utf-8"><title>seal</title>
<input type="file" id="document">
<script type="module">
import * as sealing from "/sealing.js";
import { blake3 } from "/blake3.js";
window.sealing = sealing;
window.blake3 = blake3;
window.sealAndUpload = async ({ keyPem, passphrase, openingPem, summary, chunkSize, labels }) => {
  const signer = await sealing.privateKeyFromPem(keyPem, passphrase);
  const file = document.getElementById("document").files[0];
  const envelope = await sealing.sealEnvelope({
    summary, labels, chunkSize, signer, openingKey: sealing.publicKeyFromPem(openingPem),
    documents: [{ name: file.name, blob: file }, { name: "说明.txt", blob: new Blob(["附件说明"]) }],
  });
  const response = await fetch("/upload", { method: "POST", body: envelope });
  return response.status;
};
window.sealingReady = true;
</script>"""


class _Handler(SimpleHTTPRequestHandler):
    uploads: list[bytes]

    def do_POST(self):  # noqa: N802 - http.server's naming
        self.uploads.append(self.rfile.read(int(self.headers["Content-Length"])))
        self.send_response(201)
        self.end_headers()

    def log_message(self, *args):
        pass


@pytest.fixture
def site(tmp_path):
    folder = tmp_path / "site"
    folder.mkdir()
    for module in ("sealing.js", "blake3.js"):
        shutil.copy(ROOT / "static" / "js" / module, folder / module)
    (folder / "index.html").write_text(PAGE, encoding="utf-8")
    uploads: list[bytes] = []
    handler = type("Handler", (_Handler,), {"uploads": uploads})
    server = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(handler, directory=str(folder)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/index.html", uploads
    server.shutdown()
    server.server_close()


@pytest.fixture
def page():
    if not os.path.exists(CHROMIUM):
        pytest.fail(f"Chromium is missing at {CHROMIUM}: run `make chromium` (apt-get install -y chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser.new_page()
        browser.close()


@pytest.mark.parametrize("chunk_size", [1 << 20, 4096])
def test_browser_envelope_opens_in_python_and_never_sends_the_price(tmp_path, site, page, chunk_size):
    url, uploads = site
    bidder, opening = keypair_generate("intl"), keypair_generate("intl")
    document = tmp_path / "投标文件.pdf"
    document.write_bytes(b"%PDF-1.7\n" + os.urandom(3 * 1024 * 1024 + 123))
    bodies: list[bytes] = []
    page.on("request", lambda request: bodies.append(request.post_data_buffer or b""))
    page.goto(url)
    page.wait_for_function("window.sealingReady === true")
    page.set_input_files("#document", str(document))

    status = page.evaluate(
        "args => window.sealAndUpload(args)",
        {
            "keyPem": bidder.pem(PASSPHRASE).decode(),
            "passphrase": PASSPHRASE,
            "openingPem": opening.public_key.pem(),
            "summary": {"price": "98765432.10", "duration": "400日历天", "quality": "优良",
                        "project_manager": "赵六", "fields": {"下浮率": "3.5%"}},
            "chunkSize": chunk_size,
            "labels": {"deal_code": "D2025-009", "section_code": "S002"},
        },
    )

    assert status == 201 and len(uploads) == 1
    envelope = tmp_path / "from-browser.sealed"
    envelope.write_bytes(uploads[0])
    assert all(b"98765432.10" not in body and "赵六".encode() not in body for body in bodies)
    info = envelope_verify(envelope)
    assert info.version == 2
    assert info.signer == bidder.public_key and info.labels == {"deal_code": "D2025-009", "section_code": "S002"}
    assert info.chunk_size == chunk_size and info.chunk_count == document.stat().st_size // chunk_size + 1
    for holder, key in (("opening", opening), ("bidder", bidder)):
        opened = envelope_open(envelope, key=key, dest=tmp_path / holder)
        assert opened.summary.price == Decimal("98765432.10")
        assert opened.summary.fields == {"下浮率": "3.5%"} and opened.summary.project_manager == "赵六"
        assert (tmp_path / holder / "documents" / "投标文件.pdf").read_bytes() == document.read_bytes()
        assert (tmp_path / holder / "documents" / "说明.txt").read_text(encoding="utf-8") == "附件说明"


def test_browser_refuses_a_wrong_passphrase_and_a_float_price(site, page):
    url, _ = site
    bidder = keypair_generate("intl")
    page.goto(url)
    page.wait_for_function("window.sealingReady === true")

    wrong = page.evaluate(
        "async ([pem]) => { try { await window.sealing.privateKeyFromPem(pem, 'wrong'); return 'opened'; }"
        " catch (e) { return e.message; } }",
        [bidder.pem(PASSPHRASE).decode()],
    )
    float_price = page.evaluate(
        "async ([pem, pass, opening]) => { const signer = await window.sealing.privateKeyFromPem(pem, pass);"
        " try { await window.sealing.sealEnvelope({ summary: { price: 12.5 }, signer,"
        " openingKey: window.sealing.publicKeyFromPem(opening) }); return 'sealed'; }"
        " catch (e) { return e.message; } }",
        [bidder.pem(PASSPHRASE).decode(), PASSPHRASE, bidder.public_key.pem()],
    )

    assert "passphrase does not open" in wrong
    assert "decimal string" in float_price


BLAKE3_LENGTHS = [0, 1, 63, 64, 65, 1023, 1024, 1025, 2048, 2049, 3072, 31745, (1 << 20) + 24]


def test_browser_blake3_matches_the_python_package(site, page):
    """Lengths around the 64-byte block and 1024-byte chunk edges, and trees of several chunks and parent nodes."""
    url, _ = site
    page.goto(url)
    page.wait_for_function("window.sealingReady === true")

    digests = page.evaluate(
        "lengths => lengths.map((n) => { const bytes = new Uint8Array(n);"
        " for (let i = 0; i < n; i++) bytes[i] = (i * 7 + (i >> 8)) % 251;"
        " return Array.from(window.blake3(bytes), (b) => b.toString(16).padStart(2, '0')).join(''); })",
        BLAKE3_LENGTHS,
    )

    expected = [
        blake3.blake3(bytes((i * 7 + (i >> 8)) % 251 for i in range(n))).hexdigest() for n in BLAKE3_LENGTHS
    ]
    assert dict(zip(BLAKE3_LENGTHS, digests, strict=True)) == dict(zip(BLAKE3_LENGTHS, expected, strict=True))
