"""unwrapContentKey (static/js/sealing.js) in real Chromium: the bidder's browser recovers the key it releases."""

import base64

import pytest

from sealing import content_key_unwrap, envelope_open, envelope_seal, keypair_generate
from tests.sealing.test_browser import PASSPHRASE, page, site  # noqa: F401 - the fixtures

pytestmark = pytest.mark.browser


def test_the_browser_unwraps_the_same_content_key_that_opens_the_envelope(tmp_path, site, page):  # noqa: F811
    url, _ = site
    bidder, opening, other = keypair_generate("intl"), keypair_generate("intl"), keypair_generate("intl")
    envelope = tmp_path / "bid.sealed"
    envelope_seal(envelope, summary={"price": "1234.50"}, documents=[("a.txt", b"abc" * 1000)], signer=bidder,
                  opening_key=opening.public_key, chunk_size=1024)
    page.goto(url)
    page.wait_for_function("window.sealingReady === true")
    script = ("async ([pem, pass, data]) => { const key = await window.sealing.privateKeyFromPem(pem, pass);"
              " const bytes = Uint8Array.from(atob(data), (c) => c.charCodeAt(0));"
              " try { const k = await window.sealing.unwrapContentKey(new Blob([bytes]), key);"
              " return btoa(String.fromCharCode(...k)); } catch (e) { return 'error: ' + e.message; } }")
    data = base64.b64encode(envelope.read_bytes()).decode()

    unwrapped = page.evaluate(script, [bidder.pem(PASSPHRASE).decode(), PASSPHRASE, data])
    refused = page.evaluate(script, [other.pem(PASSPHRASE).decode(), PASSPHRASE, data])

    content_key = base64.b64decode(unwrapped)
    assert content_key == content_key_unwrap(envelope, key=bidder)
    opened = envelope_open(envelope, content_key=content_key, dest=tmp_path / "opened")
    assert str(opened.summary.price) == "1234.50"
    assert refused.startswith("error:") and "not sealed to your key" in refused
