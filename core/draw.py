"""The verifiable random draw (随机抽取), as a pure function. No Django, no database.

Used by the expert draw (expert_pool) and any other app that draws by lot; it lives in core so
that every layer above can call it. Specified in docs/expert-draw.md; keep the two in step. In short:

1. ``canonical(x)`` = JSON with sorted keys, no spaces, UTF-8, non-ASCII kept.
2. ``commitment = SHA-256(seed)`` is published before the draw; ``seed`` is 32 random bytes.
3. ``request_hash = SHA-256(canonical(request))``; ``pool_hash = SHA-256(canonical(pool))``
   where ``pool`` is a list of groups ``{"specialty": code, "candidates": [ids ascending]}``.
4. Random stream: block ``i`` (i = 0, 1, 2, ...) is
   ``HMAC-SHA256(key=seed, msg=request_hash_bytes ‖ pool_hash_bytes ‖ uint64_be(i))``;
   the stream is block 0 ‖ block 1 ‖ ...
5. ``uniform(n)``: read the next 8 bytes of the stream as an unsigned big-endian integer
   ``u``; accept when ``u < 2^64 − (2^64 mod n)`` and return ``u mod n``, else read again
   (rejection sampling, so every index is exactly equally likely).
6. Groups are drawn in request order from one stream. For a group, ``remaining`` is its
   candidate list minus every expert already picked in an earlier group (members and
   reserves), order kept. Pick ``count + reserve`` times: ``remaining.pop(uniform(len))``,
   where ``reserve = min(requested reserve, len(remaining) − count)``. The first ``count``
   picks are members, the rest reserves in the order drawn.
"""

import hashlib
import hmac
import json
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

SEED_BYTES = 32
_TWO_64 = 1 << 64


class DrawError(ValueError):
    """The pool cannot fill the request; ``group`` is the index of the short group."""

    def __init__(self, message: str, *, group: int, needed: int, available: int):
        super().__init__(message)
        self.group = group
        self.needed = needed
        self.available = available


def canonical(value) -> bytes:
    """The one serialisation that is hashed: sorted keys, no spaces, UTF-8."""
    return json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def commitment_of(seed: bytes) -> str:
    """The commitment published before drawing: SHA-256 of the seed, hex."""
    return sha256_hex(seed)


def request_hash_of(request: dict) -> str:
    return sha256_hex(canonical(request))


def pool_hash_of(pool: Sequence[dict]) -> str:
    return sha256_hex(canonical(list(pool)))


def _stream(seed: bytes, request_hash: str, pool_hash: str) -> Iterator[int]:
    """Yield 64-bit unsigned integers from the HMAC-SHA256 counter-mode stream."""
    prefix = bytes.fromhex(request_hash) + bytes.fromhex(pool_hash)
    counter = 0
    while True:
        block = hmac.new(seed, prefix + counter.to_bytes(8, "big"), hashlib.sha256).digest()
        counter += 1
        for offset in range(0, len(block), 8):
            yield int.from_bytes(block[offset:offset + 8], "big")


def _uniform(stream: Iterator[int], n: int) -> int:
    limit = _TWO_64 - (_TWO_64 % n)
    while True:
        value = next(stream)
        if value < limit:
            return value % n


@dataclass(frozen=True)
class GroupResult:
    specialty: str
    members: tuple[int, ...]
    reserves: tuple[int, ...]


@dataclass(frozen=True)
class DrawResult:
    request_hash: str
    pool_hash: str
    groups: tuple[GroupResult, ...]

    def as_dict(self) -> dict:
        return {
            "request_hash": self.request_hash,
            "pool_hash": self.pool_hash,
            "groups": [{"specialty": g.specialty, "members": list(g.members), "reserves": list(g.reserves)}
                       for g in self.groups],
        }


def draw(*, seed: bytes, request: dict, pool: Sequence[dict]) -> DrawResult:
    """Draw members and reserves for every group of ``request`` from ``pool``.

    ``request["composition"]`` lists ``{"specialty", "count", "reserve"}`` in the same
    order as ``pool`` lists ``{"specialty", "candidates"}``; candidates are expert ids in
    ascending order without repeats. Raise DrawError when a group has too few candidates.
    """
    if len(seed) != SEED_BYTES:
        raise ValueError(f"the seed must be {SEED_BYTES} bytes")
    composition = request["composition"]
    if [g["specialty"] for g in composition] != [g["specialty"] for g in pool]:
        raise ValueError("the pool's groups must match the request's composition, in order")
    for group in pool:
        candidates = group["candidates"]
        if list(candidates) != sorted(set(candidates)):
            raise ValueError("candidates must be ascending ids without repeats (the canonical order)")
    request_hash = request_hash_of(request)
    pool_hash = pool_hash_of(pool)
    stream = _stream(seed, request_hash, pool_hash)
    taken: set[int] = set()
    results = []
    for index, (wanted, group) in enumerate(zip(composition, pool, strict=True)):
        remaining = [expert for expert in group["candidates"] if expert not in taken]
        count = int(wanted["count"])
        if len(remaining) < count:
            raise DrawError(
                f"group {index} ({wanted['specialty']}) needs {count} experts but only {len(remaining)} are eligible",
                group=index, needed=count, available=len(remaining),
            )
        reserve = min(int(wanted["reserve"]), len(remaining) - count)
        picked = [remaining.pop(_uniform(stream, len(remaining))) for _ in range(count + reserve)]
        taken.update(picked)
        results.append(GroupResult(wanted["specialty"], tuple(picked[:count]), tuple(picked[count:])))
    return DrawResult(request_hash=request_hash, pool_hash=pool_hash, groups=tuple(results))
