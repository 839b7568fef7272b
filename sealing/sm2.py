"""SM2 (GB/T 32918) encryption and signatures, with SM3 hashing.

The elliptic-curve arithmetic is gmssl's; everything around it is done here because gmssl
draws its nonces from ``random`` (not a cryptographic generator), does not check the C3
hash when decrypting, and mangles public keys whose hex starts with "0" or "4". Here every
nonce comes from ``secrets``, C1 is checked to be on the curve, C3 is compared in constant
time, and signatures follow GB/T 32918.2 with the default identity "1234567812345678".
Ciphertexts are laid out C1 || C3 || C2 (GB/T 32918.4-2016 order), C1 uncompressed.

The arithmetic is pure Python and not constant-time; see docs/crypto.md.
"""

import hmac
import secrets

from cryptography.hazmat.primitives import hashes
from gmssl.sm2 import CryptSM2, default_ecc_table

P = int(default_ecc_table["p"], 16)
A = int(default_ecc_table["a"], 16)
B = int(default_ecc_table["b"], 16)
N = int(default_ecc_table["n"], 16)
G_HEX = default_ecc_table["g"]
DEFAULT_ID = b"1234567812345678"


def sm3(*parts: bytes) -> bytes:
    """SM3 digest of the concatenated parts (OpenSSL's SM3 via ``cryptography``)."""
    hasher = hashes.Hash(hashes.SM3())
    for part in parts:
        hasher.update(part)
    return hasher.finalize()


def _curve(public_hex: str = "") -> CryptSM2:
    curve = CryptSM2(private_key="", public_key="")
    curve.public_key = public_hex  # set directly: the constructor strips leading "0"/"4" characters
    return curve


def _point_hex(point: bytes) -> str:
    return point[1:].hex()


def on_curve(point: bytes) -> bool:
    """Whether ``point`` is an uncompressed (0x04 || X || Y) point of the SM2 curve."""
    if len(point) != 65 or point[0] != 4:
        return False
    x = int.from_bytes(point[1:33], "big")
    y = int.from_bytes(point[33:], "big")
    if not (0 <= x < P and 0 <= y < P):
        return False
    return (y * y - (x * x * x + A * x + B)) % P == 0


def multiply(scalar: int, point: bytes | None = None) -> bytes:
    """``scalar`` × ``point`` (the base point G when None), as an uncompressed point."""
    result = _curve()._kg(scalar, G_HEX if point is None else _point_hex(point))
    if result is None:
        raise ValueError("the product is the point at infinity")
    return b"\x04" + bytes.fromhex(result)


def generate() -> tuple[int, bytes]:
    """A new key pair: the private scalar d in [1, n-2] and the public point dG."""
    d = secrets.randbelow(N - 2) + 1
    return d, multiply(d)


def _kdf(shared: bytes, length: int) -> bytes:
    out = bytearray()
    counter = 1
    while len(out) < length:
        out += sm3(shared, counter.to_bytes(4, "big"))
        counter += 1
    return bytes(out[:length])


def encrypt(public_point: bytes, message: bytes) -> bytes:
    """SM2-encrypt ``message`` to ``public_point``; returns C1 || C3 || C2."""
    if not on_curve(public_point):
        raise ValueError("the recipient's SM2 public key is not a point of the curve")
    while True:
        k = secrets.randbelow(N - 1) + 1
        c1 = multiply(k)
        shared = multiply(k, public_point)[1:]
        mask = _kdf(shared, len(message))
        if any(mask):
            break
    c2 = bytes(m ^ t for m, t in zip(message, mask, strict=True))
    c3 = sm3(shared[:32], message, shared[32:])
    return c1 + c3 + c2


def decrypt(private_scalar: int, ciphertext: bytes) -> bytes:
    """Decrypt a C1 || C3 || C2 ciphertext; ValueError when it does not check out."""
    if len(ciphertext) < 65 + 32 + 1:
        raise ValueError("the SM2 ciphertext is too short")
    c1, c3, c2 = ciphertext[:65], ciphertext[65:97], ciphertext[97:]
    if not on_curve(c1):
        raise ValueError("C1 of the SM2 ciphertext is not a point of the curve")
    shared = multiply(private_scalar, c1)[1:]
    mask = _kdf(shared, len(c2))
    if not any(mask):
        raise ValueError("the SM2 key stream is all zero")
    message = bytes(c ^ t for c, t in zip(c2, mask, strict=True))
    if not hmac.compare_digest(sm3(shared[:32], message, shared[32:]), c3):
        raise ValueError("the SM2 ciphertext does not decrypt with this key (C3 mismatch)")
    return message


def _e(public_point: bytes, message: bytes) -> bytes:
    entl = (len(DEFAULT_ID) * 8).to_bytes(2, "big")
    z = sm3(
        entl,
        DEFAULT_ID,
        A.to_bytes(32, "big"),
        B.to_bytes(32, "big"),
        bytes.fromhex(G_HEX),
        public_point[1:],
    )
    return sm3(z, message)


def sign(private_scalar: int, public_point: bytes, message: bytes) -> bytes:
    """SM2 signature (with SM3 and the default identity) of ``message``: r || s, 64 bytes."""
    e = _e(public_point, message)
    curve = _curve()
    curve.private_key = f"{private_scalar:064x}"
    while True:
        k = secrets.randbelow(N - 1) + 1
        signature = curve.sign(e, f"{k:064x}")
        if signature is not None:
            return bytes.fromhex(signature)


def verify(public_point: bytes, message: bytes, signature: bytes) -> bool:
    """Whether ``signature`` (r || s) is ``public_point``'s SM2 signature of ``message``."""
    if len(signature) != 64 or not on_curve(public_point):
        return False
    r = int.from_bytes(signature[:32], "big")
    s = int.from_bytes(signature[32:], "big")
    if not (1 <= r < N and 1 <= s < N):
        return False
    return bool(_curve(_point_hex(public_point)).verify(signature.hex(), _e(public_point, message)))
