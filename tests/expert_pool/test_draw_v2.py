"""Format version 2 of the expert draw: the pool is fixed and published before anyone can know the key; the key
mixes the platform's and the witness's committed secrets; a missing reveal falls back to a value fixed with the
pool; the published record proves every step and the order of commitments."""

import copy
import datetime as dt
import hashlib
import secrets

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from accounts.models import Organisation, Role
from audit.models import AuditEvent
from core import draw as draw_algorithm
from expert_pool.models import DrawRequest, Seat
from expert_pool.services import draw_v2, draws
from tests import factories as base
from tests.expert_pool import factories

pytestmark = pytest.mark.django_db


def witness_secret() -> tuple[bytes, str]:
    """What the regulator does on its own machine: 32 random bytes and their SHA-256."""
    secret = secrets.token_bytes(32)
    return secret, hashlib.sha256(secret).hexdigest()


@pytest.fixture
def world():
    who = factories.parties()
    [factories.expert(specialty="A080102") for _ in range(9)]
    [factories.expert(specialty="A080501") for _ in range(5)]
    request = factories.draw_request(who=who, composition=[{"specialty": "A0801", "count": 5},
                                                           {"specialty": "A0805", "count": 2}])
    regulator = base.user(role=Role.REGULATOR, organisation_obj=who["regulator"])
    return {"who": who, "request": request, "regulator": regulator}


def announced_v2(world) -> tuple[DrawRequest, dict]:
    request, regulator = world["request"], world["regulator"]
    secret, commitment = witness_secret()
    draw_v2.witness_commit(request=request, user=regulator, commitment=commitment)
    request = draws.draw_perform(request=request)
    assert request.state == DrawRequest.State.POOL_FIXED
    request = draw_v2.witness_reveal(request=request, user=regulator, secret=secret.hex())
    assert request.state == DrawRequest.State.DRAWN
    request = draws.draw_announce(request=request)
    return request, draws_record(request)


def draws_record(request) -> dict:
    from expert_pool.selectors.draws import draw_record

    return draw_record(request=DrawRequest.objects.get(pk=request.pk))


def test_the_pool_is_fixed_and_published_before_the_witness_reveals_and_then_the_committee_is_drawn(world, client):
    request, regulator = world["request"], world["regulator"]
    secret, commitment = witness_secret()
    draw_v2.witness_commit(request=request, user=regulator, commitment=commitment)
    request = draws.draw_perform(request=request)

    # the pool is fixed and its hash published; no seat exists and nobody can know the key yet
    published = client.get(reverse("expert_pool_api:record", args=[request.pk])).json()
    assert published["state"] == "pool_fixed" and published["format"] == draw_algorithm.FORMAT_V2
    assert published["fixing"]["pool_hash"] == published["pool_hash"]
    assert published["fixing"]["witness"]["commitment"] == commitment
    assert published["fixing"]["platform_commitment"] == published["commitment"]
    assert draw_algorithm.fixing_hash_of(published["fixing"]) == published["fixing_hash"]
    assert "pool" not in published and "seed" not in published and "secret" not in published["witness"]
    assert not Seat.objects.filter(request=request).exists()

    request = draw_v2.witness_reveal(request=request, user=regulator, secret=secret.hex())
    assert request.state == DrawRequest.State.DRAWN
    assert Seat.objects.filter(request=request, role=Seat.Role.MEMBER).count() == 7
    draws.draw_announce(request=request)

    record = client.get(reverse("expert_pool_api:record", args=[request.pk])).json()
    checks = draw_algorithm.record_verify(record)
    assert all(ok for _, ok in checks), checks
    assert [e["action"] for e in record["events"]] == list(
        ("expert_pool.draw.commit", "expert_pool.draw.witness_commit", "expert_pool.draw.pool_fix",
         "expert_pool.draw.witness_reveal", "expert_pool.draw.perform"))
    assert record["witness"]["fallback"] is False and record["witness"]["secret"] == secret.hex()
    perform = AuditEvent.objects.filter(action="expert_pool.draw.perform", object_id=str(request.pk)).get()
    assert perform.payload["witness"] == "revealed" and perform.payload["fixing_hash"] == record["fixing_hash"]


def test_replay_draw_checks_every_step_of_a_v2_draw(world, capsys):
    request, _ = announced_v2(world)
    call_command("replay_draw", str(request.pk))
    out = capsys.readouterr().out
    assert "replays exactly" in out and "BAD" not in out
    for check in ("witness commitment = SHA-256(witness secret)", "order of commitments: platform, witness, pool fixed",
                  "the events are the audit chain's", "fixing hash", "members and reserves"):
        assert f"OK  {check}" in out


def tampered(record: dict, path: tuple, value) -> dict:
    changed = copy.deepcopy(record)
    target = changed
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value(target[path[-1]]) if callable(value) else value
    return changed


def flip_hex(text: str) -> str:
    return ("1" if text[0] == "0" else "0") + text[1:]


def test_every_altered_part_of_a_published_v2_record_is_caught(world):
    _, record = announced_v2(world)
    assert all(ok for _, ok in draw_algorithm.record_verify(record))
    first_member = record["result"]["groups"][0]["members"][0]
    alterations = {
        "platform seed": (("seed",), flip_hex),
        "platform commitment": (("commitment",), flip_hex),
        "witness secret": (("witness", "secret"), flip_hex),
        "witness commitment": (("witness", "commitment"), flip_hex),
        "a request field": (("request", "evaluation_starts_at"), "2030-01-01T01:00:00Z"),
        "the request's format": (("request", "format"), draw_algorithm.FORMAT_V1),
        "a pool id": (("pool", 0, "candidates", 0), lambda v: v + 100000),
        "the pool hash": (("pool_hash",), flip_hex),
        "the request hash": (("request_hash",), flip_hex),
        "the fixing hash": (("fixing_hash",), flip_hex),
        "the fixing's pool hash": (("fixing", "pool_hash"), flip_hex),
        "the fixing's witness commitment": (("fixing", "witness", "commitment"), flip_hex),
        "the fixing time after the reveal": (("fixing", "fixed_at"), "2099-01-01T00:00:00Z"),
        "the reveal after the deadline": (("witness", "revealed_at"), "2099-01-01T00:00:00Z"),
        "the witness committed after the pool was fixed": (("witness", "committed_at"), "2099-01-01T00:00:00Z"),
        "the platform committed last": (("committed_at_utc",), "2099-01-01T00:00:00Z"),
        "drawn before the pool was fixed": (("drawn_at_utc",), "2000-01-01T00:00:00Z"),
        "audit events out of order": (("events",), lambda events: [events[1], events[0], *events[2:]]),
        "a drawn member": (("result", "groups", 0, "members", 0), first_member + 1),
        "the drawn order": (("result", "groups", 0, "members"), lambda members: members[::-1]),
        "a reserve": (("result", "groups", 1, "reserves"), lambda reserves: reserves[:-1]),
    }
    for what, (path, value) in alterations.items():
        checks = draw_algorithm.record_verify(tampered(record, path, value))
        assert not all(ok for _, ok in checks), what


def test_a_v1_record_still_replays_and_its_alterations_are_caught(capsys):
    [factories.expert() for _ in range(6)]
    request = factories.draw_request(draw_format=1)
    request = draws.draw_announce(request=draws.draw_perform(request=request))
    record = draws_record(request)
    assert record["format"] == draw_algorithm.FORMAT_V1 and "fixing" not in record
    assert all(ok for _, ok in draw_algorithm.record_verify(record))
    for path, value in {("seed",): flip_hex, ("pool", 0, "candidates", 0): lambda v: v + 1000,
                        ("request", "reference"): "X", ("result", "groups", 0, "members"): lambda m: m[::-1]}.items():
        assert not all(ok for _, ok in draw_algorithm.record_verify(tampered(record, path, value))), path
    call_command("replay_draw", str(request.pk))
    assert "replays exactly" in capsys.readouterr().out


def test_without_a_reveal_by_the_deadline_the_fallback_fixed_with_the_pool_draws(world):
    request, regulator = world["request"], world["regulator"]
    secret, commitment = witness_secret()
    draw_v2.witness_commit(request=request, user=regulator, commitment=commitment)
    request = draws.draw_perform(request=request)
    assert draw_v2.draws_fallback_due() == 0  # before the deadline nothing happens

    DrawRequest.objects.filter(pk=request.pk).update(reveal_deadline=timezone.now() - dt.timedelta(seconds=1))
    with pytest.raises(ValidationError, match="time to reveal ended"):
        draw_v2.witness_reveal(request=request, user=regulator, secret=secret.hex())
    assert draw_v2.draws_fallback_due() == 1
    request.refresh_from_db()
    assert request.state == DrawRequest.State.DRAWN and not request.witness_secret
    expected = draw_algorithm.draw(
        seed=draw_algorithm.seed_v2(platform_seed=bytes.fromhex(request.seed),
                                    witness_value=draw_algorithm.fallback_of(request.fixing_hash),
                                    fixing_hash=request.fixing_hash),
        request=request.request_document, pool=request.pool)
    members = list(Seat.objects.filter(request=request, group=0, position__lt=5).order_by("position")
                   .values_list("expert_id", flat=True))
    assert members == list(expected.groups[0].members)
    # the deadline is the one published with the pool; here it was moved into the past for the test
    record = draws_record(draws.draw_announce(request=request))
    record["fixing"] = request.fixing
    assert record["witness"]["fallback"] is True


def test_without_a_witness_commitment_the_pool_is_fixed_and_drawn_at_once_with_the_fallback(world):
    request = draws.draw_perform(request=world["request"])
    assert request.state == DrawRequest.State.DRAWN
    assert request.fixing["witness"] == {"organisation": world["who"]["regulator"].name, "commitment": None}
    perform = AuditEvent.objects.filter(action="expert_pool.draw.perform", object_id=str(request.pk)).get()
    assert perform.payload["witness"] == "fallback: no witness commitment"
    record = draws_record(draws.draw_announce(request=request))
    assert all(ok for _, ok in draw_algorithm.record_verify(record)), draw_algorithm.record_verify(record)


def test_every_wrong_witness_input_is_refused_with_a_clear_reason_and_changes_nothing(world):
    request, regulator = world["request"], world["regulator"]
    secret, commitment = witness_secret()
    other_regulator = base.user(role=Role.REGULATOR,
                                organisation_obj=base.organisation(org_type=Organisation.Type.REGULATOR))
    agency = base.user(role=Role.AGENCY, organisation_obj=world["who"]["agency"])
    for person in (other_regulator, agency):
        with pytest.raises(PermissionDenied, match="supervising regulator"):
            draw_v2.witness_commit(request=request, user=person, commitment=commitment)
    for wrong, reason in (("", "Paste the commitment"), ("xyz", "64 hexadecimal digits"),
                          (commitment[:-1], "64 hexadecimal digits"), (request.commitment, "platform's commitment")):
        with pytest.raises(ValidationError, match=reason):
            draw_v2.witness_commit(request=request, user=regulator, commitment=wrong)
    with pytest.raises(ValidationError, match="pool is not fixed yet"):
        draw_v2.witness_reveal(request=request, user=regulator, secret=secret.hex())
    request.refresh_from_db()
    assert request.witness_commitment == "" and request.state == DrawRequest.State.COMMITTED

    draw_v2.witness_commit(request=request, user=regulator, commitment=commitment.upper())  # case does not matter
    with pytest.raises(ValidationError, match="already recorded"):
        draw_v2.witness_commit(request=request, user=regulator, commitment=witness_secret()[1])
    request = draws.draw_perform(request=request)
    with pytest.raises(ValidationError, match="already fixed"):
        draw_v2.witness_commit(request=request, user=regulator, commitment=witness_secret()[1])
    for wrong, reason in ((commitment, "commitment, not the secret"), (secrets.token_hex(32), "does not match"),
                          ("12", "64 hexadecimal digits")):
        with pytest.raises(ValidationError, match=reason):
            draw_v2.witness_reveal(request=request, user=regulator, secret=wrong)
    request.refresh_from_db()
    assert request.state == DrawRequest.State.POOL_FIXED and request.witness_secret == ""
    assert not Seat.objects.filter(request=request).exists()
    draw_v2.witness_reveal(request=request, user=regulator, secret=secret.hex())
    with pytest.raises(ValidationError, match="already been made"):
        draw_v2.witness_reveal(request=request, user=regulator, secret=secret.hex())


# ---------------------------------------------------------------------------------------------------- the insider


def insider_hits(*, version: int, draws_count: int, rng) -> tuple[int, float]:
    """An insider who knows the platform seed before the draw and may change eligibility wants expert 0 on the
    committee. For each draw it may fix any of several pools (dropping up to three other experts: a leave, a
    relation, a suspension) and picks the one whose draw — as far as it can compute one — seats expert 0.
    Returns its hits and the hits chance alone would give for the pools it fixed."""
    hits, expected = 0, 0.0
    for number in range(draws_count):
        platform_seed = rng.randbytes(32)
        request = {"draw_request": number, "commitment": draw_algorithm.commitment_of(platform_seed),
                   "composition": [{"specialty": "A0801", "count": 2, "reserve": 0}]}
        if version == 2:
            request["format"] = draw_algorithm.FORMAT_V2
        everyone = list(range(12))
        options = [[c for c in everyone if c not in dropped] for dropped in
                   ([], [1], [2], [3], [1, 2], [4, 5], [6, 7, 8], [9], [10, 11], [3, 9, 10])]
        witness = rng.randbytes(32)  # the witness's secret: unknown to the insider
        guess = rng.randbytes(32)  # the insider's best stand-in for it

        def fixing_of(pool) -> dict:
            return {"format": draw_algorithm.FORMAT_V2, "request_hash": draw_algorithm.request_hash_of(request),
                    "pool_hash": draw_algorithm.pool_hash_of(pool), "platform_commitment": request["commitment"],
                    "witness": {"organisation": "监督部门", "commitment": draw_algorithm.commitment_of(witness)},
                    "fixed_at": "2026-03-01T00:00:00Z", "reveal_deadline": "2026-03-01T02:00:00Z"}

        def seats_target(candidates, *, insider: bool) -> bool:
            """Whether expert 0 is drawn: as the insider computes it beforehand (with its guess for the
            witness's secret), or as the draw really falls."""
            pool = [{"specialty": "A0801", "candidates": candidates}]
            if version == 1:
                result = draw_algorithm.draw(seed=platform_seed, request=request, pool=pool)
            elif insider:
                key = draw_algorithm.seed_v2(platform_seed=platform_seed, witness_value=guess,
                                             fixing_hash=draw_algorithm.fixing_hash_of(fixing_of(pool)))
                result = draw_algorithm.draw(seed=key, request=request, pool=pool)
            else:
                result = draw_algorithm.draw_v2(platform_seed=platform_seed, witness_secret=witness, request=request,
                                                pool=pool, fixing=fixing_of(pool))
            return 0 in result.groups[0].members

        chosen = next((c for c in options if seats_target(c, insider=True)), options[0])
        expected += 2 / len(chosen)
        hits += seats_target(chosen, insider=False)
    return hits, expected


def test_an_insider_who_knows_the_platform_seed_and_steers_eligibility_gains_nothing_in_v2():
    import random

    rng = random.Random(19)
    runs = 600
    hits_v1, expected_v1 = insider_hits(version=1, draws_count=runs, rng=rng)
    hits_v2, expected_v2 = insider_hits(version=2, draws_count=runs, rng=rng)
    # format 1: knowing the seed, the insider finds a pool that seats its expert almost every time
    assert hits_v1 > 0.85 * runs, hits_v1
    # format 2: no better than the chance of the pools it fixed (within four standard deviations)
    sigma = (expected_v2 * (1 - expected_v2 / runs)) ** 0.5
    assert abs(hits_v2 - expected_v2) < 4 * sigma, (hits_v2, expected_v2, sigma)
    print(f"insider hits: v1 {hits_v1}/{runs} (chance {expected_v1:.0f}), v2 {hits_v2}/{runs} "
          f"(chance {expected_v2:.0f} ± {sigma:.0f})")


# ---------------------------------------------------------------------------------------------------- page and API


def test_the_regulator_commits_and_reveals_on_the_draw_page_with_errors_in_chinese(world, client):
    request, regulator = world["request"], world["regulator"]
    secret, commitment = witness_secret()
    client.force_login(regulator)
    url = reverse("expert_pool:draw_detail", args=[request.pk])
    page = client.get(url, HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert 'id="witness-commit"' in page and "js/draw_witness.js" in page

    wrong = client.post(url, {"action": "witness_commit", "commitment": "不是十六进制"}, HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert wrong.status_code == 200 and "64 位十六进制" in wrong.content.decode()
    assert client.post(url, {"action": "witness_commit", "commitment": commitment}).status_code == 302
    request.refresh_from_db()
    assert request.witness_commitment == commitment

    agency = base.user(role=Role.AGENCY, organisation_obj=world["who"]["agency"])
    draws.draw_perform(request=request)
    page = client.get(url).content.decode()
    assert 'id="witness-reveal"' in page and 'id="witness-commit"' not in page
    wrong = client.post(url, {"action": "witness_reveal", "secret": secrets.token_hex(32)},
                        HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert wrong.status_code == 200 and "与您的承诺值不符" in wrong.content.decode()
    assert client.post(url, {"action": "witness_reveal", "secret": secret.hex()}).status_code == 302
    request.refresh_from_db()
    assert request.state == DrawRequest.State.DRAWN and request.witness_secret == secret.hex()

    client.force_login(agency)
    assert client.post(url, {"action": "witness_reveal", "secret": secret.hex()}).status_code == 403


def test_the_witness_api_answers_the_record_and_names_the_field_of_each_error(world, client):
    request, regulator = world["request"], world["regulator"]
    secret, commitment = witness_secret()
    commit = reverse("expert_pool_api:witness_commit", args=[request.pk])
    reveal = reverse("expert_pool_api:witness_reveal", args=[request.pk])
    client.force_login(base.user(role=Role.AGENCY, organisation_obj=world["who"]["agency"]))
    assert client.post(commit, {"commitment": commitment}, content_type="application/json").status_code == 403
    client.force_login(regulator)
    bad = client.post(commit, {"commitment": "abc"}, content_type="application/json")
    assert bad.status_code == 400 and "commitment" in bad.json()["errors"]
    assert client.post(commit, {}, content_type="application/json").status_code == 400
    done = client.post(commit, {"commitment": commitment}, content_type="application/json")
    assert done.status_code == 200 and done.json()["witness"]["commitment"] == commitment
    early = client.post(reveal, {"secret": secret.hex()}, content_type="application/json")
    assert early.status_code == 400 and "secret" in early.json()["errors"]
    draws.draw_perform(request=request)
    drawn = client.post(reveal, {"secret": secret.hex()}, content_type="application/json")
    assert drawn.status_code == 200 and drawn.json()["state"] == "drawn"
    assert drawn.json()["witness"]["secret"] == secret.hex()
