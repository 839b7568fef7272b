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


def test_the_browser_opens_a_custodians_share_and_key_check_as_the_bidder_tool_does(site, page):  # noqa: F811
    from sealing import Share, challenge_make, key_combine, key_split, share_decrypt

    url, _ = site
    custodian, other, opening = keypair_generate("intl"), keypair_generate("intl"), keypair_generate("intl")
    sealed_key, shares = key_split(opening, [custodian.public_key, other.public_key], threshold=2)
    page.goto(url)
    page.wait_for_function("window.sealingReady === true")
    script = ("async ([pem, pass, share]) => { try { const key = await window.sealing.privateKeyFromPem(pem, pass);"
              " return await window.sealing.shareDecrypt(share, key); } catch (e) { return 'error: ' + e.code; } }")

    def opened_in_browser(key, share, passphrase=PASSPHRASE, pem=None):
        return page.evaluate(script, [pem or key.pem(PASSPHRASE).decode(), passphrase, share])

    # the browser opens each custodian's share exactly as the reference implementation does ...
    mine = [opened_in_browser(key, share.to_dict()) for key, share in zip((custodian, other), shares, strict=True)]
    for opened, key, share in zip(mine, (custodian, other), shares, strict=True):
        expected = share_decrypt(key, share)
        assert opened == {"key_id": expected.key_id, "index": expected.index, "threshold": 2,
                          "secret": expected.secret.hex()}
    # ... so the shares it opened recombine the opening key
    recovered = key_combine(sealed_key, [Share(o["key_id"], o["index"], o["threshold"], bytes.fromhex(o["secret"]))
                                         for o in mine])
    assert recovered.public_key == opening.public_key
    # and a key check the same way
    check, secret = challenge_make(custodian.public_key)
    assert opened_in_browser(custodian, check.to_dict())["secret"] == secret.hex()
    # every refusal has its code, for the page to say it in its own language
    record = shares[0].to_dict()
    assert opened_in_browser(other, record) == "error: wrong-key"
    assert opened_in_browser(custodian, record, passphrase="not it") == "error: bad-passphrase"
    assert opened_in_browser(custodian, record, pem=custodian.public_key.pem()) == "error: not-a-key-file"
    assert opened_in_browser(custodian, record, pem="%PDF-1.7 not a key") == "error: not-a-key-file"
    gm = keypair_generate("gm")
    assert opened_in_browser(gm, record) == "error: gm-key"
    assert opened_in_browser(custodian, {**record, "index": 2}) == "error: damaged"
    assert opened_in_browser(custodian, {"receipt_id": "not a share"}) == "error: not-a-share"
