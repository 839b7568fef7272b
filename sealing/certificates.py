"""X.509 glue for both suites: a certificate's key as a sealing key, and SM2 signatures of certificates and lists.

``cryptography`` parses SM2 certificates and revocation lists (names, validity, extensions, the signed bytes) but
can neither load an SM2 key nor verify an SM2 signature. Here asn1crypto reads the SubjectPublicKeyInfo (algorithm
id-ecPublicKey with the curve's OID as parameter: 1.2.840.10045.3.1.7 for P-256, 1.2.156.10197.1.301 for SM2, as
GM/T 0015 lays out an SM2 certificate) and the signature value (DER ``SEQUENCE { r, s }``); sealing.sm2 verifies
SM2 with SM3 (signature algorithm 1.2.156.10197.1.501) with the default user id ``1234567812345678`` in the Z value,
as GM/T 0015 and GM/T 0009 prescribe for certificates and CRLs.
"""

import hashlib

from asn1crypto import algos
from asn1crypto import x509 as asn1_x509

from sealing import sm2
from sealing.errors import KeyFileError
from sealing.keys import PublicKey, public_key_load

SM2_WITH_SM3 = "1.2.156.10197.1.501"


def certificate_public_key(certificate_der: bytes) -> PublicKey:
    """The key of an X.509 certificate (DER), P-256 (``intl``) or SM2 (``gm``); KeyFileError when the certificate
    cannot be read or its key is neither."""
    try:
        spki = asn1_x509.Certificate.load(bytes(certificate_der), strict=True)["tbs_certificate"][
            "subject_public_key_info"].dump()
    except (ValueError, TypeError, KeyError) as exc:
        raise KeyFileError(f"this is not a readable X.509 certificate ({exc})")
    return public_key_load(spki)


def certificate_key_hash(certificate_der: bytes) -> bytes:
    """SHA-1 of the certificate's subjectPublicKey bits: how OCSP (RFC 6960 CertID, ResponderID byKey) names a CA's key,
    whatever the key's algorithm."""
    try:
        bits = asn1_x509.Certificate.load(bytes(certificate_der), strict=True)["tbs_certificate"][
            "subject_public_key_info"]["public_key"].contents[1:]  # after the unused-bits byte
    except (ValueError, TypeError, KeyError) as exc:
        raise KeyFileError(f"this is not a readable X.509 certificate ({exc})")
    return hashlib.sha1(bits).digest()  # noqa: S324 (the hash OCSP names keys by)


def sm2_signature_verify(key: PublicKey, signed: bytes, signature_der: bytes) -> bool:
    """Whether ``signature_der`` (DER ``SEQUENCE { r, s }``) is ``key``'s SM2-with-SM3 signature of ``signed``."""
    if key.suite != "gm":
        return False
    try:
        parsed = algos.DSASignature.load(bytes(signature_der), strict=True)
        r, s = parsed["r"].native, parsed["s"].native
        raw = r.to_bytes(32, "big") + s.to_bytes(32, "big")
    except (ValueError, TypeError, OverflowError):
        return False
    return sm2.verify(key.point, bytes(signed), raw)
