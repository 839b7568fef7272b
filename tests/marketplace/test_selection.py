"""Each selection method end to end, the random draw replayed from its public record, exclusions with reasons."""

import datetime as dt
import hashlib
import json
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command

from accounts.models import Role
from audit.models import AuditEvent
from core.workdays import today
from credit.models import CreditEvent
from credit.services import blacklist_entry_create
from marketplace.models import Application, Exclusion, Purchase
from marketplace.selectors import draw_record
from marketplace.services import delivery, draws, purchases, registry, selection
from tests import factories
from tests.expert_pool.test_replay import spec_canonical, spec_key_v2, spec_replay
from tests.marketplace import factories as mf

pytestmark = pytest.mark.django_db


def _contract(purchase: Purchase):
    purchase = mf.publicity_ends(purchase)
    return delivery.contract_record(purchase=purchase, signed_on=today(), amount=purchase.amount,
                                    due_on=today() + dt.timedelta(days=30), deliverables="造价咨询成果报告")


def test_direct_selection_records_the_reason_and_publicises():
    chosen = mf.intermediary()
    purchase = mf.purchase(method="direct")
    purchase = selection.select_direct(purchase=purchase, intermediary=chosen, amount="28000")
    assert purchase.state == Purchase.State.PUBLICISED and purchase.winner == chosen
    assert purchase.amount == Decimal("28000") and purchase.publicity_until > today()
    event = AuditEvent.objects.filter(action="marketplace.select.direct").get()
    assert event.payload["reason"] == "抢险救灾工程急需，时间紧迫"


def test_direct_selection_only_where_the_rules_allow_it():
    # design allows direct selection, appraisal does not; above the direct maximum it is refused too
    with pytest.raises(ValidationError) as refused:
        mf.purchase(method="direct", service_type="ZCPG")
    assert "may be selected only by" in str(refused.value)
    with pytest.raises(ValidationError) as refused:
        mf.purchase(method="direct", fee_cap="60000")
    assert "only up to 50,000" in str(refused.value)
    with pytest.raises(ValidationError) as refused:
        mf.purchase(method="direct", direct_reason=" ")
    assert "reason" in str(refused.value)
    assert not Purchase.objects.exists()


def test_random_draw_excludes_with_reasons_and_replays_from_the_public_record(capsys, tmp_path):
    # given five eligible intermediaries, one with an expired qualification, one black-listed, one suspended,
    # one from another province
    eligible = [mf.intermediary() for _ in range(5)]
    expired = mf.intermediary(valid_until=today() - dt.timedelta(days=1))
    blacklisted = mf.intermediary()
    blacklist_entry_create(organisation=blacklisted.organisation, reason="提供虚假材料",
                           legal_basis="《政府采购法》第七十七条",
                           starts_on=today() - dt.timedelta(days=1), ends_on=today() + dt.timedelta(days=300))
    suspended = mf.intermediary()
    registry.intermediary_status_set(intermediary=suspended, status="suspended", reason="年度考核不合格")
    mf.intermediary(regions=["320000"])
    purchase = mf.purchase(method="random")
    committed = draw_record(purchase=purchase)
    assert set(committed) == {"purchase", "number", "format", "commitment", "committed_at", "committed_at_utc",
                              "witness"}

    # when a regulator witnesses, the deadline passes, the owner fixes the pool and the witness reveals
    secret, regulator = mf.witness_commits(purchase)
    purchase = draws.draw_perform(purchase=mf.deadline_passes(purchase))
    purchase = draws.witness_reveal(purchase=purchase, user=regulator, secret=secret.hex())

    # then the winner is one of the eligible, the excluded carry their reasons
    assert purchase.state == Purchase.State.PUBLICISED and purchase.winner_id in {i.pk for i in eligible}
    reasons = {e.intermediary_id: e.reasons for e in Exclusion.objects.filter(purchase=purchase)}
    assert reasons == {expired.pk: ["qualification_expired"], blacklisted.pk: ["blacklisted"],
                       suspended.pk: ["suspended"]}
    assert "提供虚假材料" in Exclusion.objects.get(intermediary=blacklisted).detail

    # and anyone replays it from the public record alone (the spec's own implementation, not core.draw)
    record = json.loads(json.dumps(draw_record(purchase=purchase)))
    seed = bytes.fromhex(record["seed"])
    assert hashlib.sha256(seed).hexdigest() == record["commitment"] == record["request"]["commitment"]
    assert hashlib.sha256(spec_canonical(record["request"])).hexdigest() == record["request_hash"]
    assert hashlib.sha256(spec_canonical(record["pool"])).hexdigest() == record["pool_hash"]
    [(members, reserves)] = spec_replay(spec_key_v2(record), record["request"], record["pool"])
    assert members == [purchase.winner_id] and reserves == record["result"]["groups"][0]["reserves"]
    assert record["pool"][0]["candidates"] == sorted(i.pk for i in eligible)
    assert record["exclusions"] == {"blacklisted": 1, "qualification_expired": 1, "suspended": 1}
    call_command("replay_marketplace_draw", str(purchase.pk))
    out = capsys.readouterr().out
    assert "replays exactly" in out and "BAD" not in out

    # a record whose order was changed after the fact does not replay
    record["result"]["groups"][0]["members"], record["result"]["groups"][0]["reserves"][0] = (
        record["result"]["groups"][0]["reserves"][:1], record["result"]["groups"][0]["members"][0])
    tampered = tmp_path / "record.json"
    tampered.write_text(json.dumps(record, ensure_ascii=False), encoding="utf-8")
    with pytest.raises(CommandError, match="does not match"):
        call_command("replay_marketplace_draw", "--file", str(tampered))
    assert "BAD members and reserves" in capsys.readouterr().out


def test_a_drawn_intermediary_who_refuses_is_a_credit_event_and_the_first_reserve_follows():
    [mf.intermediary() for _ in range(4)]
    purchase = draws.draw_perform(purchase=mf.deadline_passes(mf.purchase(method="random")))
    first = purchase.winner
    purchase = selection.winner_refuse(purchase=purchase, intermediary=first, reason="人手不足")
    assert purchase.winner_id == purchase.draw.order[1] and purchase.refused == [first.pk]
    assert CreditEvent.objects.filter(organisation=first.organisation,
                                      behaviour_version__behaviour__code="intermediary-refusal").exists()


def test_sealed_bidding_lowest_quote_wins_and_quotes_stay_sealed_until_the_deadline():
    a, b, c = (mf.intermediary() for _ in range(3))
    purchase = mf.purchase(method="bidding", quote_mode="sealed")
    purchases.application_submit(purchase=purchase, intermediary=a, quote="72000")
    purchases.application_submit(purchase=purchase, intermediary=b, quote="65000.50")
    purchases.application_submit(purchase=purchase, intermediary=c, quote="70000")
    event = AuditEvent.objects.filter(action="marketplace.application.submit").first()
    assert "72000" not in json.dumps(event.payload)
    with pytest.raises(ValidationError, match="deadline"):
        selection.bidding_select(purchase=purchase)
    purchase = selection.bidding_select(purchase=mf.deadline_passes(purchase))
    assert purchase.winner == b and purchase.amount == Decimal("65000.50")
    assert [a.intermediary for a in purchase.applications.order_by("rank")] == [b, c, a]
    contract = _contract(purchase)
    assert contract.purchase.state == Purchase.State.CONTRACTED


def test_open_bidding_quotes_may_only_fall():
    a = mf.intermediary()
    purchase = mf.purchase(method="bidding", quote_mode="open")
    purchases.application_submit(purchase=purchase, intermediary=a, quote="70000")
    with pytest.raises(ValidationError) as refused:
        purchases.application_submit(purchase=purchase, intermediary=a, quote="71000")
    assert "lower than your last" in str(refused.value)
    purchases.application_submit(purchase=purchase, intermediary=a, quote="69000")
    assert Application.objects.get().quote == Decimal("69000")


def test_an_ineligible_applicant_is_refused_and_one_expired_by_selection_is_excluded_with_its_reason():
    expired = mf.intermediary(valid_until=today() - dt.timedelta(days=1))
    purchase = mf.purchase(method="bidding")
    with pytest.raises(ValidationError) as refused:
        purchases.application_submit(purchase=purchase, intermediary=expired, quote="50000")
    assert "Qualification expired" in str(refused.value)
    later = mf.intermediary()
    ok = mf.intermediary()
    purchases.application_submit(purchase=purchase, intermediary=later, quote="50000")
    purchases.application_submit(purchase=purchase, intermediary=ok, quote="60000")
    later.qualifications.update(valid_until=today() - dt.timedelta(days=1))
    purchase = selection.bidding_select(purchase=mf.deadline_passes(purchase))
    assert purchase.winner == ok
    assert Exclusion.objects.get(purchase=purchase).reasons == ["qualification_expired"]
    assert Application.objects.get(intermediary=later).state == Application.State.EXCLUDED


def test_comparison_committee_scores_by_the_published_weights():
    a, b, c = (mf.intermediary() for _ in range(3))
    owner = mf.owner()
    purchase = mf.purchase(by=owner, method="comparison", weights={"price": 40, "proposal": 60})
    apps = {i: purchases.application_submit(purchase=purchase, intermediary=i, quote=q, proposal="方案")
            for i, q in ((a, "50000"), (b, "40000"), (c, "45000"))}
    members = [factories.user(role=Role.EXPERT) for _ in range(3)]
    purchase = selection.committee_appoint(purchase=mf.deadline_passes(purchase), members=members)
    assert purchase.state == Purchase.State.SCORING
    with pytest.raises(ValidationError, match="not submitted"):
        selection.comparison_finish(purchase=purchase)
    marks = {apps[a].pk: {"proposal": 95}, apps[b].pk: {"proposal": 60}, apps[c].pk: {"proposal": 80}}
    for member in members:
        selection.scores_submit(purchase=purchase, person=member, marks=marks)
    purchase = selection.comparison_finish(purchase=purchase)
    # a: 40×0.8 + 60×0.95 = 89; b: 40 + 36 = 76; c: 40×0.8889 + 48 = 83.56
    ranked = list(purchase.applications.order_by("rank"))
    assert [(x.intermediary, x.score) for x in ranked] == [(a, Decimal("89.00")), (c, Decimal("83.56")),
                                                           (b, Decimal("76.00"))]
    assert purchase.winner == a and purchase.amount == Decimal("50000")


def test_comparison_refuses_a_wrong_committee_and_wrong_marks_without_changing_anything():
    a = mf.intermediary()
    purchase = mf.purchase(method="comparison")
    application = purchases.application_submit(purchase=purchase, intermediary=a, quote="50000", proposal="方案")
    purchase = mf.deadline_passes(purchase)
    with pytest.raises(ValidationError, match="3 / 5 / 7 members"):
        selection.committee_appoint(purchase=purchase, members=[factories.user(role=Role.EXPERT)])
    bidder = factories.user(role=Role.BIDDER)
    with pytest.raises(ValidationError, match="cannot sit"):
        selection.committee_appoint(purchase=purchase, members=[bidder] + [factories.user(role=Role.EXPERT)
                                                                           for _ in range(2)])
    purchase.refresh_from_db()
    assert purchase.state == Purchase.State.OPEN and not purchase.committee.exists()
    members = [factories.user(role=Role.EXPERT) for _ in range(3)]
    purchase = selection.committee_appoint(purchase=purchase, members=members)
    with pytest.raises(ValidationError, match="0 to 100"):
        selection.scores_submit(purchase=purchase, person=members[0],
                                marks={application.pk: {"proposal": 101, "experience": 50}})
    with pytest.raises(ValidationError, match="whole mark"):
        selection.scores_submit(purchase=purchase, person=members[0], marks={application.pk: {"proposal": 80}})
    assert not application.scores.exists()


def test_wrong_purchases_are_refused_with_nothing_recorded():
    owner = mf.owner()
    cases = [
        (dict(fee_cap="1000000"), "must be tendered"),
        (dict(fee_cap="-5"), "more than zero"),
        (dict(fee_cap="abc"), "as a number"),
        (dict(fee_cap="1e999999"), "at most two decimals"),
        (dict(fee_cap="100.001"), "at most two decimals"),
        (dict(fee_cap="NaN"), "more than zero"),
        (dict(method="comparison", weights={"proposal": 50, "price": 40}), "add up to 100"),
        (dict(method="comparison", weights={"price": 100}), "at least one criterion"),
        (dict(service_type="XXXX"), "service type"),
        (dict(region="999999"), "region"),
        (dict(deadline=dt.datetime(2020, 1, 1, tzinfo=dt.UTC)), "deadline has passed"),
        (dict(method="bidding", quote_mode="loud"), "sealed or open"),
    ]
    for extra, message in cases:
        with pytest.raises(ValidationError) as refused:
            mf.purchase(by=owner, **extra)
        assert message in str(refused.value), extra
    with pytest.raises(ValidationError, match="owner"):
        mf.purchase(by=factories.user(role=Role.BIDDER))
    assert not Purchase.objects.exists()


def test_objection_blocks_the_contract_until_answered():
    winner = mf.intermediary()
    other = mf.intermediary()
    purchase = selection.select_direct(purchase=mf.purchase(method="direct"), intermediary=winner, amount="20000")
    objection = selection.objection_file(purchase=purchase, organisation=other.organisation, text="选取理由不成立")
    purchase = mf.publicity_ends(purchase)
    with pytest.raises(ValidationError, match="Answer every objection"):
        _contract(purchase)
    selection.objection_answer(objection=objection, answer="经核查，属应急抢险项目，理由成立。")
    assert _contract(purchase).amount == Decimal("20000")


def test_an_objection_is_due_in_working_days_and_regulators_see_it_when_late():
    from accounts.desk import desk_for
    from core.workdays import add_working_days

    winner, other = mf.intermediary(), mf.intermediary()
    owner = mf.owner()
    purchase = selection.select_direct(purchase=mf.purchase(by=owner, method="direct"), intermediary=winner,
                                       amount="20000")
    objection = selection.objection_file(purchase=purchase, organisation=other.organisation, text="理由不成立")
    assert objection.reply_due == add_working_days(today(), 3)
    owner_items = [i for s in desk_for(owner) if s.key == "marketplace" for i in s.page.object_list]
    assert [(str(i.action), i.deadline) for i in owner_items] == [("Answer the objection", objection.reply_due)]
    regulator = factories.user(role=Role.REGULATOR)
    late = [s for s in desk_for(regulator) if s.key == "marketplace_objections"]
    assert late and late[0].total == 0
    type(objection).objects.filter(pk=objection.pk).update(reply_due=today() - dt.timedelta(days=1))
    late = [s for s in desk_for(regulator) if s.key == "marketplace_objections"]
    assert late[0].total == 1
