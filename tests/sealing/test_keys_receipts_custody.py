"""Key files, platform receipts and the k-of-n custody of opening keys."""

import itertools
import json
from datetime import UTC, datetime

import pytest

from sealing import (
    CustodyError,
    InvalidReceipt,
    KeyFileError,
    SealedKey,
    WrongPassphrase,
    key_combine,
    key_split,
    keypair_generate,
    private_key_load,
    public_key_load,
    receipt_sign,
    receipt_verify,
    share_decrypt,
)
from sealing.custody import EncryptedShare


@pytest.mark.parametrize("suite", ["intl", "gm"])
def test_private_key_file_opens_only_with_its_passphrase(suite):
    key = keypair_generate(suite)
    pem = key.pem("a long passphrase")

    assert b"ENCRYPTED PRIVATE KEY" in pem
    assert private_key_load(pem, "a long passphrase") == key
    with pytest.raises(WrongPassphrase) as caught:
        private_key_load(pem, "a long passphrasf")
    assert "passphrase" in str(caught.value)
    with pytest.raises(KeyFileError):
        key.pem("")


def test_public_key_files_round_trip_and_fingerprints_differ(intl_keys, gm_keys):
    for key in (intl_keys["bidder"], gm_keys["bidder"]):
        loaded = public_key_load(key.public_key.pem())
        assert loaded == key.public_key
        assert public_key_load(key.public_key.der()).fingerprint == key.public_key.fingerprint
    assert len({k.public_key.fingerprint for k in (*intl_keys.values(), *gm_keys.values())}) == 6
    with pytest.raises(KeyFileError):
        public_key_load(intl_keys["bidder"].pem("passphrase"))


FIELDS = {
    "receipt_id": "R-2025-000123",
    "deal_code": "D2025-001",
    "section_code": "S001",
    "bidder_credit_code": "91350100M000100Y43",
    "envelope_sha256": "ab" * 32,
    "envelope_size": 1048576,
    "server_time": datetime(2025, 6, 1, 1, 2, 3, 456789, tzinfo=UTC),
}


@pytest.fixture
def platform(keys):
    return keys["opening"]


def test_receipt_verifies_offline(platform):
    receipt = receipt_sign(platform, FIELDS)
    wire = json.dumps(receipt, ensure_ascii=False)

    fields = receipt_verify(platform.public_key, wire)

    assert fields == {**FIELDS, "server_time": "2025-06-01T01:02:03.456789Z"}


@pytest.mark.parametrize(
    ("change", "words"),
    [
        (lambda r: r.update(envelope_size=r["envelope_size"] + 1), "does not match this receipt"),
        (lambda r: r.update(envelope_sha256="cd" * 32), "does not match this receipt"),
        (lambda r: r.update(server_time="2025-06-01T01:02:04.456789Z"), "does not match this receipt"),
        (lambda r: r.update(section_code="S002"), "does not match this receipt"),
        (lambda r: r.update(signature=r["signature"][:-4] + "AAA="), "does not match this receipt"),
        (lambda r: r.update(note="extra"), "altered"),
        (lambda r: r.pop("deal_code"), "lacks deal_code"),
    ],
)
def test_a_tampered_receipt_is_refused(platform, change, words):
    receipt = receipt_sign(platform, FIELDS)
    change(receipt)

    with pytest.raises(InvalidReceipt) as caught:
        receipt_verify(platform.public_key, receipt)
    assert words in str(caught.value)


def test_a_receipt_checked_against_another_key_is_refused(keys, intl_keys, gm_keys):
    receipt = receipt_sign(keys["opening"], FIELDS)

    with pytest.raises(InvalidReceipt) as caught:
        receipt_verify(keys["other"].public_key, receipt)
    assert "not by the key given" in str(caught.value)

    forged = {**receipt, "key_id": keys["other"].public_key.fingerprint}
    with pytest.raises(InvalidReceipt) as caught:
        receipt_verify(keys["other"].public_key, forged)
    assert "does not match this receipt" in str(caught.value)

    other_suite = gm_keys if keys is intl_keys else intl_keys
    with pytest.raises(InvalidReceipt):
        receipt_verify(other_suite["opening"].public_key, receipt)


def test_receipt_canonical_form_does_not_depend_on_member_order(platform):
    receipt = receipt_sign(platform, FIELDS)
    reordered = dict(reversed(list(receipt.items())))

    assert receipt_verify(platform.public_key, reordered)["receipt_id"] == "R-2025-000123"


@pytest.fixture
def custody(keys):
    custodians = [keypair_generate(keys["opening"].suite) for _ in range(3)]
    sealed, shares = key_split(keys["opening"], [c.public_key for c in custodians])
    return keys["opening"], custodians, sealed, shares


def test_any_two_of_three_custodians_recover_the_opening_key(custody):
    opening, custodians, sealed, shares = custody
    stored = SealedKey.from_dict(json.loads(json.dumps(sealed.to_dict())))
    stored_shares = [EncryptedShare.from_dict(json.loads(json.dumps(s.to_dict()))) for s in shares]

    for pair in itertools.combinations(range(3), 2):
        decrypted = [share_decrypt(custodians[i], stored_shares[i]) for i in pair]
        assert key_combine(stored, decrypted) == opening


def test_one_share_is_refused_and_the_sealed_key_alone_reveals_nothing(custody):
    opening, custodians, sealed, shares = custody
    one = [share_decrypt(custodians[0], shares[0])]

    with pytest.raises(CustodyError) as caught:
        key_combine(sealed, one)
    assert "2 different custodians' shares are needed" in str(caught.value)
    with pytest.raises(CustodyError):
        key_combine(sealed, one + one)
    assert opening.scalar.to_bytes(32, "big") not in json.dumps(sealed.to_dict()).encode()


def test_a_custodian_opens_only_its_own_share(custody):
    _, custodians, _, shares = custody

    with pytest.raises(CustodyError) as caught:
        share_decrypt(custodians[1], shares[0])
    assert "opens only its own share" in str(caught.value)


def test_a_forged_share_does_not_recover_the_key(custody):
    _, custodians, sealed, shares = custody
    good = share_decrypt(custodians[0], shares[0])
    bad = share_decrypt(custodians[1], shares[1])
    bad = type(bad)(bad.key_id, bad.index, bad.threshold, bytes(16))

    with pytest.raises(CustodyError) as caught:
        key_combine(sealed, [good, bad])
    assert "do not recover the opening key" in str(caught.value)


def test_split_refuses_impossible_thresholds(keys):
    custodian = keypair_generate(keys["opening"].suite).public_key
    with pytest.raises(CustodyError):
        key_split(keys["opening"], [custodian], threshold=2)
    with pytest.raises(CustodyError):
        key_split(keys["opening"], [custodian, custodian], threshold=2)
    with pytest.raises(CustodyError):
        key_split(keys["opening"], [custodian, keys["other"].public_key], threshold=3)


def test_three_of_five(intl_keys):
    custodians = [keypair_generate("intl") for _ in range(5)]
    sealed, shares = key_split(intl_keys["opening"], [c.public_key for c in custodians], threshold=3)
    decrypted = [share_decrypt(c, s) for c, s in zip(custodians, shares, strict=True)]

    assert key_combine(sealed, decrypted[2:]) == intl_keys["opening"]
    with pytest.raises(CustodyError):
        key_combine(sealed, decrypted[:2])


def test_intl_signatures_are_plain_ecdsa_p256_that_pycryptodome_verifies_and_signs_too(intl_keys):
    """Signing moved to OpenSSL; the bytes stay r || s of ECDSA P-256/SHA-256, interchangeable with pycryptodome's."""
    from Crypto.Hash import SHA256
    from Crypto.Signature import DSS

    from sealing.keys import p256_public
    from sealing.suites import suite_get

    suite, key = suite_get("intl"), intl_keys["bidder"]
    message = "投标 signature interop".encode()
    ours = suite.sign(key, message)
    DSS.new(p256_public(key.public_key.point), "fips-186-3", encoding="binary").verify(SHA256.new(message), ours)
    theirs = DSS.new(key.ecc(), "fips-186-3", encoding="binary").sign(SHA256.new(message))
    assert len(ours) == 64 and suite.verify(key.public_key, message, theirs)
    assert not suite.verify(key.public_key, message + b".", ours)
    assert not suite.verify(intl_keys["opening"].public_key, message, ours)
    for bad in (b"", ours[:63], bytes(64), b"\xff" * 64, ours[32:] + ours[:32]):
        assert not suite.verify(key.public_key, message, bad)
