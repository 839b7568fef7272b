"""X.509 certificates from the configured CAs as a bidder's or expert's signing identity (docs/certificates.md).

A person registers a certificate (instead of a bare public key) that one of the CAs in ``settings.SIGNING_CA_FILES``
issued. ``certificate_check`` refuses it, with the reason, when:

- it is not a PEM/DER X.509 certificate, or its key is neither ECDSA P-256 nor SM2;
- no configured CA issued it (the issuer's name and the signature must both match a configured CA certificate);
- it is not valid now (not yet, or no longer), or the CA is not;
- it may not sign (key usage without digitalSignature / nonRepudiation);
- the CA's revocation list (``settings.SIGNING_CRL_FILES``) lists it, or the CA's list is missing, not signed by
  the CA, or past its next update (revocation cannot be checked: refused, not assumed fine);
- the organisation's unified social credit code in its subject (organizationIdentifier 2.5.4.97, else
  serialNumber 2.5.4.5, else an 18-character OU) is missing or is not the account's organisation's; or, for a
  person without an organisation (an expert), the person's number in its subject (serialNumber) is not the
  account's (``Holder``).

Both kinds go through the same checks: only the verification of a signature (of a certificate or a revocation list)
depends on its algorithm (``_signed_by``: SM2 with SM3 by sealing.certificates, anything else by OpenSSL), so an SM2
certificate may sit under a P-256 CA and the other way round.

The registered key is the certificate's public key, so envelopes signed with it name the certificate's key as
their signer; the certificate is checked again when its holder signs in to the opening room and submits a bid.
"""

import dataclasses
import datetime as dt
import hashlib
import logging
import re
import threading
import urllib.request
from pathlib import Path

from asn1crypto import pkcs12
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding
from cryptography.x509 import ocsp
from cryptography.x509.oid import AuthorityInformationAccessOID, ExtensionOID, NameOID
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

import sealing
from sealing.certificates import SM2_WITH_SM3, certificate_key_hash, certificate_public_key, sm2_signature_verify

logger = logging.getLogger(__name__)
USCC = re.compile(r"^[0-9A-HJ-NP-RT-UW-Y]{2}[0-9]{6}[0-9A-HJ-NP-RT-UW-Y]{10}$")
ORGANIZATION_IDENTIFIER = x509.ObjectIdentifier("2.5.4.97")

_lock = threading.Lock()
_cache: dict[tuple, tuple] = {}
# SM2 signatures found good (of a certificate or a list, by a CA's key), by the SHA-256 of key, signature and signed
# bytes: the same certificate and the same list are checked at every sign-in and bid, and an SM2 verification is
# pure Python (~10 ms) where OpenSSL's P-256 takes 0.1 ms. Only good results are kept; bounded, oldest out first.
_sm2_good: dict[bytes, None] = {}
SM2_GOOD_MAX = 4096


@dataclasses.dataclass(frozen=True)
class Holder:
    """Whom a certificate must name: an organisation by its unified social credit code, or a person (an expert, who
    acts for no organisation) by the number the platform knows the person by (专家证号)."""

    kind: str  # "organisation" or "person"
    code: str
    name: str

    @classmethod
    def of_organisation(cls, organisation) -> "Holder":
        return cls(kind="organisation", code=organisation.credit_code, name=organisation.name)


@dataclasses.dataclass(frozen=True)
class CertificateIdentity:
    certificate: x509.Certificate
    issuer: str  # the CA's subject
    serial: str  # hex
    credit_code: str
    subject: str
    not_after: dt.datetime
    intermediates: tuple = ()  # the CA certificates between it and the configured CA, from the upload


    @property
    def public_key_pem(self) -> str:
        return certificate_key(self.certificate).pem()

    @property
    def pem(self) -> str:
        """The certificate, followed by the intermediate CA certificates it came with (kept for the next checks)."""
        return "".join(c.public_bytes(serialization.Encoding.PEM).decode("ascii")
                       for c in (self.certificate, *self.intermediates))


def _files(setting: str) -> list[Path]:
    value = getattr(settings, setting, []) or []
    return [Path(p) for p in (value.split(",") if isinstance(value, str) else value) if str(p).strip()]


def _stamp(path: Path) -> tuple[int, int]:
    """When and how big: a file rewritten within the clock's tick is still seen as changed when its size differs."""
    try:
        stat = path.stat()
    except OSError:
        return (0, -1)
    return (stat.st_mtime_ns, stat.st_size)


def _load_trust() -> tuple[list[x509.Certificate], list[x509.CertificateRevocationList], list[x509.Certificate]]:
    """The configured CA certificates, revocation lists and intermediate CA certificates, read again when a file
    changes."""
    cas, crls = _files("SIGNING_CA_FILES"), _files("SIGNING_CRL_FILES")
    intermediates = _files("SIGNING_INTERMEDIATE_FILES")
    marker = tuple((str(p), *_stamp(p)) for p in (*cas, *crls, *intermediates))
    with _lock:
        if marker not in _cache:
            authorities = [c for path in cas if path.exists() for c in x509.load_pem_x509_certificates(
                path.read_bytes())]
            pool = [c for path in intermediates if path.exists() for c in x509.load_pem_x509_certificates(
                path.read_bytes())]
            lists = []
            for path in crls:
                if path.exists():
                    data = path.read_bytes()
                    pem = b"-----BEGIN" in data
                    lists.append(x509.load_pem_x509_crl(data) if pem else x509.load_der_x509_crl(data))
            _cache.clear()
            _cache[marker] = (authorities, lists, pool)
        return _cache[marker]


def certificate_parse(data: str | bytes) -> x509.Certificate:
    """The (first) certificate of an upload, PEM or DER."""
    return certificate_bundle_parse(data)[0]


def certificate_bundle_parse(data: str | bytes) -> list[x509.Certificate]:
    """The certificates of an upload: the holder's first, then any intermediate CA certificates (a PEM bundle)."""
    raw = data.encode("ascii", "replace") if isinstance(data, str) else bytes(data or b"")
    if b"PRIVATE KEY" in raw:
        raise ValidationError({"certificate": _(
            "This is a PRIVATE key. Never upload it: upload the certificate file (.cer/.crt/.pem) your CA issued.")})
    if not raw.strip():
        raise ValidationError({"certificate": _("Upload the certificate file (.cer/.crt/.pem) your CA issued.")})
    if _is_pfx(raw):
        raise ValidationError({"certificate": _(
            "This is a .pfx (PKCS#12) file: it holds your PRIVATE key. Never upload it: take the certificate file out "
            "of it with the bidder tool (its help page says how) and upload that.")})
    try:
        if b"-----BEGIN" in raw:
            return x509.load_pem_x509_certificates(raw)
        return [x509.load_der_x509_certificate(raw)]
    except ValueError as exc:
        raise ValidationError({"certificate": _(
            "This file is not an X.509 certificate (%(problem)s). Upload the .cer/.crt/.pem file your CA issued.")
            % {"problem": str(exc)[:120]}})


def _is_pfx(raw: bytes) -> bool:
    try:
        pfx = pkcs12.Pfx.load(raw, strict=True)
        return pfx["version"].native == "v3" and pfx["auth_safe"]["content_type"].native in ("data", "signed_data")
    except (ValueError, TypeError, KeyError):
        return False


def _credit_code(certificate: x509.Certificate) -> str:
    subject = certificate.subject
    for oid in (ORGANIZATION_IDENTIFIER, NameOID.SERIAL_NUMBER, NameOID.ORGANIZATIONAL_UNIT_NAME):
        for attribute in subject.get_attributes_for_oid(oid):
            value = str(attribute.value).strip().upper()
            for prefix in ("NTRCN-", "USCC-", "USCC:"):  # ETSI's legal-person form, and common local forms
                value = value.removeprefix(prefix)
            if USCC.match(value):
                return value
    return ""


def _person_code(certificate: x509.Certificate) -> str:
    """A personal certificate's holder number: serialNumber (ETSI's ``PNOCN-``/``IDCCN-`` forms allowed), else UID."""
    for oid in (NameOID.SERIAL_NUMBER, NameOID.USER_ID):
        for attribute in certificate.subject.get_attributes_for_oid(oid):
            value = str(attribute.value).strip().upper()
            for prefix in ("PNOCN-", "IDCCN-"):
                value = value.removeprefix(prefix)
            if value:
                return value
    return ""


MAX_INTERMEDIATES = 4


def _may_issue(authority: x509.Certificate) -> bool:
    """Whether a certificate is a CA's (basicConstraints cA, keyCertSign when key usage is present)."""
    try:
        if not authority.extensions.get_extension_for_oid(ExtensionOID.BASIC_CONSTRAINTS).value.ca:
            return False
    except x509.ExtensionNotFound:
        return False
    try:
        return authority.extensions.get_extension_for_oid(ExtensionOID.KEY_USAGE).value.key_cert_sign
    except x509.ExtensionNotFound:
        return True


def _path_length(authority: x509.Certificate) -> int | None:
    try:
        return authority.extensions.get_extension_for_oid(ExtensionOID.BASIC_CONSTRAINTS).value.path_length
    except x509.ExtensionNotFound:
        return None


def _chain(certificate: x509.Certificate, anchors: list[x509.Certificate],
           pool: list[x509.Certificate]) -> list[x509.Certificate] | None:
    """The issuers from ``certificate`` up to a configured CA (``anchors``), through intermediate CA certificates of
    ``pool`` (each a CA, its signature verified, path lengths honoured); None when no such path exists."""
    path: list[x509.Certificate] = []
    current = certificate
    while len(path) <= MAX_INTERMEDIATES:
        anchor = _issuer_of(current, anchors)
        if anchor is not None:
            path.append(anchor)
            break
        step = _issuer_of(current, [c for c in pool if c not in path and _may_issue(c)])
        if step is None or step == current:
            return None
        path.append(step)
        current = step
    else:
        return None
    for below, authority in enumerate(path):  # ``below``: intermediate CAs between it and the holder's certificate
        limit = _path_length(authority)
        if limit is not None and below > limit:
            return None
    return path


def certificate_key(certificate: x509.Certificate) -> sealing.PublicKey:
    """The certificate's key as the sealing package's (P-256 or SM2); KeyFileError for any other key."""
    return certificate_public_key(certificate.public_bytes(serialization.Encoding.DER))


def _signed_by(signed: x509.Certificate | x509.CertificateRevocationList | ocsp.OCSPResponse,
               authority: x509.Certificate) -> bool:
    """Whether ``authority``'s key made the signature of ``signed`` (a certificate, a revocation list or an OCSP
    answer): SM2 with SM3 by sealing (OpenSSL cannot), any other algorithm by OpenSSL."""
    try:
        if signed.signature_algorithm_oid.dotted_string == SM2_WITH_SM3:
            return _sm2_signed(certificate_key(authority), _tbs(signed), signed.signature)
        if isinstance(signed, ocsp.OCSPResponse):
            key = authority.public_key()
            if isinstance(key, ec.EllipticCurvePublicKey):
                key.verify(signed.signature, _tbs(signed), ec.ECDSA(signed.signature_hash_algorithm))
            else:
                key.verify(signed.signature, _tbs(signed), padding.PKCS1v15(), signed.signature_hash_algorithm)
            return True
        if isinstance(signed, x509.Certificate):
            signed.verify_directly_issued_by(authority)
            return True
        return signed.is_signature_valid(authority.public_key())
    except Exception as error:  # InvalidSignature, or a key the algorithm cannot use (an SM2 CA, an RSA one): not it
        logger.info("the signature of %s is not %s's: %r", name_of(signed.issuer), authority.subject.rfc4514_string(),
                    error)
        return False


def _tbs(signed) -> bytes:
    if isinstance(signed, x509.Certificate):
        return signed.tbs_certificate_bytes
    if isinstance(signed, ocsp.OCSPResponse):
        return signed.tbs_response_bytes
    return signed.tbs_certlist_bytes


def _sm2_signed(key: sealing.PublicKey, tbs: bytes, signature: bytes) -> bool:
    mark = hashlib.sha256(b"".join((key.point, len(signature).to_bytes(4, "big"), signature, tbs))).digest()
    with _lock:
        if mark in _sm2_good:
            return True
    if not sm2_signature_verify(key, tbs, signature):
        return False
    with _lock:
        _sm2_good[mark] = None
        while len(_sm2_good) > SM2_GOOD_MAX:
            del _sm2_good[next(iter(_sm2_good))]
    return True


def _issuer_of(certificate: x509.Certificate, authorities: list[x509.Certificate]) -> x509.Certificate | None:
    for authority in authorities:
        if authority.subject == certificate.issuer and _signed_by(certificate, authority):
            return authority
    return None


OCSP_KEPT = 4096
OCSP_SKEW = dt.timedelta(minutes=5)
_ocsp_answers: dict[tuple, tuple] = {}  # (CA key hash, serial) -> (status, revoked at, good until)


def _ocsp_url(certificate: x509.Certificate) -> str:
    try:
        access = certificate.extensions.get_extension_for_oid(ExtensionOID.AUTHORITY_INFORMATION_ACCESS).value
    except x509.ExtensionNotFound:
        return ""
    for description in access:
        if (description.access_method == AuthorityInformationAccessOID.OCSP
                and isinstance(description.access_location, x509.UniformResourceIdentifier)
                and description.access_location.value.startswith(("http://", "https://"))):
            return description.access_location.value
    return ""


def _ocsp_revoked(certificate: x509.Certificate, authority: x509.Certificate, now: dt.datetime) -> str:
    """Why the CA's OCSP responder (the certificate's AuthorityInformationAccess) refuses the certificate (it says
    revoked), or "". Asked only with ``settings.SIGNING_OCSP_TIMEOUT`` (seconds) set; an answer is kept until its
    nextUpdate. Good, unknown, unreachable or unusable (not signed by the CA, stale, for another certificate): the
    CA's revocation list, checked in any case, decides."""
    timeout = float(getattr(settings, "SIGNING_OCSP_TIMEOUT", 0) or 0)
    url = _ocsp_url(certificate) if timeout > 0 else ""
    if not url:
        return ""
    key_hash = certificate_key_hash(authority.public_bytes(serialization.Encoding.DER))
    mark = (key_hash, certificate.serial_number)
    with _lock:
        kept = _ocsp_answers.get(mark)
    if kept is None or kept[2] < now:
        kept = _ocsp_ask(url, key_hash, certificate, authority, now, timeout)
        if kept is None:
            return ""
        with _lock:
            _ocsp_answers[mark] = kept
            while len(_ocsp_answers) > OCSP_KEPT:
                del _ocsp_answers[next(iter(_ocsp_answers))]
    status, revoked_at, _until = kept
    if status == ocsp.OCSPCertStatus.REVOKED:
        return _("The OCSP responder of %(ca)s says this certificate was revoked on %(date)s. Ask your CA for a new "
                 "certificate.") % {"ca": name_of(authority.subject), "date": f"{revoked_at:%Y-%m-%d}"}
    return ""


def _ocsp_ask(url: str, key_hash: bytes, certificate: x509.Certificate, authority: x509.Certificate,
              now: dt.datetime, timeout: float) -> tuple | None:
    name_hash = hashlib.sha1(authority.subject.public_bytes()).digest()  # noqa: S324 (OCSP's CertID is SHA-1)
    request = ocsp.OCSPRequestBuilder().add_certificate_by_hash(
        name_hash, key_hash, certificate.serial_number, hashes.SHA1()).build()  # noqa: S303
    try:
        asked = urllib.request.Request(url, data=request.public_bytes(serialization.Encoding.DER),  # noqa: S310
                                       headers={"Content-Type": "application/ocsp-request"})
        with urllib.request.urlopen(asked, timeout=timeout) as answer:  # noqa: S310 (http(s) only: _ocsp_url)
            response = ocsp.load_der_ocsp_response(answer.read(1 << 20))
        if response.response_status != ocsp.OCSPResponseStatus.SUCCESSFUL:
            return None
        by_the_ca = response.responder_key_hash == key_hash or response.responder_name == authority.subject
        usable = (by_the_ca and response.serial_number == certificate.serial_number
                  and response.issuer_key_hash == key_hash and response.this_update_utc <= now + OCSP_SKEW
                  and (response.next_update_utc is None or response.next_update_utc >= now)
                  and _signed_by(response, authority))
    except (OSError, ValueError) as error:
        logger.warning("OCSP responder %s gave no usable answer for %x: %r", url, certificate.serial_number, error)
        return None
    if not usable:
        logger.warning("OCSP responder %s: its answer for %x is not the CA's, current, or for it", url,
                       certificate.serial_number)
        return None
    return (response.certificate_status, response.revocation_time_utc,
            response.next_update_utc or now + OCSP_SKEW)


def _revoked(certificate: x509.Certificate, authority: x509.Certificate, now: dt.datetime,
             lists: list[x509.CertificateRevocationList]) -> str:
    """Why the certificate cannot be accepted on revocation grounds, or ""."""
    own = [crl for crl in lists if crl.issuer == authority.subject]
    if not own:
        return _("The platform holds no revocation list of %(ca)s, so it cannot check this certificate; the "
                 "operator must configure the CA's list.") % {"ca": name_of(authority.subject)}
    for crl in own:
        if not _signed_by(crl, authority):
            return _("The revocation list of %(ca)s is not signed by that CA; the operator must replace it.") % {
                "ca": name_of(authority.subject)}
        if crl.next_update_utc is not None and crl.next_update_utc < now:
            return _("The revocation list of %(ca)s expired on %(date)s; the platform cannot check revocation "
                     "until the operator loads the current list.") % {
                "ca": name_of(authority.subject), "date": f"{crl.next_update_utc:%Y-%m-%d}"}
        entry = crl.get_revoked_certificate_by_serial_number(certificate.serial_number)
        if entry is not None:
            return _("This certificate was revoked by its CA on %(date)s. Ask your CA for a new certificate.") % {
                "date": f"{entry.revocation_date_utc:%Y-%m-%d}"}
    return ""


def certificate_check(data: str | bytes | x509.Certificate, *, organisation=None, holder: Holder | None = None,
                      at: dt.datetime | None = None) -> CertificateIdentity:
    """The certificate's identity if one of the configured CAs issued it and it may sign now (at ``at``) for
    ``organisation`` (or ``holder``); else ValidationError({"certificate": reason})."""
    bundle = [data] if isinstance(data, x509.Certificate) else certificate_bundle_parse(data)
    certificate, offered = bundle[0], bundle[1:]
    now = at or timezone.now()

    def refuse(message: str):
        raise ValidationError({"certificate": message})

    try:
        certificate_key(certificate)
    except sealing.KeyFileError:
        refuse(_("This certificate's key is neither SM2 nor ECDSA P-256, the two kinds the platform accepts. Use "
                 "your SM2 or P-256 signing certificate."))
    authorities, lists, configured_intermediates = _load_trust()
    path = _chain(certificate, authorities, [*offered, *configured_intermediates])
    if path is None:
        refuse(_("No CA the platform accepts issued this certificate (issuer: %(issuer)s). Use a certificate from "
                 "a CA the platform accepts.") % {"issuer": name_of(certificate.issuer)})
    authority = path[0]
    labels = [(certificate, _("This certificate"))] + [(ca, _("Its CA's certificate (%(ca)s)") % {
        "ca": name_of(ca.subject)}) for ca in path]
    for subject, label in labels:
        if now < subject.not_valid_before_utc:
            refuse(_("%(what)s is not valid before %(date)s.") % {
                "what": label, "date": f"{subject.not_valid_before_utc:%Y-%m-%d %H:%M} UTC"})
        if now > subject.not_valid_after_utc:
            refuse(_("%(what)s expired on %(date)s. Renew it with your CA and register the new one.") % {
                "what": label, "date": f"{subject.not_valid_after_utc:%Y-%m-%d}"})
    try:
        usage = certificate.extensions.get_extension_for_oid(ExtensionOID.KEY_USAGE).value
    except x509.ExtensionNotFound:
        usage = None
    if usage is not None and not (usage.digital_signature or usage.content_commitment):
        refuse(_("This certificate may not be used for signatures (its key usage). Use your signing certificate."))
    for held, issuer in zip([certificate, *path[:-1]], path, strict=True):  # each link against its issuer's list
        problem = _revoked(held, issuer, now, lists) or (held is certificate and _ocsp_revoked(held, issuer, now))
        if problem:
            refuse(problem if held is certificate else _("Its CA's certificate (%(ca)s) cannot be accepted: "
                                                         "%(problem)s") % {"ca": name_of(held.subject),
                                                                           "problem": problem})
    if organisation is not None:
        holder = Holder.of_organisation(organisation)
    if holder is not None and holder.kind == "person":
        code = _person_code(certificate)
        if code != holder.code.strip().upper():
            refuse(_("This certificate is not issued to you: it names %(code)s, and the platform knows you as "
                     "%(own)s (%(name)s). Use your own personal certificate.") % {
                "code": code or _("no holder number"), "own": holder.code, "name": holder.name})
    else:
        code = _credit_code(certificate)
        if not code:
            refuse(_("This certificate names no unified social credit code in its subject (organizationIdentifier, "
                     "serialNumber or OU). Use your organisation's certificate."))
        if holder is not None and code != holder.code:
            refuse(_("This certificate belongs to the organisation with credit code %(code)s, not to %(name)s "
                     "(%(own)s). Use your own organisation's certificate.") % {
                "code": code, "name": holder.name, "own": holder.code})
    return CertificateIdentity(
        certificate=certificate, issuer=authority.subject.rfc4514_string(), serial=f"{certificate.serial_number:x}",
        credit_code=code, subject=certificate.subject.rfc4514_string(), not_after=certificate.not_valid_after_utc,
        intermediates=tuple(ca for ca in path[:-1]))


def certificate_describe(data: str | bytes) -> dict:
    """What an uploaded file is, for the record of a refusal: the certificate's subject, issuer and serial number
    when it parses, and the SHA-256 of the bytes in any case (never a private key's bytes: only their hash)."""
    raw = data.encode("utf-8", "replace") if isinstance(data, str) else bytes(data or b"")
    described = {"sha256": hashlib.sha256(raw).hexdigest(), "size": len(raw)}
    try:
        certificate = certificate_parse(raw)
    except ValidationError:
        return described
    return {**described, "subject": certificate.subject.rfc4514_string(),
            "issuer": certificate.issuer.rfc4514_string(), "serial": f"{certificate.serial_number:x}"}


def certificate_summary(data: str | bytes) -> dict:
    """What a registered certificate says, for its holder's page (no trust checks: ``certificate_check`` does)."""
    certificate = certificate_parse(data)
    return {"subject": certificate.subject.rfc4514_string(), "issuer": certificate.issuer.rfc4514_string(),
            "holder_name": name_of(certificate.subject), "issuer_name": name_of(certificate.issuer),
            "serial": f"{certificate.serial_number:x}", "not_before": certificate.not_valid_before_utc,
            "not_after": certificate.not_valid_after_utc, "credit_code": _credit_code(certificate),
            "person_code": _person_code(certificate), "sha256": certificate_fingerprint(certificate)}


def authorities_summary() -> list[dict]:
    """The CAs the platform accepts (their names and end of validity), for the registration page."""
    authorities = _load_trust()[0]
    return [{"subject": a.subject.rfc4514_string(), "name": name_of(a.subject), "not_after": a.not_valid_after_utc}
            for a in authorities]


def name_of(name: x509.Name) -> str:
    """A distinguished name as people read it: its common name, else its organisation, else the whole name."""
    for oid in (NameOID.COMMON_NAME, NameOID.ORGANIZATION_NAME):
        for attribute in name.get_attributes_for_oid(oid):
            return str(attribute.value)
    return name.rfc4514_string()


def certificate_fingerprint(certificate: x509.Certificate) -> str:
    return certificate.fingerprint(hashes.SHA256()).hex()
