"""The marketplace's random selection on format version 2 of the draw (docs/expert-draw.md): the pool is fixed and
published before anyone can know the key; the key mixes the platform's and a regulator-witness's committed secrets;
a missing reveal falls back to a value fixed with the pool; the record proves every step; an insider who knows the
platform's seed and changes eligibility gains nothing."""

import datetime as dt
import hashlib
import random
import secrets

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts.models import Organisation, Role
from audit.models import AuditEvent
from core import draw as draw_algorithm
from marketplace.models import Draw, Intermediary, Purchase
from marketplace.selectors import DRAW_EVENTS, draw_record
from marketplace.services import draws, registry
from tests import factories
from tests.expert_pool.test_draw_v2 import flip_hex, tampered
from tests.marketplace import factories as mf

pytestmark = pytest.mark.django_db


def _record(purchase: Purchase) -> dict:
    return draw_record(purchase=Purchase.objects.get(pk=purchase.pk))


def test_the_pool_is_fixed_and_published_before_the_witness_reveals_then_the_intermediary_is_drawn(client, capsys):
    eligible = {mf.intermediary().pk for _ in range(5)}
    purchase = mf.purchase(method="random")
    secret, regulator = mf.witness_commits(purchase)
    purchase = draws.draw_perform(purchase=mf.deadline_passes(purchase))

    # the pool is fixed and its hash published with the statement; nobody can know the key yet
    assert purchase.state == Purchase.State.POOL_FIXED and purchase.winner is None
    published = client.get(reverse("marketplace_api:draw", args=[purchase.pk])).json()
    assert published["format"] == published["request"]["format"] == "sunshine-expert-draw-v2"
    assert published["fixing"]["pool_hash"] == published["pool_hash"] and published["pool_size"] == 5
    assert published["fixing"]["witness"]["commitment"] == hashlib.sha256(secret).hexdigest()
    assert draw_algorithm.fixing_hash_of(published["fixing"]) == published["fixing_hash"]
    assert "pool" not in published and "seed" not in published and "secret" not in published["witness"]

    # the witness reveals: drawn and publicised at once
    purchase = draws.witness_reveal(purchase=purchase, user=regulator, secret=secret.hex())
    assert purchase.state == Purchase.State.PUBLICISED and purchase.winner_id in eligible
    record = client.get(reverse("marketplace_api:draw", args=[purchase.pk])).json()
    checks = draw_algorithm.record_verify(record)
    assert all(ok for _, ok in checks), checks
    assert [e["action"] for e in record["events"]] == list(DRAW_EVENTS)
    assert record["witness"]["fallback"] is False and record["witness"]["secret"] == secret.hex()
    drawn = AuditEvent.objects.get(action="marketplace.select.draw", object_id=str(purchase.pk))
    assert drawn.payload["witness"] == "revealed" and drawn.payload["fixing_hash"] == record["fixing_hash"]

    call_command("replay_marketplace_draw", str(purchase.pk))
    out = capsys.readouterr().out
    assert "replays exactly" in out and "BAD" not in out
    for check in ("witness commitment = SHA-256(witness secret)", "order of commitments: platform, witness, pool fixed",
                  "the events are the audit chain's", "fixing hash", "members and reserves"):
        assert f"OK  {check}" in out


def test_every_altered_part_of_a_published_marketplace_record_is_caught():
    [mf.intermediary() for _ in range(6)]
    purchase = mf.purchase(method="random")
    secret, regulator = mf.witness_commits(purchase)
    purchase = draws.witness_reveal(purchase=draws.draw_perform(purchase=mf.deadline_passes(purchase)),
                                    user=regulator, secret=secret.hex())
    record = _record(purchase)
    assert all(ok for _, ok in draw_algorithm.record_verify(record))
    alterations = {
        "platform seed": (("seed",), flip_hex),
        "witness secret": (("witness", "secret"), flip_hex),
        "witness commitment": (("witness", "commitment"), flip_hex),
        "the request's region": (("request", "region"), "110000"),
        "a pool id": (("pool", 0, "candidates", 0), lambda v: v + 100000),
        "the fixing's pool hash": (("fixing", "pool_hash"), flip_hex),
        "the reveal after the deadline": (("witness", "revealed_at"), "2099-01-01T00:00:00Z"),
        "the witness committed after the pool was fixed": (("witness", "committed_at"), "2099-01-01T00:00:00Z"),
        "drawn before the pool was fixed": (("drawn_at_utc",), "2000-01-01T00:00:00Z"),
        "audit events out of order": (("events",), lambda events: [events[1], events[0], *events[2:]]),
        "the selected one": (("result", "groups", 0, "members"), record["result"]["groups"][0]["reserves"][:1]),
        "the reserves' order": (("result", "groups", 0, "reserves"), lambda r: r[::-1]),
    }
    for what, (path, value) in alterations.items():
        assert not all(ok for _, ok in draw_algorithm.record_verify(tampered(record, path, value))), what


def test_without_a_witness_commitment_the_pool_is_fixed_and_drawn_at_once_with_the_fallback():
    [mf.intermediary() for _ in range(3)]
    purchase = draws.draw_perform(purchase=mf.deadline_passes(mf.purchase(method="random")))
    assert purchase.state == Purchase.State.PUBLICISED
    assert purchase.draw.fixing["witness"] == {"organisation": None, "commitment": None}
    drawn = AuditEvent.objects.get(action="marketplace.select.draw", object_id=str(purchase.pk))
    assert drawn.payload["witness"] == "fallback: no witness commitment"
    record = _record(purchase)
    assert record["witness"]["fallback"] is True
    assert all(ok for _, ok in draw_algorithm.record_verify(record)), draw_algorithm.record_verify(record)


def test_without_a_reveal_by_the_deadline_the_sweep_draws_with_the_fallback_fixed_with_the_pool():
    [mf.intermediary() for _ in range(4)]
    purchase = mf.purchase(method="random")
    secret, regulator = mf.witness_commits(purchase)
    purchase = draws.draw_perform(purchase=mf.deadline_passes(purchase))
    assert draws.draws_fallback_due() == 0  # before the deadline nothing happens
    Draw.objects.filter(purchase=purchase).update(reveal_deadline=timezone.now() - dt.timedelta(seconds=1))
    with pytest.raises(ValidationError, match="time to reveal ended"):
        draws.witness_reveal(purchase=purchase, user=regulator, secret=secret.hex())
    assert draws.draws_fallback_due() == 1
    purchase.refresh_from_db()
    draw = purchase.draw
    assert purchase.state == Purchase.State.PUBLICISED and not draw.witness_secret
    expected = draw_algorithm.draw(
        seed=draw_algorithm.seed_v2(platform_seed=bytes.fromhex(draw.seed),
                                    witness_value=draw_algorithm.fallback_of(draw.fixing_hash),
                                    fixing_hash=draw.fixing_hash),
        request=draw.request_document, pool=draw.pool)
    assert draw.order == list(expected.groups[0].members) + list(expected.groups[0].reserves)
    assert purchase.winner_id == draw.order[0]


def test_every_wrong_witness_input_is_refused_with_a_clear_reason_and_changes_nothing():
    [mf.intermediary() for _ in range(3)]
    purchase = mf.purchase(method="random")
    regulator = factories.user(role=Role.REGULATOR, organisation_obj=factories.organisation(
        org_type=Organisation.Type.REGULATOR))
    other = factories.user(role=Role.REGULATOR, organisation_obj=factories.organisation(
        org_type=Organisation.Type.REGULATOR))
    secret = secrets.token_bytes(32)
    commitment = hashlib.sha256(secret).hexdigest()
    for person in (purchase.created_by, factories.user(role=Role.BIDDER)):
        with pytest.raises(PermissionDenied, match="regulator"):
            draws.witness_commit(purchase=purchase, user=person, commitment=commitment)
    for wrong, reason in (("", "Paste the commitment"), ("xyz", "64 hexadecimal digits"),
                          (commitment[:-1], "64 hexadecimal digits"), (purchase.draw.commitment, "platform's")):
        with pytest.raises(ValidationError, match=reason):
            draws.witness_commit(purchase=purchase, user=regulator, commitment=wrong)
    with pytest.raises(ValidationError, match="pool is not fixed yet"):
        draws.witness_reveal(purchase=purchase, user=regulator, secret=secret.hex())
    purchase.draw.refresh_from_db()
    assert purchase.draw.witness_commitment == "" and purchase.state == Purchase.State.OPEN

    draws.witness_commit(purchase=purchase, user=regulator, commitment=commitment.upper())
    with pytest.raises(PermissionDenied, match="only its organisation"):
        draws.witness_commit(purchase=purchase, user=other, commitment=commitment)
    with pytest.raises(ValidationError, match="already recorded"):
        draws.witness_commit(purchase=purchase, user=regulator, commitment=hashlib.sha256(b"x").hexdigest())
    purchase = draws.draw_perform(purchase=mf.deadline_passes(purchase))
    with pytest.raises(PermissionDenied):
        draws.witness_reveal(purchase=purchase, user=other, secret=secret.hex())
    for wrong, reason in ((commitment, "commitment, not the secret"), (secrets.token_hex(32), "does not match"),
                          ("12", "64 hexadecimal digits")):
        with pytest.raises(ValidationError, match=reason):
            draws.witness_reveal(purchase=purchase, user=regulator, secret=wrong)
    purchase.refresh_from_db()
    assert purchase.state == Purchase.State.POOL_FIXED and purchase.winner is None
    draws.witness_reveal(purchase=purchase, user=regulator, secret=secret.hex())
    with pytest.raises(ValidationError, match="already been made"):
        draws.witness_reveal(purchase=purchase, user=regulator, secret=secret.hex())


def test_a_draw_posted_before_format_2_is_still_drawn_and_replayed_by_version_1(capsys):
    [mf.intermediary() for _ in range(3)]
    purchase = mf.purchase(method="random")
    Draw.objects.filter(purchase=purchase).update(draw_format=1)
    purchase = draws.draw_perform(purchase=mf.deadline_passes(purchase))
    record = _record(purchase)
    assert purchase.state == Purchase.State.PUBLICISED
    assert record["format"] == draw_algorithm.FORMAT_V1 and "fixing" not in record and "witness" not in record
    call_command("replay_marketplace_draw", str(purchase.pk))
    assert "replays exactly" in capsys.readouterr().out


# ---------------------------------------------------------------------------------------------------- the insider


def _insider_run(*, version: int, runs: int, rng: random.Random) -> tuple[int, float]:
    """An insider who reads the platform's seed from the database as soon as a purchase is posted and may suspend up
    to three other intermediaries before the pool is fixed (through the real registry service) wants ``target``
    selected. For each purchase it picks the suspensions whose draw — as far as it can compute one — selects the
    target, then the owner fixes the pool and the regulator reveals its secret. Returns the target's selections and
    the selections chance alone would give for the pools the insider fixed."""
    target, *others = [mf.intermediary() for _ in range(10)]
    owner = mf.owner()
    regulator = factories.user(role=Role.REGULATOR, organisation_obj=factories.organisation(
        org_type=Organisation.Type.REGULATOR))
    options = [()] + [tuple(rng.sample(others, k)) for k in (1, 2, 3) for _ in range(9)]
    hits, chance = 0, 0.0
    for _ in range(runs):
        purchase = mf.deadline_passes(mf.purchase(by=owner, method="random"))
        if version == 1:
            Draw.objects.filter(purchase=purchase).update(draw_format=1)
        else:
            secret, _regulator = mf.witness_commits(purchase, regulator=regulator)
        draw = Draw.objects.get(purchase=purchase)
        platform_seed = bytes.fromhex(draw.seed)  # what the insider reads
        request = draws.request_document(purchase, draw)
        guess = rng.randbytes(32)  # its stand-in for the witness's secret, which it cannot know

        def selects_target(dropped, platform_seed=platform_seed, request=request, guess=guess) -> bool:
            pool = [{"specialty": "ZJZX", "candidates": sorted(i.pk for i in (target, *others) if i not in dropped)}]
            seed = platform_seed if version == 1 else draw_algorithm.seed_v2(
                platform_seed=platform_seed, witness_value=guess, fixing_hash=hashlib.sha256(b"?").hexdigest())
            return draw_algorithm.draw(seed=seed, request=request, pool=pool).groups[0].members[0] == target.pk

        dropped = next((d for d in options if selects_target(d)), ())
        for intermediary in dropped:
            registry.intermediary_status_set(intermediary=intermediary, status=Intermediary.Status.SUSPENDED,
                                             reason="内部人员临时暂停")
        purchase = draws.draw_perform(purchase=purchase)
        if version == 2:
            purchase = draws.witness_reveal(purchase=purchase, user=regulator, secret=secret.hex())
        for intermediary in dropped:
            registry.intermediary_status_set(intermediary=intermediary, status=Intermediary.Status.ACTIVE,
                                             reason="恢复")
        hits += purchase.winner_id == target.pk
        chance += 1 / (10 - len(dropped))
    return hits, chance


def test_on_version_1_an_insider_who_knows_the_platform_seed_steers_the_selection_by_eligibility():
    hits, chance = _insider_run(version=1, runs=40, rng=random.Random(18))
    # knowing the seed, it finds suspensions that select its intermediary nearly every time
    assert hits > 0.8 * 40, (hits, chance)
    print(f"marketplace insider on v1: {hits}/40 (chance {chance:.0f})")


def test_on_version_2_the_same_insider_gains_nothing():
    hits, chance = _insider_run(version=2, runs=120, rng=random.Random(19))
    # no better than the chance of the pools it fixed (within four standard deviations)
    sigma = (chance * (1 - chance / 120)) ** 0.5
    assert abs(hits - chance) < 4 * sigma, (hits, chance, sigma)
    print(f"marketplace insider on v2: {hits}/120 (chance {chance:.0f} ± {sigma:.0f})")


# ---------------------------------------------------------------------------------------------------- page and API


def test_a_regulator_commits_and_reveals_on_the_purchase_page_with_errors_in_chinese():
    [mf.intermediary() for _ in range(3)]
    purchase = mf.purchase(method="random")
    regulator = factories.user(role=Role.REGULATOR, organisation_obj=factories.organisation(
        org_type=Organisation.Type.REGULATOR))
    client = Client()
    client.force_login(regulator)
    page = reverse("marketplace:purchase", args=[purchase.pk])
    html = client.get(page, HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert 'id="witness-commit"' in html and "js/draw_witness.js" in html
    secret = secrets.token_bytes(32)
    wrong = client.post(page, {"action": "witness_commit", "commitment": "不是十六进制"},
                        HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert wrong.status_code == 400 and "64 位十六进制" in wrong.content.decode()
    assert client.post(page, {"action": "witness_commit",
                              "commitment": hashlib.sha256(secret).hexdigest()}).status_code == 302
    owner = Client()
    owner.force_login(purchase.created_by)
    mf.deadline_passes(purchase)
    assert owner.post(page, {"action": "draw"}).status_code == 302
    html = client.get(page).content.decode()
    assert 'id="witness-reveal"' in html and 'id="witness-commit"' not in html
    wrong = client.post(page, {"action": "witness_reveal", "secret": secrets.token_hex(32)},
                        HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert wrong.status_code == 400 and "与您的承诺值不符" in wrong.content.decode()
    assert client.post(page, {"action": "witness_reveal", "secret": secret.hex()}).status_code == 302
    purchase.refresh_from_db()
    assert purchase.state == Purchase.State.PUBLICISED and purchase.draw.witness_secret == secret.hex()
    assert owner.post(page, {"action": "witness_reveal", "secret": secret.hex()}).status_code == 403


def test_the_witness_api_answers_the_record_and_names_the_field_of_each_error():
    [mf.intermediary() for _ in range(3)]
    purchase = mf.purchase(method="random")
    regulator = factories.user(role=Role.REGULATOR, organisation_obj=factories.organisation(
        org_type=Organisation.Type.REGULATOR))
    secret = secrets.token_bytes(32)
    commit = reverse("marketplace_api:witness_commit", args=[purchase.pk])
    reveal = reverse("marketplace_api:witness_reveal", args=[purchase.pk])
    client = Client()
    client.force_login(purchase.created_by)
    assert client.post(commit, {"commitment": hashlib.sha256(secret).hexdigest()},
                       content_type="application/json").status_code == 403
    client.force_login(regulator)
    bad = client.post(commit, {"commitment": "abc"}, content_type="application/json")
    assert bad.status_code == 400 and "commitment" in bad.json()["errors"]
    done = client.post(commit, {"commitment": hashlib.sha256(secret).hexdigest()}, content_type="application/json")
    assert done.status_code == 200 and done.json()["witness"]["commitment"] == hashlib.sha256(secret).hexdigest()
    early = client.post(reveal, {"secret": secret.hex()}, content_type="application/json")
    assert early.status_code == 400 and "secret" in early.json()["errors"]
    draws.draw_perform(purchase=mf.deadline_passes(purchase))
    drawn = client.post(reveal, {"secret": secret.hex()}, content_type="application/json")
    assert drawn.status_code == 200 and drawn.json()["witness"]["secret"] == secret.hex()
    assert drawn.json()["selected"] == Purchase.objects.get(pk=purchase.pk).winner_id
