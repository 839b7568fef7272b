"""The reserve price (底价), sealed like a bid until the lot closes (docs/auctions.md "Reserve price").

Each sale has its own key pair (``sealing``, the platform's suite). The designated official's reserve is sealed at
once into a ``sealing`` envelope to the sale's public key — the plain figure is never stored — and signed by the
platform's key. The private half lives only in a file under ``VAR_DIR/keys/auction-reserve/`` (mode 0600,
encrypted with a passphrase derived from the platform secret); ``reserve_open`` is the only reader, and the
services call it only when the lot closes, recording when.
"""

import os
import tempfile
from decimal import Decimal
from pathlib import Path

from django.conf import settings

import sealing
from trading.services.keys import platform_key


def _key_path(sale_id: int) -> Path:
    return Path(settings.VAR_DIR) / "keys" / "auction-reserve" / f"sale-{sale_id}.pem"


def _passphrase(sale_id: int) -> str:
    configured = getattr(settings, "SEALING_PLATFORM_KEY_PASSPHRASE", "") or settings.SECRET_KEY
    return f"auction-reserve:{sale_id}:{configured}"


def sale_key_create(*, sale_id: int) -> sealing.PublicKey:
    """Make the sale's reserve key pair; keep the private half in its file; return the public half."""
    key = sealing.keypair_generate(platform_key().suite)
    path = _key_path(sale_id)
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "wb") as out:
        out.write(key.pem(_passphrase(sale_id)))
    return key.public_key


def reserve_seal(*, public_key_pem: str, amount: Decimal, labels: dict[str, str]) -> bytes:
    """An envelope holding ``amount``, readable only with the sale's private key."""
    with tempfile.TemporaryDirectory() as work:
        dest = Path(work) / "reserve.env"
        sealing.envelope_seal(dest, summary=sealing.OpeningSummary(price=amount), signer=platform_key(),
                              opening_key=sealing.public_key_load(public_key_pem), labels=labels)
        return dest.read_bytes()


def reserve_open(*, sale_id: int, envelope: bytes) -> Decimal:
    """The reserve sealed in ``envelope`` (the sale's private key; the platform's signature checked)."""
    key = sealing.private_key_load(_key_path(sale_id).read_bytes(), _passphrase(sale_id))
    with tempfile.TemporaryDirectory() as work:
        opened = sealing.envelope_open(bytes(envelope), key=key, dest=Path(work) / "opened")
    if opened.info.signer.fingerprint != platform_key().public_key.fingerprint:
        raise sealing.BadSignature("the reserve envelope is not signed by the platform key")
    return opened.summary.price
