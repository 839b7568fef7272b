"""The bidder tool end to end, run as a separate process as a bidder would."""

import json
import os
import subprocess
import sys
from datetime import UTC, datetime
from hashlib import sha256
from pathlib import Path

import pytest

from sealing import envelope_open, keypair_generate, private_key_load, receipt_sign

ROOT = Path(__file__).resolve().parents[2]
PASSPHRASE = "correct horse battery"


def run(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "SEALING_PASSPHRASE": PASSPHRASE, "PYTHONPATH": str(ROOT)}
    return subprocess.run([sys.executable, "-m", "sealing", *args], cwd=cwd, env=env, capture_output=True,
                          text=True, timeout=120)


@pytest.mark.parametrize("suite", ["intl", "gm"])
def test_keygen_seal_inspect_open(tmp_path, suite):
    given = run("keygen", "--suite", suite, "--private", "me.pem", "--public", "me.pub.pem", cwd=tmp_path)
    run("keygen", "--suite", suite, "--private", "opening.pem", "--public", "opening.pub.pem", cwd=tmp_path)
    (tmp_path / "summary.json").write_text(json.dumps({"price": "880000.00", "quality": "优良"}), encoding="utf-8")
    (tmp_path / "标书.pdf").write_bytes(b"%PDF-1.7 " + os.urandom(5000))

    sealed = run("seal", "--summary", "summary.json", "--duration", "180日历天", "--project-manager", "王五",
                 "--field", "质保期=2年", "--document", "标书.pdf", "--document", "资格=标书.pdf",
                 "--label", "section_code=S001", "--opening-key", "opening.pub.pem", "--key", "me.pem",
                 "--out", "bid.sealed", "--chunk-size", "1024", cwd=tmp_path)
    inspected = run("inspect", "bid.sealed", "--verify", cwd=tmp_path)
    opened = run("open", "bid.sealed", "--key", "me.pem", "--out", "check", cwd=tmp_path)

    assert given.returncode == 0, given.stderr
    fingerprint = private_key_load((tmp_path / "me.pem").read_bytes(), PASSPHRASE).public_key.fingerprint
    assert f"fingerprint:             {fingerprint}" in given.stdout
    assert oct((tmp_path / "me.pem").stat().st_mode & 0o777) == "0o600"
    assert sealed.returncode == 0, sealed.stderr
    assert "structure and signature: OK" in inspected.stdout and "section_code = S001" in inspected.stdout
    assert opened.returncode == 0, opened.stderr
    assert '"price": "880000.00"' in opened.stdout and "王五" in opened.stdout
    assert (tmp_path / "check" / "documents" / "资格").read_bytes() == (tmp_path / "标书.pdf").read_bytes()
    opening_key = private_key_load((tmp_path / "opening.pem").read_bytes(), PASSPHRASE)
    by_platform = envelope_open(tmp_path / "bid.sealed", key=opening_key, dest=tmp_path / "platform")
    assert by_platform.summary.fields == {"质保期": "2年"}


def test_errors_are_reported_with_what_to_do(tmp_path):
    run("keygen", "--private", "me.pem", "--public", "me.pub.pem", cwd=tmp_path)
    (tmp_path / "bid.pdf").write_bytes(b"%PDF-1.4 plain bid")

    again = run("keygen", "--private", "me.pem", "--public", "x.pem", cwd=tmp_path)
    plain = run("open", "bid.pdf", "--key", "me.pem", "--out", "o", cwd=tmp_path)
    no_price = run("seal", "--opening-key", "me.pub.pem", "--key", "me.pem", "--out", "x", cwd=tmp_path)
    env = {**os.environ, "SEALING_PASSPHRASE": "wrong passphrase", "PYTHONPATH": str(ROOT)}
    wrong = subprocess.run([sys.executable, "-m", "sealing", "open", "bid.pdf", "--key", "me.pem", "--out", "o"],
                           cwd=tmp_path, env=env, capture_output=True, text=True, timeout=60)

    assert again.returncode == 2 and "already exists" in again.stderr
    assert plain.returncode == 1 and "a PDF document" in plain.stderr and "NOT encrypted" in plain.stderr
    assert no_price.returncode == 2 and "--price" in no_price.stderr
    assert wrong.returncode == 2 and "passphrase" in wrong.stderr
    assert not (tmp_path / "o").exists() and not (tmp_path / "x").exists()


def test_verify_receipt_offline(tmp_path):
    platform = keypair_generate("intl")
    (tmp_path / "platform.pub.pem").write_text(platform.public_key.pem())
    envelope = tmp_path / "bid.sealed"
    envelope.write_bytes(b"stand-in for the submitted envelope bytes")
    receipt = receipt_sign(platform, {
        "receipt_id": "R1", "deal_code": "D2025-001", "section_code": "S001",
        "bidder_credit_code": "91350100M000100Y43", "envelope_sha256": sha256(envelope.read_bytes()).hexdigest(),
        "envelope_size": envelope.stat().st_size, "server_time": datetime.now(UTC),
    })
    (tmp_path / "receipt.json").write_text(json.dumps(receipt, ensure_ascii=False))
    (tmp_path / "forged.json").write_text(json.dumps({**receipt, "section_code": "S002"}, ensure_ascii=False))

    good = run("verify-receipt", "receipt.json", "--platform-key", "platform.pub.pem", "--envelope", "bid.sealed",
               cwd=tmp_path)
    forged = run("verify-receipt", "forged.json", "--platform-key", "platform.pub.pem", cwd=tmp_path)
    envelope.write_bytes(b"another envelope")
    other = run("verify-receipt", "receipt.json", "--platform-key", "platform.pub.pem", "--envelope", "bid.sealed",
                cwd=tmp_path)

    assert good.returncode == 0, good.stderr
    assert "receipt: valid" in good.stdout and "matches envelope bid.sealed" in good.stdout
    assert forged.returncode == 1 and "does not match this receipt" in forged.stderr
    assert other.returncode == 1 and "different envelope" in other.stderr


def test_share_decrypt_saves_the_opened_share_for_the_project_page(tmp_path):
    from sealing import challenge_make, key_split

    # given a custodian's key file and its share of an opening key, as downloaded from the project page
    run("keygen", "--private", "me.pem", "--public", "me.pub.pem", cwd=tmp_path)
    me = private_key_load((tmp_path / "me.pem").read_bytes(), PASSPHRASE)
    _sealed_key, shares = key_split(keypair_generate("intl"), [me.public_key, keypair_generate("intl").public_key])
    (tmp_path / "share.json").write_text(json.dumps(shares[0].to_dict()), encoding="utf-8")
    check, secret = challenge_make(me.public_key)
    (tmp_path / "key-check.json").write_text(json.dumps(check.to_dict()), encoding="utf-8")
    # when it opens them with --out: each is saved as the file the project page takes
    opened = run("share-decrypt", "share.json", "--key", "me.pem", "--out", "opened-share.json", cwd=tmp_path)
    checked = run("share-decrypt", "key-check.json", "--key", "me.pem", "--out", "opened-check.json", cwd=tmp_path)
    assert opened.returncode == 0 and "choose that file on the project page" in opened.stdout, opened.stderr
    saved = json.loads((tmp_path / "opened-share.json").read_text(encoding="utf-8"))
    assert set(saved) == {"key_id", "index", "threshold", "secret"} and saved["key_id"] == shares[0].key_id
    assert checked.returncode == 0
    assert json.loads((tmp_path / "opened-check.json").read_text(encoding="utf-8"))["secret"] == secret.hex()
    # without --out it prints the same, as before
    printed = run("share-decrypt", "share.json", "--key", "me.pem", cwd=tmp_path)
    assert json.loads(printed.stdout) == saved
