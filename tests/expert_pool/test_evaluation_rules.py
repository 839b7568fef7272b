"""Engines (pure, Decimal), section draws, credit events, pages and access rows of the evaluation room."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from accounts.models import Organisation, Role
from credit.models import CreditEvent
from expert_pool.evaluation import engines, services
from expert_pool.models import DrawRequest, Evaluation, Seat
from expert_pool.selectors.draws import draw_record
from expert_pool.services import draws
from expert_pool.services.section_draw import section_draw_request_create
from tests import factories
from tests.expert_pool import factories as expert_factories
from tests.expert_pool.evaluation_factories import Setup
from tests.pdfcheck import pdf_read

T0 = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)


def bid(key, price, minute=0, valid=True):
    return engines.BidIn(key=key, price=Decimal(price), submitted_at=T0 + dt.timedelta(minutes=minute), valid=valid)


# --- engines -----------------------------------------------------------------------------------------------

def test_price_score_is_lowest_valid_price_over_bid_price_times_100():
    scores = engines.price_scores(bids=[bid("a", "800"), bid("b", "1000"), bid("c", "500", valid=False)])
    assert scores == {"a": Decimal(100), "b": Decimal(80)}


def test_comprehensive_keeps_every_members_total_and_takes_the_mean_without_discarding():
    criteria = [{"name": "p", "kind": "price", "weight": 30}, {"name": "t", "kind": "technical", "weight": 70}]
    sheets = {"M1": {"a": {"t": Decimal(100)}, "b": {"t": Decimal(0)}},
              "M2": {"a": {"t": Decimal(0)}, "b": {"t": Decimal(90)}},
              "M3": {"a": {"t": Decimal(50)}, "b": {"t": Decimal(60)}}}
    outcome = engines.comprehensive(criteria=criteria, bids=[bid("a", "1000"), bid("b", "800")], sheets=sheets)
    # a: price 80 → 24 + 0.7 × (100, 0, 50) = 94, 24, 59 → mean 59.00 (an extreme score is not dropped).
    # b: price 100 → 30 + 0.7 × (0, 90, 60) = 30, 93, 72 → mean 65.00.
    assert [(r.key, r.figure) for r in outcome.ranking] == [("b", Decimal("65.00")), ("a", Decimal("59.00"))]
    assert outcome.ranking[1].member_totals == {"M1": Decimal("94.00"), "M2": Decimal("24.00"), "M3": Decimal("59.00")}


def test_comprehensive_tie_goes_to_the_lower_price_then_the_earlier_submission():
    criteria = [{"name": "t", "kind": "technical", "weight": 100}]
    same = {"t": Decimal(80)}
    bids = [bid("late", "900", minute=5), bid("dear", "1000", minute=0), bid("early", "900", minute=1)]
    outcome = engines.comprehensive(criteria=criteria, bids=bids,
                                    sheets={"M1": {"late": same, "dear": same, "early": same}})
    assert [(r.key, r.tie_break) for r in outcome.ranking] == [("early", ""), ("late", "submitted_at"),
                                                                ("dear", "price")]


def test_at_most_three_candidates_and_invalid_bids_are_not_ranked():
    bids = [bid(str(i), 1000 + i) for i in range(5)] + [bid("x", "1", valid=False)]
    outcome = engines.lowest_evaluated_price(bids=bids)
    assert [r.key for r in outcome.candidates] == ["0", "1", "2"] and outcome.invalid == ["x"]
    assert len(outcome.ranking) == 5


def test_lowest_evaluated_price_adds_adjustments_and_refuses_a_non_positive_result():
    outcome = engines.lowest_evaluated_price(bids=[bid("a", "100"), bid("b", "90")],
                                             adjustments={"b": [Decimal("15"), Decimal("-2.5")]})
    assert [(r.key, r.figure) for r in outcome.ranking] == [("a", Decimal("100.00")), ("b", Decimal("102.50"))]
    with pytest.raises(engines.EngineError):
        engines.lowest_evaluated_price(bids=[bid("a", "100")], adjustments={"a": [Decimal("-100")]})


def test_a_missing_score_is_refused_by_the_engine():
    with pytest.raises(engines.EngineError, match="has not scored"):
        engines.comprehensive(criteria=[{"name": "t", "kind": "technical", "weight": 100}],
                              bids=[bid("a", "1")], sheets={"M1": {}})


def test_abnormally_low_by_mean_and_by_cap():
    bids = [bid("a", "1000"), bid("b", "1000"), bid("c", "700"), bid("d", "100", valid=False)]
    rule = {"below_mean_percent": 80, "below_cap_percent": 60}
    # Mean of valid prices 900 → threshold 720; cap 1200 → threshold 720 too: c is flagged twice.
    flagged = engines.abnormally_low(bids=bids, price_cap=Decimal(1200), rule=rule)
    assert list(flagged) == ["c"] and [g.rule for g in flagged["c"]] == ["mean", "cap"]
    assert engines.abnormally_low(bids=bids, price_cap=None, rule={"below_mean_percent": None,
                                                                   "below_cap_percent": 60}) == {}


# --- section draw ---------------------------------------------------------------------------------------------

@pytest.mark.django_db
def test_section_draw_fills_the_parties_from_the_section(settings):
    regulator = factories.organisation(org_type=Organisation.Type.REGULATOR)
    settings.EXPERT_SUPERVISING_REGULATORS = {"31": regulator.credit_code}
    setup = Setup(category="government", base_amount="12000000.00", prices=("11000000", "11500000", "11800000"))
    with pytest.raises(ValidationError) as caught:
        setup.draw(members=5)
    assert "at least 7 members" in caught.value.message_dict["composition"][0]
    assert not DrawRequest.objects.exists()
    request = setup.draw(members=7)
    assert request.section == setup.section and request.regulator == regulator
    assert request.tenderer == setup.tenderer and request.agency == setup.agency
    assert set(request.bidders.all()) == {u.organisation for u in setup.bidder_users}
    assert request.government_procurement and request.budget == Decimal("12000000.00")
    assert draw_record(request=request)["deal_code"] == setup.project.deal_code


@pytest.mark.django_db
def test_section_draw_refusals():
    setup = Setup()
    outsider = factories.user(role=Role.AGENCY)
    start, end = expert_factories.evaluation_window()
    args = {"composition": [{"specialty": "A0801", "count": 5}], "regions": ["310000"],
            "evaluation_starts_at": start, "evaluation_ends_at": end}
    with pytest.raises(PermissionDenied):
        section_draw_request_create(section=setup.section, requested_by=outsider, **args)
    setup.draw()
    with pytest.raises(ValidationError, match="already has a committee request"):
        section_draw_request_create(section=setup.section, requested_by=setup.agency_user, **args)
    assert DrawRequest.objects.count() == 1


@pytest.mark.django_db
def test_the_room_opens_only_in_evaluation_with_the_whole_committee(django_capture_on_commit_callbacks):
    setup = Setup()
    with django_capture_on_commit_callbacks(execute=True):
        setup.draw()
    with pytest.raises(ValidationError, match="after the opening"):
        services.evaluation_open(section=setup.section, user=setup.agency_user)
    setup.to_evaluation()
    with pytest.raises(PermissionDenied):
        services.evaluation_open(section=setup.section, user=setup.bidder_users[0])
    assert not Evaluation.objects.exists()


@pytest.mark.django_db
def test_an_expert_without_a_confirmed_committee_cannot_open_it(django_capture_on_commit_callbacks):
    setup = Setup()
    setup.request = section_draw_request_create(
        section=setup.section, requested_by=setup.agency_user, composition=[{"specialty": "A0801", "count": 5}],
        regions=["310000"], evaluation_starts_at=expert_factories.evaluation_window()[0],
        evaluation_ends_at=expert_factories.evaluation_window()[1])
    with django_capture_on_commit_callbacks(execute=True):
        draws.draw_perform(request=setup.request)
    draws.seat_answer(seat=setup.members()[0], accept=True)
    setup.to_evaluation()
    with pytest.raises(ValidationError, match="1 of 5 experts have confirmed"):
        services.evaluation_open(section=setup.section, user=setup.agency_user)


# --- credit ---------------------------------------------------------------------------------------------------

@pytest.mark.django_db
def test_the_nth_decline_within_a_year_is_a_credit_event(settings, django_capture_on_commit_callbacks):
    settings.EXPERT_DECLINES_CREDIT = (2, 12)
    expert = expert_factories.expert()
    for _other in range(4):
        expert_factories.expert()
    for round_ in range(2):
        start, _end = expert_factories.evaluation_window()
        start += dt.timedelta(hours=5 * round_)  # not overlapping the first committee
        request = expert_factories.draw_request(reserve_size=0, window=(start, start + dt.timedelta(hours=4)))
        with django_capture_on_commit_callbacks(execute=True):
            draws.draw_perform(request=request)
        seat = Seat.objects.get(request=request, expert=expert)
        draws.seat_answer(seat=seat, accept=False, note="出差")
        assert CreditEvent.objects.filter(person=expert.user).count() == round_
    event = CreditEvent.objects.get(person=expert.user)
    assert event.behaviour_version.behaviour.code == "expert-declines"


@pytest.mark.django_db
def test_a_confirmed_member_who_does_not_appear_gets_a_no_show_event(django_capture_on_commit_callbacks):
    setup = Setup()
    with django_capture_on_commit_callbacks(execute=True):
        setup.draw()
    absent = setup.members()[2]
    with pytest.raises(ValidationError, match="legal ground"):
        draws.seat_withdraw(seat=absent, reason=" ", no_show=True)
    assert not CreditEvent.objects.exists()
    with django_capture_on_commit_callbacks(execute=True):
        draws.seat_withdraw(seat=absent, reason="评标开始后未到场，电话未接通", no_show=True)
    event = CreditEvent.objects.get(person=absent.expert.user)
    assert event.behaviour_version.behaviour.code == "expert-no-show" and event.deal_code == setup.project.deal_code
    assert Seat.objects.get(pk=absent.pk).state == "replaced"


# --- pages and access rows ------------------------------------------------------------------------------------

@pytest.fixture
def room(db, django_capture_on_commit_callbacks):
    setup = Setup()
    with django_capture_on_commit_callbacks(execute=True):
        setup.draw()
    setup.to_evaluation()
    setup.evaluation = services.evaluation_open(section=setup.section, user=setup.agency_user)
    return setup


@pytest.mark.parametrize("who, status", [
    ("member", 200), ("regulator", 200), ("agency", 200), ("bidder", 403), ("other_expert", 403),
])
def test_who_may_open_the_room(room, client_en, who, status):
    users = {"member": room.members()[1].expert.user, "regulator": room.regulator, "agency": room.agency_user,
             "bidder": room.bidder_users[0], "other_expert": expert_factories.expert().user}
    client_en.force_login(users[who])
    response = client_en.get(reverse("expert_pool:evaluation", args=[room.evaluation.pk]))
    assert response.status_code == status


def test_the_agency_sees_progress_but_no_score(room, client_en):
    member = room.members()[0]
    bid_id = room.evaluation.bids[0]["bid"]
    client_en.force_login(member.expert.user)
    response = client_en.post(reverse("expert_pool:evaluation", args=[room.evaluation.pk]),
                              {"action": "save", f"score-{bid_id}-技术": "87.5"})
    assert response.status_code == 302
    assert "87.5" in client_en.get(reverse("expert_pool:evaluation", args=[room.evaluation.pk])).content.decode()
    client_en.force_login(room.agency_user)
    page = client_en.get(reverse("expert_pool:evaluation", args=[room.evaluation.pk])).content.decode()
    assert "87.5" not in page and "Progress" in page


def test_a_bidder_explains_on_its_page_and_no_one_else_can(room, client_en):
    leader = room.members()[0].expert.user
    low = room.bids[1]
    # The room's snapshot says the second bid is 300,000 (as if its 开标一览表 said so).
    room.evaluation.bids[1]["price"] = "300000.00"
    room.evaluation.save(update_fields=["bids"])
    checks = services.low_price_check_run(evaluation=room.evaluation, user=leader)
    assert [c.bid_id for c in checks] == [low.pk]
    url = reverse("expert_pool:low_price_explain", args=[checks[0].pk])
    client_en.force_login(room.bidder_users[0])
    assert client_en.get(url).status_code == 404
    client_en.force_login(room.bidder_users[1])
    response = client_en.post(url, {"explanation": "短"}, follow=True)
    assert "a few words are not enough" in response.content.decode()
    client_en.post(url, {"explanation": "我公司自有搅拌站，材料成本低于市场价，详见成本分析表。"})
    checks[0].refresh_from_db()
    assert checks[0].explained_by == room.bidder_users[1]


def test_the_section_draw_page_and_the_report_pdf(db, client_en, django_capture_on_commit_callbacks):
    setup = Setup(method="lowest_price")
    client_en.force_login(setup.agency_user)
    url = reverse("expert_pool:section_draw", args=[setup.section.pk])
    assert setup.section.full_code in client_en.get(url).content.decode()
    client_en.force_login(setup.bidder_users[0])
    assert client_en.get(url).status_code == 403
    with django_capture_on_commit_callbacks(execute=True):
        setup.draw()
    setup.to_evaluation()
    evaluation = services.evaluation_open(section=setup.section, user=setup.agency_user)
    leader = setup.members()[0].expert.user
    services.low_price_check_run(evaluation=evaluation, user=leader)
    services.evaluation_aggregate(evaluation=evaluation, user=leader)
    with django_capture_on_commit_callbacks(execute=True):
        services.evaluation_report(evaluation=evaluation, user=leader)
    client_en.force_login(setup.agency_user)
    response = client_en.get(reverse("expert_pool:evaluation_report", args=[evaluation.pk]))
    assert response.status_code == 200 and response.content.startswith(b"%PDF")
    assert pdf_read(response.content, name="evaluation-report-download").fonts


def test_the_room_names_members_bidders_and_summary_fields_in_chinese(room, client, settings):
    from tests.e2e.page_checks import page_problems

    settings.LANGUAGE_CODE = "zh-hans"
    members = room.members()
    for member in members:  # every member scores every bid and submits
        services.score_save(evaluation=room.evaluation, user=member.expert.user, scores={
            str(b["bid"]): {"技术": "80", "商务": "90"} for b in room.evaluation.bids})
        services.score_submit(evaluation=room.evaluation, user=member.expert.user)
    services.low_price_check_run(evaluation=room.evaluation, user=members[0].expert.user)
    services.evaluation_aggregate(evaluation=room.evaluation, user=members[0].expert.user)
    client.force_login(members[1].expert.user)
    page = client.get(reverse("expert_pool:evaluation", args=[room.evaluation.pk])).content.decode()
    # the summary under its labels, other members as 评委N (the leader marked), bidders by name, no bare numbers
    assert "工期：300天" in page and "质量：合格" in page and "duration" not in page
    assert "评委1（组长）" in page and "评委3" in page
    assert room.bidder_users[0].organisation.name in page and "#" + str(room.bids[0].pk) not in page
    page = page.replace(members[1].expert.user.display_name, "评委")  # the factory's person "expert tester"
    for user in room.bidder_users:  # and the factory's organisation names, which hold letters of a credit code
        page = page.replace(user.organisation.name, "投标单位")
    assert page_problems(page) == []
