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

Format version 2 (``sunshine-expert-draw-v2``) keeps steps 1-6 and changes only where the HMAC key comes from: the
pool is fixed and hashed first, then the key is mixed from the platform's committed seed and a witness's committed
secret, both revealed after the pool is fixed (``fixing_hash_of``, ``fallback_of``, ``seed_v2``, ``draw_v2``);
``record_verify`` checks a published record of either version step by step.
"""

import datetime as dt
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


# ---------------------------------------------------------------------------------------------------- version 2

FORMAT_V1 = "sunshine-expert-draw-v1"
FORMAT_V2 = "sunshine-expert-draw-v2"
SEED_CONTEXT_V2 = b"sunshine-expert-draw-v2 seed\x00"
FALLBACK_CONTEXT_V2 = b"sunshine-expert-draw-v2 no reveal\x00"


def fixing_hash_of(fixing: dict) -> str:
    """The hash of the pool-fixing statement (``{"format", "request_hash", "pool_hash", "platform_commitment",
    "witness": {"organisation", "commitment"}, "fixed_at", "reveal_deadline"}``), published when the pool is fixed."""
    return sha256_hex(canonical(fixing))


def utc_text(moment) -> str | None:
    """A moment as the draw records write it: UTC to the second, ``2026-03-01T01:00:00Z``."""
    return moment.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ") if moment else None


def fixing_statement(*, request_hash: str, pool_hash: str, platform_commitment: str, witness_organisation: str | None,
                     witness_commitment: str | None, fixed_at, reveal_deadline) -> dict:
    """The pool-fixing statement of format 2, published when the pool is fixed: it names the request, the pool, both
    commitments and the reveal deadline, so the fallback value it determines is fixed with the pool."""
    return {"format": FORMAT_V2, "request_hash": request_hash, "pool_hash": pool_hash,
            "platform_commitment": platform_commitment,
            "witness": {"organisation": witness_organisation, "commitment": witness_commitment or None},
            "fixed_at": utc_text(fixed_at), "reveal_deadline": utc_text(reveal_deadline)}


def fallback_of(fixing_hash: str) -> bytes:
    """The witness value used when the witness made no commitment before the pool was fixed, or did not reveal by
    the deadline: ``SHA-256("sunshine-expert-draw-v2 no reveal\\0" ‖ fixing_hash)``, fixed with the pool."""
    return hashlib.sha256(FALLBACK_CONTEXT_V2 + bytes.fromhex(fixing_hash)).digest()


def seed_v2(*, platform_seed: bytes, witness_value: bytes, fixing_hash: str) -> bytes:
    """The draw's HMAC key: ``HMAC-SHA256(key=platform seed, "sunshine-expert-draw-v2 seed\\0" ‖ witness value ‖
    fixing_hash)``. Neither party alone knows it before both have revealed, and both committed before the pool was
    fixed."""
    if len(platform_seed) != SEED_BYTES or len(witness_value) != SEED_BYTES:
        raise ValueError(f"the platform seed and the witness value must be {SEED_BYTES} bytes")
    return hmac.new(platform_seed, SEED_CONTEXT_V2 + witness_value + bytes.fromhex(fixing_hash),
                    hashlib.sha256).digest()


def witness_value_of(*, fixing: dict, witness_secret: bytes | None) -> bytes:
    """The witness's revealed secret if it opens the commitment in ``fixing``, else the fallback."""
    commitment = (fixing.get("witness") or {}).get("commitment")
    if witness_secret is not None:
        if not commitment or commitment_of(witness_secret) != commitment:
            raise ValueError("the witness secret does not open the witness commitment of the fixed pool")
        return witness_secret
    return fallback_of(fixing_hash_of(fixing))


def draw_v2(*, platform_seed: bytes, witness_secret: bytes | None, request: dict, pool: Sequence[dict],
            fixing: dict) -> DrawResult:
    """Draw by format version 2: the fixing statement must name this request, this pool and the platform seed's
    commitment; the witness secret (or, without one, the fallback) is mixed in."""
    request_hash, pool_hash = request_hash_of(request), pool_hash_of(pool)
    if fixing.get("format") != FORMAT_V2 or request.get("format") != FORMAT_V2:
        raise ValueError(f"not a {FORMAT_V2} draw")
    if fixing.get("request_hash") != request_hash or fixing.get("pool_hash") != pool_hash:
        raise ValueError("the fixing statement names another request or pool")
    if fixing.get("platform_commitment") != commitment_of(platform_seed) or request.get("commitment") != \
            fixing.get("platform_commitment"):
        raise ValueError("the platform seed does not open the commitment the request and the fixing name")
    witness = witness_value_of(fixing=fixing, witness_secret=witness_secret)
    return draw(seed=seed_v2(platform_seed=platform_seed, witness_value=witness, fixing_hash=fixing_hash_of(fixing)),
                request=request, pool=pool)


def _at(value) -> str:
    return value or ""


def record_verify(record: dict) -> list[tuple[str, bool]]:
    """Check a published, announced record (either version) step by step: ``[(check, ok), ...]``.

    Version 2 checks the order of commitments too: the platform committed, then the witness, then the pool was
    fixed (its statement names both commitments), then the witness revealed before the deadline (or the fallback
    was used, and only after the deadline), then the committee was drawn.
    """
    checks: list[tuple[str, bool]] = []

    def check(name: str, test) -> None:
        try:
            checks.append((name, bool(test())))
        except (KeyError, TypeError, ValueError, AttributeError):
            checks.append((name, False))

    seed = bytes.fromhex(record.get("seed") or "")
    check("commitment = SHA-256(seed)", lambda: commitment_of(seed) == record["commitment"])
    check("request hash", lambda: request_hash_of(record["request"]) == record["request_hash"])
    check("pool hash", lambda: pool_hash_of(record["pool"]) == record["pool_hash"])
    if record.get("format", FORMAT_V1) == FORMAT_V1 and "fixing" not in record:
        check("members and reserves", lambda: draw(seed=seed, request=record["request"], pool=record["pool"])
              .as_dict()["groups"] == record["result"]["groups"])
        return checks
    fixing = record.get("fixing") or {}
    witness = record.get("witness") or {}
    check("format v2", lambda: record["format"] == FORMAT_V2 and record["request"]["format"] == FORMAT_V2
          and fixing["format"] == FORMAT_V2)
    check("fixing hash", lambda: fixing_hash_of(fixing) == record["fixing_hash"])
    check("fixing names the request, the pool and the platform commitment", lambda: (
        fixing["request_hash"] == record["request_hash"] and fixing["pool_hash"] == record["pool_hash"]
        and fixing["platform_commitment"] == record["commitment"] == record["request"]["commitment"]))
    check("fixing names the witness commitment", lambda: fixing["witness"]["commitment"] == witness.get("commitment"))
    secret = bytes.fromhex(witness["secret"]) if witness.get("secret") else None
    if secret is not None:
        check("witness commitment = SHA-256(witness secret)", lambda: commitment_of(secret) == witness["commitment"])
        check("witness revealed after the pool was fixed and by the deadline", lambda: (
            fixing["fixed_at"] <= witness["revealed_at"] <= fixing["reveal_deadline"]))
    elif fixing.get("witness", {}).get("commitment"):
        check("fallback only after the reveal deadline", lambda: fixing["reveal_deadline"] <= record["drawn_at_utc"])
    else:
        check("fallback: no witness commitment before the pool was fixed", lambda: witness.get("committed_at") is None)
    check("order of commitments: platform, witness, pool fixed", lambda: (
        record["committed_at_utc"] <= _at(witness.get("committed_at") or fixing["fixed_at"]) <= fixing["fixed_at"]))
    check("drawn after the pool was fixed", lambda: fixing["fixed_at"] <= record["drawn_at_utc"])
    events = record.get("events") or []
    check("audit events in that order", lambda: [e["seq"] for e in events] == sorted(e["seq"] for e in events)
          and len({e["seq"] for e in events}) == len(events) and len(events) >= 3)
    check("members and reserves", lambda: draw_v2(
        platform_seed=seed, witness_secret=secret, request=record["request"], pool=record["pool"],
        fixing=fixing).as_dict()["groups"] == record["result"]["groups"])
    return checks
