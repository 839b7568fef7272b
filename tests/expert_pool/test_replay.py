"""Anyone can replay a finished draw (format version 1 or 2) from its published JSON record and get the same committee.

The replay below is written from docs/expert-draw.md alone; it does not import
core.draw, so a change to the project's function that breaks
the published specification makes this test fail.
"""

import hashlib
import hmac
import json

import pytest
from django.core.management import call_command
from django.urls import reverse

from expert_pool.services import draws
from tests.expert_pool import factories

pytestmark = pytest.mark.django_db


def spec_canonical(value) -> bytes:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def spec_replay(seed: bytes, request: dict, pool: list) -> list[tuple[list[int], list[int]]]:
    request_hash = hashlib.sha256(spec_canonical(request)).digest()
    pool_hash = hashlib.sha256(spec_canonical(pool)).digest()
    words: list[int] = []
    counter = 0

    def next_word() -> int:
        nonlocal counter
        if not words:
            block = hmac.new(seed, request_hash + pool_hash + counter.to_bytes(8, "big"), hashlib.sha256).digest()
            counter += 1
            words.extend(int.from_bytes(block[i:i + 8], "big") for i in range(0, 32, 8))
        return words.pop(0)

    def uniform(n: int) -> int:
        bound = 2**64 - 2**64 % n
        while (u := next_word()) >= bound:
            pass
        return u % n

    taken, out = set(), []
    for wanted, group in zip(request["composition"], pool, strict=True):
        left = [c for c in group["candidates"] if c not in taken]
        reserve = min(wanted["reserve"], len(left) - wanted["count"])
        picks = [left.pop(uniform(len(left))) for _ in range(wanted["count"] + reserve)]
        taken.update(picks)
        out.append((picks[:wanted["count"]], picks[wanted["count"]:]))
    return out


VACATED = {"declined", "expired", "refused", "replaced"}


def test_a_finished_draw_replays_from_its_published_record(client):
    # given a two-specialty draw with exclusions, a decline and an announcement
    who = factories.parties()
    [factories.expert(specialty="A080102") for _ in range(9)]
    [factories.expert(specialty="A080501") for _ in range(5)]
    factories.expert(specialty="A080102", employer=who["bidders"][0])
    factories.expert(specialty="A080501", status="suspended")
    request = factories.draw_request(who=who, composition=[{"specialty": "A0801", "count": 5},
                                                           {"specialty": "A0805", "count": 2}], reserve_size=2,
                                     draw_format=1)
    request = draws.draw_perform(request=request)
    first = request.seats.filter(role="member").order_by("group", "position").first()
    draws.seat_answer(seat=first, accept=False, note="身体原因")
    draws.draw_announce(request=request)

    # when anyone fetches the published record and replays it independently
    record = client.get(reverse("expert_pool_api:record", args=[request.pk])).json()
    seed = bytes.fromhex(record["seed"])
    replayed = spec_replay(seed, record["request"], record["pool"])

    # then the commitment, hashes and drawn order match, and so does the committee after replacements
    assert hashlib.sha256(seed).hexdigest() == record["commitment"]
    assert hashlib.sha256(spec_canonical(record["request"])).hexdigest() == record["request_hash"]
    assert hashlib.sha256(spec_canonical(record["pool"])).hexdigest() == record["pool_hash"]
    assert record["request"]["commitment"] == record["commitment"]
    assert [[g["members"], g["reserves"]] for g in record["result"]["groups"]] == [list(g) for g in replayed]
    states = {a["expert"]: a["state"] for a in record["answers"]}
    expected = []
    for (group_members, group_reserves), wanted in zip(replayed, record["request"]["composition"], strict=True):
        in_order = [e for e in group_members + group_reserves if states.get(e) not in VACATED]
        expected.extend(in_order[:wanted["count"]])
    assert sorted(expected) == sorted(seat["expert"] for seat in record["committee"])
    assert first.expert_id not in expected and len(expected) == 7
    assert record["exclusions"] == {"employer_bidder": 1, "suspended": 1}


def spec_key_v2(record: dict) -> bytes:
    """Format version 2's key, from "The key" of docs/expert-draw.md, after checking the record's steps."""
    fixing, witness = record["fixing"], record["witness"]
    fixing_hash = hashlib.sha256(spec_canonical(fixing)).hexdigest()
    assert fixing_hash == record["fixing_hash"]
    assert fixing["request_hash"] == record["request_hash"] and fixing["pool_hash"] == record["pool_hash"]
    assert fixing["platform_commitment"] == record["commitment"] == record["request"]["commitment"]
    assert fixing["witness"]["commitment"] == witness["commitment"]
    if witness.get("secret"):
        value = bytes.fromhex(witness["secret"])
        assert hashlib.sha256(value).hexdigest() == witness["commitment"]
        assert fixing["fixed_at"] <= witness["revealed_at"] <= fixing["reveal_deadline"]
    else:
        value = hashlib.sha256(b"sunshine-expert-draw-v2 no reveal\x00" + bytes.fromhex(fixing_hash)).digest()
    assert record["committed_at_utc"] <= (witness["committed_at"] or fixing["fixed_at"]) <= fixing["fixed_at"]
    assert fixing["fixed_at"] <= record["drawn_at_utc"]
    assert [e["seq"] for e in record["events"]] == sorted(e["seq"] for e in record["events"])
    return hmac.new(bytes.fromhex(record["seed"]),
                    b"sunshine-expert-draw-v2 seed\x00" + value + bytes.fromhex(fixing_hash), hashlib.sha256).digest()


@pytest.mark.parametrize("reveal", [True, False])
def test_a_v2_draw_replays_from_its_published_record(client, reveal):
    from accounts.models import Role
    from expert_pool.services import draw_v2
    from tests import factories as base

    who = factories.parties()
    [factories.expert(specialty="A080102") for _ in range(9)]
    [factories.expert(specialty="A080501") for _ in range(5)]
    request = factories.draw_request(who=who, composition=[{"specialty": "A0801", "count": 5},
                                                           {"specialty": "A0805", "count": 2}])
    regulator = base.user(role=Role.REGULATOR, organisation_obj=who["regulator"])
    secret = bytes(range(32))
    if reveal:
        draw_v2.witness_commit(request=request, user=regulator, commitment=hashlib.sha256(secret).hexdigest())
    request = draws.draw_perform(request=request)
    if reveal:
        draw_v2.witness_reveal(request=request, user=regulator, secret=secret.hex())
    draws.draw_announce(request=request)

    record = client.get(reverse("expert_pool_api:record", args=[request.pk])).json()
    assert record["format"] == "sunshine-expert-draw-v2"
    assert hashlib.sha256(bytes.fromhex(record["seed"])).hexdigest() == record["commitment"]
    assert hashlib.sha256(spec_canonical(record["request"])).hexdigest() == record["request_hash"]
    assert hashlib.sha256(spec_canonical(record["pool"])).hexdigest() == record["pool_hash"]
    replayed = spec_replay(spec_key_v2(record), record["request"], record["pool"])
    assert [[g["members"], g["reserves"]] for g in record["result"]["groups"]] == [list(g) for g in replayed]
    assert record["witness"]["fallback"] is (not reveal)


def test_replay_draw_command_confirms_the_record(capsys):
    [factories.expert() for _ in range(6)]
    request = draws.draw_announce(request=draws.draw_perform(request=factories.draw_request()))
    call_command("replay_draw", str(request.pk))
    out = capsys.readouterr().out
    assert "replays exactly" in out and "BAD" not in out


def test_a_marketplace_v2_draw_replays_from_its_published_record(client):
    """The marketplace's random selection draws by the same format 2: the same replayer reproduces it."""
    from tests.marketplace import factories as mf

    [mf.intermediary() for _ in range(6)]
    purchase = mf.purchase(method="random")
    secret, regulator = mf.witness_commits(purchase)
    mf.deadline_passes(purchase)
    client.force_login(purchase.created_by)
    assert client.post(reverse("marketplace:purchase", args=[purchase.pk]), {"action": "draw"}).status_code == 302
    client.force_login(regulator)
    assert client.post(reverse("marketplace_api:witness_reveal", args=[purchase.pk]), {"secret": secret.hex()},
                       content_type="application/json").status_code == 200

    record = client.get(reverse("marketplace_api:draw", args=[purchase.pk])).json()
    assert record["format"] == "sunshine-expert-draw-v2" and record["witness"]["fallback"] is False
    assert hashlib.sha256(bytes.fromhex(record["seed"])).hexdigest() == record["commitment"]
    assert hashlib.sha256(spec_canonical(record["request"])).hexdigest() == record["request_hash"]
    assert hashlib.sha256(spec_canonical(record["pool"])).hexdigest() == record["pool_hash"]
    [(members, reserves)] = spec_replay(spec_key_v2(record), record["request"], record["pool"])
    assert record["result"]["groups"][0]["members"] == members == [record["selected"]]
    assert record["result"]["groups"][0]["reserves"] == reserves and len(reserves) == 2
