"""Key pairs for both suites, their files, and fingerprints.

A key is a point on a curve (``intl``: NIST P-256, ``gm``: the SM2 curve). Public keys are
stored as SubjectPublicKeyInfo (DER, or PEM "PUBLIC KEY"): algorithm id-ecPublicKey with the
curve's OID as parameter, the point uncompressed. That is what WebCrypto imports as "spki"
and what OpenSSL reads. Private keys are stored as encrypted PKCS#8 PEM ("ENCRYPTED PRIVATE
KEY", PBKDF2-HMAC-SHA256 with 600 000 iterations and AES-256-CBC; OpenSSL and WebCrypto can
both decrypt it). The fingerprint of a key is the hex digest, by the suite's hash (SHA-256 or
SM3), of its SubjectPublicKeyInfo DER.
"""

import hashlib
from dataclasses import dataclass, field
from typing import Any

from Crypto.IO import PEM, PKCS8
from Crypto.PublicKey import ECC
from Crypto.Util.asn1 import DerBitString, DerObjectId, DerOctetString, DerSequence
from cryptography.hazmat.primitives.asymmetric import ec

from sealing import sm2
from sealing.errors import KeyFileError, WrongPassphrase

SUITES = ("intl", "gm")
EC_PUBLIC_KEY_OID = "1.2.840.10045.2.1"
CURVE_OIDS = {"intl": "1.2.840.10045.3.1.7", "gm": "1.2.156.10197.1.301"}
SUITE_BY_CURVE_OID = {oid: suite for suite, oid in CURVE_OIDS.items()}
KEY_FILE_PROTECTION = "PBKDF2WithHMAC-SHA256AndAES256-CBC"
KEY_FILE_ITERATIONS = 600_000


def suite_hash(suite: str, *parts: bytes) -> bytes:
    """The suite's digest (``intl``: SHA-256, ``gm``: SM3) of the concatenated parts."""
    if suite == "gm":
        return sm2.sm3(*parts)
    hasher = hashlib.sha256()
    for part in parts:
        hasher.update(part)
    return hasher.digest()


@dataclass(frozen=True)
class PublicKey:
    """A public key: the suite it belongs to and its uncompressed point (0x04 || X || Y)."""

    suite: str
    point: bytes

    def __post_init__(self) -> None:
        if self.suite not in SUITES:
            raise KeyFileError(f"unknown suite {self.suite!r}; use one of {', '.join(SUITES)}")
        valid = sm2.on_curve(self.point) if self.suite == "gm" else _p256_valid(self.point)
        if not valid:
            raise KeyFileError(f"the public key is not a point of the {self.suite} curve: the key file is damaged")

    def der(self) -> bytes:
        """SubjectPublicKeyInfo DER."""
        algorithm = DerSequence([DerObjectId(EC_PUBLIC_KEY_OID), DerObjectId(CURVE_OIDS[self.suite])])
        return DerSequence([algorithm, DerBitString(self.point)]).encode()

    def openssl(self) -> ec.EllipticCurvePublicKey:
        """The OpenSSL key (``intl`` only), made on first use and kept with this object."""
        return _kept(self, lambda: ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), self.point))

    def pem(self) -> str:
        """SubjectPublicKeyInfo PEM ("PUBLIC KEY")."""
        return PEM.encode(self.der(), "PUBLIC KEY") + "\n"

    @property
    def fingerprint(self) -> str:
        """Hex digest of the SubjectPublicKeyInfo DER by the suite's hash."""
        return self.key_id.hex()

    @property
    def key_id(self) -> bytes:
        """The fingerprint as 32 raw bytes, as envelopes and shares carry it."""
        return suite_hash(self.suite, self.der())


@dataclass(frozen=True)
class PrivateKey:
    """A private key: the suite, the secret scalar and the matching public key."""

    suite: str
    scalar: int = field(repr=False)
    public_key: PublicKey

    def pem(self, passphrase: str) -> bytes:
        """Encrypted PKCS#8 PEM protected by ``passphrase``."""
        if not passphrase:
            raise KeyFileError("a private key is only ever stored encrypted: give a passphrase")
        ec_private_key = DerSequence(
            [1, DerOctetString(self.scalar.to_bytes(32, "big")), DerBitString(self.public_key.point, explicit=1)]
        ).encode()
        der = PKCS8.wrap(
            ec_private_key,
            EC_PUBLIC_KEY_OID,
            passphrase=passphrase,
            protection=KEY_FILE_PROTECTION,
            prot_params={"iteration_count": KEY_FILE_ITERATIONS},
            key_params=DerObjectId(CURVE_OIDS[self.suite]),
        )
        return (PEM.encode(der, "ENCRYPTED PRIVATE KEY") + "\n").encode()

    def ecc(self) -> ECC.EccKey:
        """The pycryptodome key (``intl`` only)."""
        return ECC.construct(curve="P-256", d=self.scalar)

    def openssl(self) -> ec.EllipticCurvePrivateKey:
        """The OpenSSL key (``intl`` only), made on first use and kept with this object (never in a global cache)."""
        return _kept(self, lambda: ec.derive_private_key(self.scalar, ec.SECP256R1()))


def _kept(key: "PublicKey | PrivateKey", make: Any) -> Any:
    """The OpenSSL object of ``key``, made by ``make`` once and kept in the (frozen) key's own __dict__."""
    kept = key.__dict__.get("_openssl")
    if kept is None:
        kept = make()
        object.__setattr__(key, "_openssl", kept)
    return kept


def _p256_valid(point: bytes) -> bool:
    if len(point) != 65 or point[0] != 4:
        return False
    try:
        p256_public(point)
    except ValueError:
        return False
    return True


def p256_public(point: bytes) -> ECC.EccKey:
    """The pycryptodome public key of an uncompressed P-256 point (ValueError if off the curve)."""
    x, y = int.from_bytes(point[1:33], "big"), int.from_bytes(point[33:], "big")
    return ECC.construct(curve="P-256", point_x=x, point_y=y)


def keypair_generate(suite: str = "intl") -> PrivateKey:
    """A new key pair of ``suite`` ("intl": P-256, "gm": SM2)."""
    if suite == "gm":
        scalar, point = sm2.generate()
        return PrivateKey("gm", scalar, PublicKey("gm", point))
    if suite != "intl":
        raise KeyFileError(f"unknown suite {suite!r}; use one of {', '.join(SUITES)}")
    key = ECC.generate(curve="P-256")
    return PrivateKey("intl", int(key.d), PublicKey("intl", key.public_key().export_key(format="raw")))


def private_key_from_scalar(suite: str, scalar: int) -> PrivateKey:
    """The key pair of a known scalar (used when an opening key is recombined)."""
    if suite == "gm":
        point = sm2.multiply(scalar)
    else:
        point = ECC.construct(curve="P-256", d=scalar).public_key().export_key(format="raw")
    return PrivateKey(suite, scalar, PublicKey(suite, point))


def _der_from(data: bytes | str, label: str) -> bytes:
    if isinstance(data, bytes) and not data.lstrip().startswith(b"-----"):
        return data
    text = data.decode("ascii", "replace") if isinstance(data, bytes) else data
    try:
        der, found, _ = PEM.decode(text.strip())
    except ValueError:
        raise KeyFileError(f"this is not a PEM {label} file; give the .pem file written by `python -m sealing keygen`")
    if found != label:
        raise KeyFileError(f"this PEM file holds a {found}, not a {label}")
    return der


def public_key_load(data: bytes | str) -> PublicKey:
    """A public key from SubjectPublicKeyInfo PEM or DER."""
    der = _der_from(data, "PUBLIC KEY")
    try:
        spki = DerSequence().decode(der)
        algorithm = DerSequence().decode(spki[0])
        if DerObjectId().decode(algorithm[0]).value != EC_PUBLIC_KEY_OID:
            raise ValueError("not an EC key")
        curve_oid = DerObjectId().decode(algorithm[1]).value
        point = DerBitString().decode(spki[1]).value
    except (ValueError, IndexError, TypeError, EOFError):
        raise KeyFileError("the public key file is malformed: it is not an elliptic-curve SubjectPublicKeyInfo")
    if curve_oid not in SUITE_BY_CURVE_OID:
        raise KeyFileError(f"the public key is on curve {curve_oid}; only P-256 (intl) and SM2 (gm) keys are used")
    return PublicKey(SUITE_BY_CURVE_OID[curve_oid], bytes(point))


def private_key_load(data: bytes | str, passphrase: str) -> PrivateKey:
    """A private key from an encrypted PKCS#8 PEM file."""
    der = _der_from(data, "ENCRYPTED PRIVATE KEY")
    try:
        oid, ec_private_key, params = PKCS8.unwrap(der, passphrase=passphrase)
    except ValueError as exc:
        if "passphrase" in str(exc).lower() or "padding" in str(exc).lower() or "decrypt" in str(exc).lower():
            raise WrongPassphrase("the passphrase does not open this private key file; type it again")
        raise WrongPassphrase(f"the private key file cannot be decrypted ({exc}); check the passphrase and the file")
    try:
        curve_oid = DerObjectId().decode(params).value if params is not None else None
        if oid != EC_PUBLIC_KEY_OID or curve_oid not in SUITE_BY_CURVE_OID:
            raise ValueError("not an EC key on a supported curve")
        sequence = DerSequence().decode(ec_private_key)
        scalar = int.from_bytes(DerOctetString().decode(sequence[1]).payload, "big")
    except (ValueError, IndexError, TypeError, EOFError):
        raise WrongPassphrase(
            "the private key file does not decrypt to a key: the passphrase is wrong or the file is damaged"
        )
    return private_key_from_scalar(SUITE_BY_CURVE_OID[curve_oid], scalar)
