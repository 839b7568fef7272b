"""The pure draw function: deterministic, order-sensitive, refuses bad input, every index reachable."""

import hashlib
from collections import Counter

import pytest

from core import draw as algo

REQUEST = {"draw_request": 1, "reference": "X", "commitment": "c", "evaluation_starts_at": "2026-01-05T01:00:00Z",
           "evaluation_ends_at": "2026-01-05T05:00:00Z", "regions": ["310000"],
           "composition": [{"specialty": "A0801", "count": 3, "reserve": 2}]}
POOL = [{"specialty": "A0801", "candidates": list(range(10, 30))}]


def test_same_inputs_give_the_same_draw_and_another_seed_another():
    seed = bytes(range(32))
    first = algo.draw(seed=seed, request=REQUEST, pool=POOL)
    assert first == algo.draw(seed=seed, request=REQUEST, pool=POOL)
    assert first != algo.draw(seed=bytes(32), request=REQUEST, pool=POOL)
    assert len(set(first.groups[0].members + first.groups[0].reserves)) == 5


def test_the_pool_must_be_in_canonical_order():
    with pytest.raises(ValueError, match="ascending"):
        algo.draw(seed=bytes(32), request=REQUEST, pool=[{"specialty": "A0801", "candidates": [3, 2, 1, 4, 5]}])


def test_a_short_group_raises_draw_error_with_the_numbers():
    with pytest.raises(algo.DrawError) as caught:
        algo.draw(seed=bytes(32), request=REQUEST, pool=[{"specialty": "A0801", "candidates": [1, 2]}])
    assert (caught.value.needed, caught.value.available) == (3, 2)


def test_reserves_shrink_to_what_is_left():
    result = algo.draw(seed=bytes(32), request=REQUEST, pool=[{"specialty": "A0801", "candidates": [1, 2, 3, 4]}])
    assert len(result.groups[0].members) == 3 and len(result.groups[0].reserves) == 1


def test_first_pick_reaches_every_candidate_about_equally():
    counts = Counter(
        algo.draw(seed=hashlib.sha256(str(i).encode()).digest(), request=REQUEST, pool=POOL).groups[0].members[0]
        for i in range(4000)
    )
    assert set(counts) == set(POOL[0]["candidates"])
    assert max(counts.values()) < 2 * min(counts.values())


def test_commitment_is_sha256_of_the_seed():
    assert algo.commitment_of(b"\x01" * 32) == hashlib.sha256(b"\x01" * 32).hexdigest()
