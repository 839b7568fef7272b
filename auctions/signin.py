"""Signing in to a lot's hall by certificate challenge (docs/certificates.md "The auction hall").

Where a sale does not allow key files (``Sale.key_files_allowed`` unticked), a bidder proves on each connection that
it holds the key of its registered certificate — valid now, unrevoked, naming its organisation — before it may bid:
the hall's hello carries a one-time challenge, the bidder signs it, the server verifies the signature against the
registered certificate's key. A bid sent over the HTTP API instead carries its own signature over the bid
(``bid_text``). Where key files are allowed, the hall keeps its sign-in by the account's session.
"""

import base64
import binascii
import secrets

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from audit.services import audit_record
from trading.selectors import bidder_key_current
from trading.services.keys import challenge_verify, signing_key_check

from .models import Lot


def sign_in_required(*, lot_id: int) -> bool:
    return Lot.objects.filter(pk=lot_id, sale__key_files_allowed=False).exists()


def challenge_new(*, lot_id: int, bidder_number: str) -> str:
    """The exact text a bidder signs to sign in on this connection (fresh per connection)."""
    return f"sunshine-hall-sign-in:{lot_id}:{bidder_number}:{secrets.token_hex(32)}"


def bid_text(*, lot_id: int, client_id: str, amount: str) -> str:
    """The exact text a bidder signs to bid over the API where the sale requires certificates."""
    return f"sunshine-hall-bid:{lot_id}:{client_id}:{amount}"


def _signature(value) -> bytes:
    try:
        return base64.b64decode(str(value or ""), validate=True)
    except (binascii.Error, ValueError):
        raise ValidationError({"signature": _("This is not base64 text; send what the client produced unchanged.")})


def signature_check(*, user, text: str, signature, what: str) -> None:
    """Refuse unless ``signature`` is ``text`` signed by ``user``'s registered certificate, valid now; records it."""
    key = bidder_key_current(user=user)
    if key is None or not key.certificate_pem:
        raise ValidationError({"certificate": _(
            "This sale requires signing in with a certificate from a CA the platform accepts (数字证书). Register "
            "your certificate on the Certificate page, then sign in with its key.")})
    signing_key_check(key=key, key_files_allowed=False)  # valid now, not revoked, still names the organisation
    if not challenge_verify(user=user, challenge=text.encode(), signature=_signature(signature)):
        raise ValidationError({"signature": _(
            "The signature does not verify with the key of your registered certificate. Sign with that "
            "certificate's private key.")})
    if what == "sign_in":
        audit_record(action="auctions.hall.sign_in", obj=user, payload={
            "user": user.username, "lot": text.split(":")[1], "certificate_issuer": key.certificate_issuer,
            "certificate_serial": key.certificate_serial, "fingerprint": key.fingerprint})
