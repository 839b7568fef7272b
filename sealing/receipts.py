"""Submission receipts (回执): what the platform signs when it accepts an envelope.

A receipt is a flat JSON object. Its canonical form is the UTF-8 JSON of every member except
"signature", keys sorted, no whitespace, non-ASCII characters written as themselves. The
platform signs ``b"SUNSEAL-v1 receipt\\x00" + canonical form`` with its key (ECDSA P-256 /
SHA-256 for an intl key, SM2/SM3 for a gm key); anyone holding the platform's published
public key can check a receipt offline with receipt_verify.
"""

import base64
import binascii
import json
import re
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from sealing.errors import InvalidInput, InvalidReceipt
from sealing.keys import PrivateKey, PublicKey
from sealing.suites import suite_get

RECEIPT_VERSION = 1
RECEIPT_CONTEXT = b"SUNSEAL-v1 receipt\x00"
RECEIPT_FIELDS = (
    "receipt_id",
    "deal_code",
    "section_code",
    "bidder_credit_code",
    "envelope_sha256",
    "envelope_size",
    "server_time",
)
SHA256_HEX = re.compile(r"^[0-9a-f]{64}$")
TIME_FORMAT = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,6})?Z$")


def receipt_canonical(receipt: Mapping[str, Any]) -> bytes:
    """The bytes a receipt signature covers (everything but "signature", canonical JSON)."""
    body = {key: value for key, value in receipt.items() if key != "signature"}
    return RECEIPT_CONTEXT + json.dumps(
        body, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
    ).encode("utf-8")


def _server_time(value: Any) -> str:
    if isinstance(value, datetime):
        if value.tzinfo is None:
            raise InvalidInput("the server time must be an aware datetime")
        return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    return str(value)


def _fields_check(fields: Mapping[str, Any], error: type[Exception]) -> dict[str, Any]:
    missing = [name for name in RECEIPT_FIELDS if name not in fields]
    if missing:
        raise error(f"the receipt lacks {', '.join(missing)}")
    checked = {name: fields[name] for name in RECEIPT_FIELDS}
    for name in RECEIPT_FIELDS:
        if name == "envelope_size":
            continue
        if not isinstance(checked[name], str) or not checked[name]:
            raise error(f"the receipt's {name} must be non-empty text")
    size = checked["envelope_size"]
    if not isinstance(size, int) or isinstance(size, bool) or size < 0:
        raise error("the receipt's envelope_size must be a whole number of bytes")
    if not SHA256_HEX.match(checked["envelope_sha256"]):
        raise error("the receipt's envelope_sha256 must be 64 lowercase hex digits")
    if not TIME_FORMAT.match(checked["server_time"]):
        raise error("the receipt's server_time must be UTC ISO 8601 ending in Z")
    return checked


def receipt_sign(private_key: PrivateKey, fields: Mapping[str, Any]) -> dict[str, Any]:
    """A receipt over ``fields`` signed by the platform key.

    ``fields`` holds receipt_id, deal_code, section_code, bidder_credit_code,
    envelope_sha256 (hex), envelope_size (bytes) and server_time (aware datetime or UTC ISO
    text ending in Z). Returns the receipt as a JSON-ready dict.
    """
    values = dict(fields)
    if "server_time" in values:
        values["server_time"] = _server_time(values["server_time"])
    unknown = sorted(set(values) - set(RECEIPT_FIELDS))
    if unknown:
        raise InvalidInput(f"a receipt has no field {', '.join(unknown)}")
    suite = suite_get(private_key.suite)
    receipt: dict[str, Any] = {
        "version": RECEIPT_VERSION,
        "alg": suite.signature_algorithm,
        "key_id": private_key.public_key.fingerprint,
        **_fields_check(values, InvalidInput),
    }
    signature = suite.sign(private_key, receipt_canonical(receipt))
    receipt["signature"] = base64.b64encode(signature).decode("ascii")
    return receipt


def receipt_verify(public_key: PublicKey, receipt: Mapping[str, Any] | str | bytes) -> dict[str, Any]:
    """Check a receipt against the platform's public key; returns its fields, or raises InvalidReceipt."""
    if isinstance(receipt, str | bytes):
        try:
            receipt = json.loads(receipt)
        except (ValueError, UnicodeDecodeError):
            raise InvalidReceipt("this is not a receipt: it is not JSON")
    if not isinstance(receipt, Mapping):
        raise InvalidReceipt("this is not a receipt: it is not a JSON object")
    if receipt.get("version") != RECEIPT_VERSION:
        raise InvalidReceipt(f"receipt version {receipt.get('version')!r} is not {RECEIPT_VERSION}")
    extra = sorted(set(receipt) - {"version", "alg", "key_id", "signature", *RECEIPT_FIELDS})
    if extra:
        raise InvalidReceipt(f"the receipt has members no platform signs ({', '.join(extra)}): it was altered")
    suite = suite_get(public_key.suite)
    if receipt.get("alg") != suite.signature_algorithm:
        raise InvalidReceipt(
            f"the receipt is signed with {receipt.get('alg')!r} but the key given is a {suite.signature_algorithm} "
            "key; use the platform's published public key"
        )
    if receipt.get("key_id") != public_key.fingerprint:
        raise InvalidReceipt(
            f"the receipt was signed by key {str(receipt.get('key_id'))[:16]}…, not by the key given "
            f"({public_key.fingerprint[:16]}…); check it against the platform's published public key"
        )
    fields = _fields_check(receipt, InvalidReceipt)
    try:
        signature = base64.b64decode(str(receipt.get("signature", "")), validate=True)
    except (binascii.Error, ValueError):
        raise InvalidReceipt("the receipt's signature is not base64: the receipt was altered")
    if not suite.verify(public_key, receipt_canonical(receipt), signature):
        raise InvalidReceipt(
            "the platform's signature does not match this receipt: it was altered or not issued by this platform. "
            "Keep the receipt as the platform sent it."
        )
    return fields
