"""Registered public keys of people, the platform's own key, and sign-in challenges.

A person registers the public half of a key pair made with ``python -m sealing keygen`` (or
derived in the browser from its encrypted private key file); the private half never
reaches the platform. Bidders sign envelopes with it; custodians receive opening-key
shares through it. The platform key signs receipts (回执); its public half is published.
"""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

import sealing
from audit.services import audit_record
from core.platform_key import platform_key, platform_public_key_pem  # noqa: F401 (re-exported)

from ..models import BidderKey
from ..selectors import bidder_key_current


def public_key_parse(pem: str | bytes) -> sealing.PublicKey:
    """A public key from PEM text, or ValidationError saying what to upload instead."""
    text = pem.decode("ascii", "replace") if isinstance(pem, bytes) else (pem or "")
    if "PRIVATE KEY" in text:
        raise ValidationError({"public_key": _(
            "This is a PRIVATE key. Never upload it: register the public key file (…public.pem) that the bidder tool "
            "wrote next to it.")})
    if not text.strip():
        raise ValidationError({"public_key": _("Paste or upload your public key (PEM “PUBLIC KEY”).")})
    try:
        return sealing.public_key_load(text.strip())
    except sealing.KeyFileError as exc:
        raise ValidationError({"public_key": _("This public key cannot be read (%(problem)s). Upload the public key "
                                               "file the bidder tool wrote.")
                               % {"problem": exc}})


@transaction.atomic
def bidder_key_register(*, user, public_key_pem: str | bytes, certificate=None) -> BidderKey:
    """Register ``user``'s public key (or, with ``certificate``, a checked CertificateIdentity's key); a current key
    is replaced (revoked, kept on record)."""
    if not user.is_authenticated:
        raise PermissionDenied(_("Log in to register a key."))
    key = sealing.public_key_load(public_key_parse(public_key_pem).pem())
    fingerprint = key.fingerprint
    taken = BidderKey.objects.filter(fingerprint=fingerprint).exclude(user=user).exists()
    if taken:
        raise ValidationError({"public_key": _("This key is registered by another person. Each person registers its "
                                               "own key pair, made with the bidder tool.")})
    now = timezone.now()
    current = BidderKey.objects.select_for_update(no_key=True).filter(user=user, revoked_at__isnull=True).first()
    same_certificate = certificate is None or (current is not None and current.certificate_pem == certificate.pem)
    if current is not None and current.fingerprint == fingerprint and same_certificate:
        return current
    if current is not None:
        current.revoked_at = now
        current.save(update_fields=["revoked_at"])
    fields = {}
    if certificate is not None:
        fields = {"certificate_pem": certificate.pem, "certificate_issuer": certificate.issuer,
                  "certificate_serial": certificate.serial, "certificate_not_after": certificate.not_after}
    registered = BidderKey.objects.create(user=user, organisation=user.organisation, suite=key.suite,
                                          public_key_pem=key.pem(), fingerprint=fingerprint, registered_at=now,
                                          **fields)
    audit_record(action="trading.key.register", obj=registered, payload={
        "user": user.username, "suite": key.suite, "fingerprint": fingerprint,
        "replaces": current.fingerprint if current else "",
        **({"certificate_issuer": certificate.issuer, "certificate_serial": certificate.serial,
            "credit_code": certificate.credit_code} if certificate is not None else {})})
    return registered


# Whom a person's certificate must name when the person acts for no organisation, by role: apps above trading
# register theirs in AppConfig.ready() (expert_pool: the expert's number). role -> callable(user) -> Holder | None.
CERTIFICATE_HOLDERS: dict = {}


def certificate_holder_register(role: str, holder_of) -> None:
    CERTIFICATE_HOLDERS[role] = holder_of


def certificate_holder(*, user):
    """Whom ``user``'s certificate must name: its organisation, else what its role's app says; None: nobody."""
    from .certificates import Holder

    if user.organisation_id is not None:
        return Holder.of_organisation(user.organisation)
    holder_of = CERTIFICATE_HOLDERS.get(user.role)
    return holder_of(user) if holder_of else None


def certificate_register(*, user, certificate_pem: str | bytes) -> BidderKey:
    """Register an X.509 certificate from a configured CA as ``user``'s signing identity: checked (chain, validity,
    revocation, the organisation's credit code or the person's number) and its key registered
    (trading.services.certificates). A refusal is recorded in the audit chain with its reason, and nothing else
    changes."""
    from .certificates import certificate_check

    if not user.is_authenticated:
        raise PermissionDenied(_("Log in to register a certificate."))
    holder = certificate_holder(user=user)
    try:
        if holder is None:
            raise ValidationError({"certificate": _(
                "A certificate identifies an organisation or a registered expert; your account is linked to neither. "
                "Ask the platform to link your account first.")})
        identity = certificate_check(certificate_pem, holder=holder)
        return bidder_key_register(user=user, public_key_pem=identity.public_key_pem, certificate=identity)
    except ValidationError as refusal:
        if hasattr(refusal, "error_dict") and "public_key" in refusal.error_dict:  # its key is someone else's
            refusal = ValidationError({"certificate": refusal.error_dict["public_key"]})
        _certificate_refusal_record(user=user, data=certificate_pem, refusal=refusal)
        raise refusal


def _certificate_refusal_record(*, user, data, refusal: ValidationError) -> None:
    """Record a refused certificate (who tried which certificate, and why) in its own transaction: the refusal
    rolls back everything else, the record of it stays."""
    from .certificates import certificate_describe

    with transaction.atomic():
        reasons = [str(m) for m in refusal.message_dict.get("certificate", refusal.messages)]
        audit_record(action="trading.certificate.refuse", obj=user, payload={
            "user": user.username, "reasons": reasons, **certificate_describe(data)})


def certificate_still_valid(*, key: BidderKey | None) -> None:
    """For a key registered as a certificate: refuse (ValidationError on ``certificate``) once the certificate has
    expired or been revoked, or no longer names the key's holder. Bare keys pass."""
    if key is None or not key.certificate_pem:
        return
    from .certificates import certificate_check

    holder = certificate_holder(user=key.user)
    if holder is None:
        raise ValidationError({"certificate": _("Your account is no longer linked to the organisation or expert "
                                                "record your certificate names; ask the platform to link it.")})
    certificate_check(key.certificate_pem, holder=holder)


def signing_key_check(*, key: BidderKey | None, key_files_allowed: bool = True) -> None:
    """Whether ``key`` may sign here (a bid, a sign-in): a certificate must still be valid; a bare key file only where
    the project allows key files. ValidationError on ``certificate`` with the reason, else nothing."""
    if key is not None and not key.certificate_pem and not key_files_allowed:
        raise ValidationError({"certificate": _(
            "This project accepts only a certificate from a CA the platform accepts (数字证书), not a key file. "
            "Register your certificate on the Certificate page, then sign with its key.")})
    certificate_still_valid(key=key)


@transaction.atomic
def bidder_key_revoke(*, user) -> BidderKey:
    """Revoke ``user``'s current key (lost or compromised); envelopes it signed can no longer be submitted."""
    current = BidderKey.objects.select_for_update(no_key=True).filter(user=user, revoked_at__isnull=True).first()
    if current is None:
        raise ValidationError({"public_key": _("You have no registered key to revoke.")})
    current.revoked_at = timezone.now()
    current.save(update_fields=["revoked_at"])
    audit_record(action="trading.key.revoke", obj=current, payload={"user": user.username,
                                                                    "fingerprint": current.fingerprint})
    return current


def challenge_verify(*, user, challenge: bytes, signature: bytes) -> bool:
    """Whether ``signature`` is ``challenge`` signed with ``user``'s registered current key.

    ECDSA P-256 / SHA-256 (r || s, as WebCrypto signs) for intl keys, SM2 / SM3 for gm keys.
    """
    current = bidder_key_current(user=user)
    if current is None:
        return False
    return sealing.signature_verify(sealing.public_key_load(current.public_key_pem), bytes(challenge),
                                    bytes(signature))
