"""The platform's signature inside every PDF it makes (PAdES, with pyHanko), and its certificate chain.

``document_sign(data)`` is the one way a PDF is signed: ``core.pdf.document_build`` calls it on every document it
lays out, and documents drawn elsewhere (supervision's decisions) call it too. The signature is a PAdES baseline
signature (``ETSI.CAdES.detached``, SHA-256, ECDSA P-256) by the platform's document-signing certificate, which the
platform CA issued; the signature carries both certificates, so any PDF reader shows who signed and whether a byte
changed, and a reader who trusts the platform CA (published at ``/pki/platform-ca.pem``) sees it as valid.

Where the key and the certificates come from (``settings``; docs/documents.md):

- ``PDF_SIGNING_KEY_FILE`` (env ``SUNSHINE_PDF_SIGNING_KEY``): the document-signing private key, PEM PKCS#8,
  encrypted with ``PDF_SIGNING_KEY_PASSPHRASE`` (env ``SUNSHINE_PDF_SIGNING_KEY_PASSPHRASE``) or not encrypted;
- ``PDF_SIGNING_CERT_FILE`` (env ``SUNSHINE_PDF_SIGNING_CERT``): its certificate, PEM;
- ``PDF_SIGNING_CHAIN_FILE`` (env ``SUNSHINE_PDF_SIGNING_CHAIN``): the issuing CA certificates up to the platform's
  root, PEM, one after another.

Production refuses to start without all three (config/settings.py). The embedded default, with none of them,
makes a platform CA and a signing certificate under ``VAR_DIR/keys/pdf/`` on first use (the keys mode 0600, never
committed); its root says in its name that it is for testing only.
"""

import asyncio
import datetime as dt
import io
import os
import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from asn1crypto import keys as asn1_keys
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

ORGANISATION = "阳光公共资源交易平台"
FIELD_NAME = "PlatformSignature"
REASON = "阳光公共资源交易平台签发，证明文件自签发以来未被改动"
# Bytes reserved for the CMS object: two P-256 certificates and a signature need about 1.5 KB.
RESERVED_BYTES = 8192
EMBEDDED_ROOT_NAME = f"{ORGANISATION} 内置根证书（仅供测试）"
SIGNER_NAME = f"{ORGANISATION} 电子文件签章"

_lock = threading.Lock()
_cache: dict[tuple, "SigningIdentity"] = {}


@dataclass(frozen=True)
class SigningIdentity:
    key: ec.EllipticCurvePrivateKey
    certificate: x509.Certificate
    chain: tuple[x509.Certificate, ...]  # issuing CAs, the root last

    @property
    def root(self) -> x509.Certificate:
        return self.chain[-1] if self.chain else self.certificate


# ---------------------------------------------------------------------------------------------------- the identity


def _embedded_dir() -> Path:
    return Path(settings.VAR_DIR) / "keys" / "pdf"


def _passphrase() -> bytes:
    configured = getattr(settings, "PDF_SIGNING_KEY_PASSPHRASE", "")
    return (configured or f"pdf-signing:{settings.SECRET_KEY}").encode()


def _write_private(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` (mode 0600) unless another process wrote it first."""
    temp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    descriptor = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "wb") as out:
        out.write(data)
        out.flush()
        os.fsync(out.fileno())
    try:
        os.link(temp, path)
    except FileExistsError:
        pass
    finally:
        temp.unlink(missing_ok=True)


def _name(common_name: str, unit: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COUNTRY_NAME, "CN"),
                      x509.NameAttribute(NameOID.ORGANIZATION_NAME, ORGANISATION),
                      x509.NameAttribute(NameOID.ORGANIZATIONAL_UNIT_NAME, unit),
                      x509.NameAttribute(NameOID.COMMON_NAME, common_name)])


def certificate_issue(*, subject: x509.Name, public_key, issuer: x509.Name, issuer_key, ca: bool,
                      days: int, not_before: dt.datetime | None = None) -> x509.Certificate:
    """A certificate signed by ``issuer_key`` (ECDSA with SHA-256): a CA's or a document signer's."""
    start = not_before or dt.datetime.now(dt.UTC) - dt.timedelta(minutes=5)
    builder = (x509.CertificateBuilder().subject_name(subject).issuer_name(issuer).public_key(public_key)
               .serial_number(x509.random_serial_number()).not_valid_before(start)
               .not_valid_after(start + dt.timedelta(days=days))
               .add_extension(x509.BasicConstraints(ca=ca, path_length=0 if ca else None), critical=True)
               .add_extension(x509.SubjectKeyIdentifier.from_public_key(public_key), critical=False))
    if ca:
        usage = dict(digital_signature=False, content_commitment=False, key_cert_sign=True, crl_sign=True)
    else:
        usage = dict(digital_signature=True, content_commitment=True, key_cert_sign=False, crl_sign=False)
    builder = builder.add_extension(x509.KeyUsage(key_encipherment=False, data_encipherment=False,
                                                  key_agreement=False, encipher_only=False, decipher_only=False,
                                                  **usage), critical=True)
    if issuer_key.public_key() != public_key:
        builder = builder.add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(issuer_key.public_key()), critical=False)
    return builder.sign(issuer_key, hashes.SHA256())


def identity_files_make(folder: Path, *, root_name: str = EMBEDDED_ROOT_NAME,
                        passphrase: bytes | None = None) -> tuple[Path, Path, Path]:
    """Make a platform CA and a document-signing certificate it issues, as files in ``folder`` (once): returns the
    paths of the signing key, its certificate and the CA chain (``manage.py pdf_signing_setup`` for operators)."""
    key_path, cert_path, chain_path = folder / "signing-key.pem", folder / "signing.pem", folder / "platform-ca.pem"
    if chain_path.exists() and cert_path.exists() and key_path.exists():
        return key_path, cert_path, chain_path
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    root_key = ec.generate_private_key(ec.SECP256R1())
    root_subject = _name(root_name, "平台根证书")
    root = certificate_issue(subject=root_subject, public_key=root_key.public_key(), issuer=root_subject,
                             issuer_key=root_key, ca=True, days=20 * 365)
    key = ec.generate_private_key(ec.SECP256R1())
    certificate = certificate_issue(subject=_name(SIGNER_NAME, "电子文件签章"), public_key=key.public_key(),
                                    issuer=root_subject, issuer_key=root_key, ca=False, days=10 * 365)
    encryption = serialization.BestAvailableEncryption(passphrase or _passphrase())
    pkcs8 = serialization.PrivateFormat.PKCS8
    # the CA's key signs nothing more here; it is kept beside the others for the operator to move offline
    _write_private(folder / "platform-ca-key.pem",
                   root_key.private_bytes(serialization.Encoding.PEM, pkcs8, encryption))
    _write_private(key_path, key.private_bytes(serialization.Encoding.PEM, pkcs8, encryption))
    _write_private(cert_path, certificate.public_bytes(serialization.Encoding.PEM))
    _write_private(chain_path, root.public_bytes(serialization.Encoding.PEM))
    return key_path, cert_path, chain_path


def _configured_paths() -> tuple[Path, Path, Path] | None:
    names = ("PDF_SIGNING_KEY_FILE", "PDF_SIGNING_CERT_FILE", "PDF_SIGNING_CHAIN_FILE")
    values = [getattr(settings, name, "") for name in names]
    if not any(values):
        return None
    missing = [name for name, value in zip(names, values, strict=True) if not value]
    if missing:
        raise ImproperlyConfigured(f"PDF signing needs all of {', '.join(names)}; missing: {', '.join(missing)}.")
    return tuple(Path(value) for value in values)


def identity_load(key_path: Path, cert_path: Path, chain_path: Path) -> SigningIdentity:
    """Read and check a signing identity: the key matches the certificate, each certificate is signed by the next,
    the last is a self-signed CA, and the signing certificate may sign documents. Errors say which file is wrong."""
    try:
        key_data, cert_data, chain_data = key_path.read_bytes(), cert_path.read_bytes(), chain_path.read_bytes()
    except OSError as error:
        raise ImproperlyConfigured(f"PDF signing: cannot read {error.filename}: {error.strerror}.") from error
    try:
        key = serialization.load_pem_private_key(key_data, password=_passphrase() if b"ENCRYPTED" in key_data
                                                 else None)
    except (ValueError, TypeError) as error:
        raise ImproperlyConfigured(f"PDF signing: the key {key_path} cannot be read (wrong passphrase in "
                                   f"PDF_SIGNING_KEY_PASSPHRASE, or not a PEM private key): {error}") from error
    if not isinstance(key, ec.EllipticCurvePrivateKey) or not isinstance(key.curve, ec.SECP256R1):
        raise ImproperlyConfigured(f"PDF signing: the key {key_path} must be an ECDSA P-256 key.")
    try:
        certificate = x509.load_pem_x509_certificate(cert_data)
        chain = tuple(x509.load_pem_x509_certificates(chain_data))
    except ValueError as error:
        raise ImproperlyConfigured(f"PDF signing: {cert_path} or {chain_path} holds no PEM certificate: "
                                   f"{error}") from error
    if certificate.public_key() != key.public_key():
        raise ImproperlyConfigured(f"PDF signing: the certificate {cert_path} is not the key {key_path}'s.")
    path = (certificate, *chain)
    for child, parent in zip(path, path[1:], strict=False):
        try:
            child.verify_directly_issued_by(parent)
        except Exception as error:  # InvalidSignature, or a key type that does not match
            raise ImproperlyConfigured(f"PDF signing: “{child.subject.rfc4514_string()}” is not issued by "
                                       f"“{parent.subject.rfc4514_string()}” ({error}); order {chain_path} from "
                                       f"the issuing CA up to the root.") from error
    if not chain:
        raise ImproperlyConfigured(f"PDF signing: {chain_path} holds no CA certificate.")
    try:
        chain[-1].verify_directly_issued_by(chain[-1])
    except Exception as error:
        raise ImproperlyConfigured(f"PDF signing: the last certificate of {chain_path} is not a self-signed "
                                   f"root.") from error
    return SigningIdentity(key=key, certificate=certificate, chain=chain)


def signing_identity() -> SigningIdentity:
    """The platform's document-signing key, certificate and CA chain (configured, or the embedded default's)."""
    paths = _configured_paths()
    with _lock:
        if paths is None:
            paths = identity_files_make(_embedded_dir())
        try:
            marker = tuple((str(p), p.stat().st_mtime_ns) for p in paths)
        except OSError as error:
            raise ImproperlyConfigured(f"PDF signing: cannot read {error.filename}: {error.strerror}.") from error
        if marker not in _cache:
            _cache.clear()
            _cache[marker] = identity_load(*paths)
        return _cache[marker]


def platform_ca_pem() -> bytes:
    """The platform CA chain (PEM) a reader trusts to see the platform's PDFs as validly signed."""
    return b"".join(c.public_bytes(serialization.Encoding.PEM) for c in signing_identity().chain)


# ---------------------------------------------------------------------------------------------------- sign, verify


def _run(work):
    """Run ``work`` (pyHanko runs an event loop of its own) here, or in a worker thread under a running loop."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return work()
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(work).result()


def _asn1(certificate: x509.Certificate) -> asn1_x509.Certificate:
    return asn1_x509.Certificate.load(certificate.public_bytes(serialization.Encoding.DER))


def document_sign(data: bytes, *, reason: str = REASON) -> bytes:
    """``data`` (a PDF) with the platform's PAdES signature added as an incremental update over the whole file."""
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.sign import fields, signers
    from pyhanko_certvalidator.registry import SimpleCertificateStore

    identity = signing_identity()
    key = asn1_keys.PrivateKeyInfo.load(identity.key.private_bytes(
        serialization.Encoding.DER, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()))
    signer = signers.SimpleSigner(
        signing_cert=_asn1(identity.certificate), signing_key=key,
        cert_registry=SimpleCertificateStore.from_certs([_asn1(c) for c in identity.chain]))
    meta = signers.PdfSignatureMetadata(
        field_name=FIELD_NAME, md_algorithm="sha256", subfilter=fields.SigSeedSubFilter.PADES,
        reason=reason, location=ORGANISATION, name=SIGNER_NAME,
        signer_key_usage={"non_repudiation", "digital_signature"})

    def work() -> bytes:
        writer = IncrementalPdfFileWriter(io.BytesIO(data), strict=False)
        return signers.sign_pdf(writer, meta, signer=signer, bytes_reserved=RESERVED_BYTES).getvalue()

    return _run(work)


@dataclass(frozen=True)
class Verdict:
    """What a validator says of a PDF's platform signature."""

    signed: bool  # the PDF carries a signature at all
    intact: bool  # the signed bytes hash to the signed digest and the signature verifies
    covers_whole_file: bool  # nothing was appended after the signature
    trusted: bool  # the signer's certificate chains to the trusted root
    signer: str  # the signing certificate's subject
    problem: str  # empty when all is well

    @property
    def valid(self) -> bool:
        return self.signed and self.intact and self.covers_whole_file and self.trusted


def document_verify(data: bytes, *, trust_roots: list[x509.Certificate] | None = None) -> Verdict:
    """Check ``data``'s platform signature with pyHanko's validator against ``trust_roots`` (the platform CA's root
    by default). Damage of any kind is a verdict, never an exception."""
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.validation import validate_pdf_signature
    from pyhanko.sign.validation.status import SignatureCoverageLevel
    from pyhanko_certvalidator import ValidationContext

    roots = trust_roots if trust_roots is not None else [signing_identity().root]

    def work() -> Verdict:
        try:
            reader = PdfFileReader(io.BytesIO(data), strict=False)
            signatures = reader.embedded_signatures
        except Exception as error:  # a damaged file: pyHanko cannot even read its structure
            return Verdict(False, False, False, False, "", f"unreadable PDF: {error}")
        if not signatures:
            return Verdict(False, False, False, False, "", "no signature")
        try:
            status = validate_pdf_signature(signatures[0], ValidationContext(
                trust_roots=[_asn1(r) for r in roots], allow_fetching=False, revocation_mode="soft-fail"))
        except Exception as error:
            return Verdict(True, False, False, False, "", f"signature cannot be checked: {error}")
        signer = status.signing_cert.subject.human_friendly if status.signing_cert else ""
        whole = status.coverage == SignatureCoverageLevel.ENTIRE_FILE
        problems = [text for ok, text in ((status.intact and status.valid, "the signed bytes changed"),
                                          (whole, "bytes were added after the signature"),
                                          (status.trusted, "the signer is not trusted")) if not ok]
        return Verdict(True, bool(status.intact and status.valid), whole, bool(status.trusted), signer,
                       "; ".join(problems))

    return _run(work)
