"""PKCS#12 files (.pfx, .p12), as CAs deliver software certificates: the private key and its certificate.

Read with asn1crypto and decrypted with pycryptodome, so an SM2 key reads as well as a P-256 one (``cryptography``
refuses a PKCS#12 file whose key is SM2). The MAC is checked first (HMAC with the PKCS#12 key derivation of RFC 7292
appendix B, by the file's digest: SHA-1, SHA-256, …); a wrong passphrase fails there. Encryption of the key and of the
certificates: PBES2 (PBKDF2 with AES-CBC: what OpenSSL 3 and current CA tools write) and the older PKCS#12 schemes
pbeWithSHAAnd3-KeyTripleDES-CBC and pbeWithSHAAnd40BitRC2-CBC (older OpenSSL and Windows exports).
"""

import hashlib
import hmac

from asn1crypto import keys as asn1_keys
from asn1crypto import pkcs12
from Crypto.Cipher import ARC2, DES3
from Crypto.IO._PBES import PBES2
from Crypto.Util.asn1 import DerOctetString, DerSequence
from Crypto.Util.Padding import unpad

from sealing.certificates import certificate_public_key
from sealing.errors import KeyFileError, WrongPassphrase
from sealing.keys import SUITE_BY_CURVE_OID, PrivateKey, private_key_from_scalar

LEGACY = {"pkcs12_sha1_tripledes_3key": (DES3, 24), "pkcs12_sha1_rc2_40": (ARC2, 5)}


def _kdf(digest: str, password: str, salt: bytes, purpose: int, iterations: int, size: int) -> bytes:
    """RFC 7292 appendix B.2: ``size`` bytes of key (purpose 1), IV (2) or MAC key (3) from a passphrase."""
    block = hashlib.new(digest).block_size
    secret = password.encode("utf-16-be") + b"\0\0"

    def filled(value: bytes) -> bytes:  # repeated up to the next multiple of the block size
        size = -(-len(value) // block) * block
        return (value * (size // len(value) + 1))[:size] if value else b""

    state = bytearray(filled(salt) + filled(secret))
    out = b""
    while len(out) < size:
        a = bytes([purpose]) * block + bytes(state)
        for _ in range(iterations):
            a = hashlib.new(digest, a).digest()
        out += a
        b = int.from_bytes((a * (block // len(a) + 1))[:block], "big")
        for start in range(0, len(state), block):
            value = (int.from_bytes(state[start:start + block], "big") + b + 1) % (1 << (8 * block))
            state[start:start + block] = value.to_bytes(block, "big")
    return out[:size]


def _decrypt(algorithm, encrypted: bytes, password: str) -> bytes:
    name = algorithm["algorithm"].native
    if name == "pbes2":
        wrapped = DerSequence([algorithm.dump(), DerOctetString(encrypted).encode()]).encode()
        return PBES2.decrypt(wrapped, password.encode("utf-8"))
    if name not in LEGACY:
        raise KeyFileError(f"this .pfx file is encrypted with {name}, which the tool does not read; export it again "
                           "with AES (PBES2) or 3DES")
    cipher, size = LEGACY[name]
    salt, iterations = algorithm["parameters"]["salt"].native, algorithm["parameters"]["iterations"].native
    key, iv = _kdf("sha1", password, salt, 1, iterations, size), _kdf("sha1", password, salt, 2, iterations, 8)
    made = (cipher.new(key, cipher.MODE_CBC, iv, effective_keylen=40) if cipher is ARC2
            else cipher.new(key, cipher.MODE_CBC, iv))
    return unpad(made.decrypt(encrypted), 8)


def _private_key(info: asn1_keys.PrivateKeyInfo) -> PrivateKey:
    algorithm = info["private_key_algorithm"]
    curve = algorithm["parameters"].chosen if algorithm["algorithm"].native == "ec" else None
    suite = SUITE_BY_CURVE_OID.get(curve.dotted) if isinstance(curve, asn1_keys.NamedCurve) else None
    if suite is None:
        raise KeyFileError("the key in this .pfx file is neither SM2 nor ECDSA P-256")
    return private_key_from_scalar(suite, info["private_key"].parsed["private_key"].native)


def pfx_load(data: bytes, passphrase: str) -> tuple[PrivateKey, bytes | None]:
    """The private key of a PKCS#12 file and the DER of the certificate of that key (None when the file holds
    none); KeyFileError when it is not such a file, WrongPassphrase when the passphrase does not open it."""
    try:
        pfx = pkcs12.Pfx.load(bytes(data), strict=True)
        content = pfx["auth_safe"]["content"].native
        mac = pfx["mac_data"]
    except (ValueError, TypeError, KeyError) as exc:
        raise KeyFileError(f"this is not a PKCS#12 (.pfx/.p12) file ({exc})")
    if mac.native is not None:
        digest = mac["mac"]["digest_algorithm"]["algorithm"].native
        size = hashlib.new(digest).digest_size
        mac_key = _kdf(digest, passphrase, mac["mac_salt"].native, 3, mac["iterations"].native, size)
        if not hmac.compare_digest(hmac.new(mac_key, content, digest).digest(), mac["mac"]["digest"].native):
            raise WrongPassphrase("the passphrase does not open this .pfx file (or the file is damaged)")
    keys, certificates = [], []
    try:
        for info in pkcs12.AuthenticatedSafe.load(content):
            if info["content_type"].native == "encrypted_data":
                encrypted = info["content"]["encrypted_content_info"]
                plain = _decrypt(encrypted["content_encryption_algorithm"], encrypted["encrypted_content"].native,
                                 passphrase)
            else:
                plain = info["content"].native
            for bag in pkcs12.SafeContents.load(plain):
                kind, value = bag["bag_id"].native, bag["bag_value"]
                if kind == "pkcs8_shrouded_key_bag":
                    keys.append(asn1_keys.PrivateKeyInfo.load(_decrypt(
                        value["encryption_algorithm"], value["encrypted_data"].native, passphrase)))
                elif kind == "key_bag":
                    keys.append(value)
                elif kind == "cert_bag" and value["cert_id"].native == "x509":
                    certificates.append(value["cert_value"].parsed.dump())
        if len(keys) != 1:
            raise KeyFileError(f"this .pfx file holds {len(keys)} private keys; export the one signing key")
        key = _private_key(keys[0])
    except ValueError as exc:  # a padding or structure error after the MAC passed: the file is damaged
        raise KeyFileError(f"this .pfx file cannot be read ({exc})")
    own = [c for c in certificates if _certifies(c, key)]
    return key, own[0] if own else None


def _certifies(certificate_der: bytes, key: PrivateKey) -> bool:
    try:
        return certificate_public_key(certificate_der) == key.public_key
    except KeyFileError:
        return False
