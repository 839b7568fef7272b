"""A full evaluation from opened bids to ranked candidates, for both methods."""

from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from audit.models import AuditEvent
from credit.models import CreditEvent
from expert_pool.evaluation import services
from expert_pool.evaluation.selectors import leader_seat, sheets_visible
from expert_pool.models import Evaluation, ScoreSheet, Seat
from expert_pool.services import draws
from tests.expert_pool.evaluation_factories import Setup
from tests.pdfcheck import assert_whole, pdf_read
from trading.models import Candidate

pytestmark = pytest.mark.django_db


def score_all(evaluation, seat, table):
    """table: {bid index: (technical, business)}."""
    bids = evaluation.bids
    services.score_save(evaluation=evaluation, user=seat.expert.user, scores={
        str(bids[i]["bid"]): {"技术": t, "商务": b} for i, (t, b) in table.items()})
    return services.score_submit(evaluation=evaluation, user=seat.expert.user)


def test_comprehensive_evaluation_with_a_replaced_member_a_tie_and_low_prices(django_capture_on_commit_callbacks):
    # Given four opened bids: A 1,000,000; B 600,000 (abnormally low, explained, accepted);
    # C 500,000 (abnormally low, not explained, rejected); D 1,000,000 submitted later than A.
    setup = Setup(prices=("1000000", "700000", "500000", "1000000"))
    with django_capture_on_commit_callbacks(execute=True):
        setup.draw()
    setup.to_evaluation()
    evaluation = services.evaluation_open(section=setup.section, user=setup.agency_user)
    members = setup.members()
    leader = leader_seat(evaluation=evaluation)
    assert leader.pk == members[0].pk and Seat.objects.get(pk=leader.pk).is_leader

    # The abnormally low price check (mean 800,000 × 80% = 640,000; cap 1,200,000 × 70% = 840,000).
    checks = services.low_price_check_run(evaluation=evaluation, user=leader.expert.user)
    assert [c.bid_id for c in checks] == [setup.bids[1].pk, setup.bids[2].pk]
    low_b, low_c = checks
    services.low_price_explain(check=low_b, user=setup.bidder_users[1],
                               explanation="自有设备与长期供货合同，人工成本测算见附件。")
    with pytest.raises(ValidationError, match="only once the bidder has given it"):
        services.low_price_decide(check=low_c, user=leader.expert.user, accept=True, note="ok")
    services.low_price_decide(check=low_b, user=leader.expert.user, accept=True, note="说明合理，有成本依据")
    services.low_price_decide(check=low_c, user=leader.expert.user, accept=False, note="未提交书面说明")

    # Member 5 scores, then is replaced: his scores are void; the reserve who replaces him scores.
    scores = {0: ("80", "80"), 1: ("70", "50"), 2: ("90", "90"), 3: ("80", "80")}
    replaced = members[4]
    score_all(evaluation, replaced, {0: ("0", "0"), 1: ("100", "100"), 2: ("0", "0"), 3: ("0", "0")})
    with django_capture_on_commit_callbacks(execute=True):
        draws.seat_withdraw(seat=replaced, reason="与投标人存在利害关系（回避）")
    newcomer = Seat.objects.get(replaces=replaced)
    draws.seat_answer(seat=newcomer, accept=True)
    for seat in [*members[:4], newcomer]:
        score_all(evaluation, seat, scores)

    evaluation = services.evaluation_aggregate(evaluation=evaluation, user=leader.expert.user)
    result = evaluation.result
    # Price scores: lowest valid price 700,000 (C is invalid). A, D: 70; B: 100.
    # A, D totals: 0.4×70 + 0.5×80 + 0.1×80 = 76.00; B: 0.4×100 + 0.5×70 + 0.1×50 = 80.00.
    ranking = [(r["bid"], r["figure"], r["tie_break"]) for r in result["ranking"]]
    assert ranking == [(setup.bids[1].pk, "80.00", ""), (setup.bids[0].pk, "76.00", ""),
                       (setup.bids[3].pk, "76.00", "submitted_at")]
    assert result["invalid"] == [setup.bids[2].pk]
    assert len(result["members"]) == 5 and len(result["void"]) == 1
    assert all(len(r["member_totals"]) == 5 for r in result["ranking"])

    with django_capture_on_commit_callbacks(execute=True):
        evaluation = services.evaluation_report(evaluation=evaluation, user=leader.expert.user)
    assert evaluation.state == Evaluation.State.REPORTED and bytes(evaluation.report_pdf).startswith(b"%PDF")
    # The report: font embedded, figures whole, members and tie rules by name, no keys or missing glyphs.
    report = pdf_read(bytes(evaluation.report_pdf), name="evaluation-report")
    assert_whole(report, ["1,000,000.00", "700,000.00", "500,000.00", "80.00", "76.00", "评委1", "评委5",
                          "提交时间在先", "报价（元）"])
    for raw in ("submitted_at", "M1", "fields", "{}", "duration"):
        assert raw not in report.text
    event = AuditEvent.objects.get(action="expert_pool.evaluation.report")
    assert event.payload["report_sha256"] == evaluation.report_sha256
    candidates = list(Candidate.objects.filter(section=setup.section).order_by("rank"))
    assert [(c.organisation_id, c.price, c.score) for c in candidates] == [
        (setup.bids[1].organisation_id, Decimal("700000.00"), Decimal("80.00")),
        (setup.bids[0].organisation_id, Decimal("1000000.00"), Decimal("76.00")),
        (setup.bids[3].organisation_id, Decimal("1000000.00"), Decimal("76.00")),
    ]
    assert not CreditEvent.objects.exists()  # a withdrawal on legal grounds is no offence


def test_lowest_evaluated_price_with_adjustments_and_a_tie_resolved_by_price(django_capture_on_commit_callbacks):
    # Given bids of 1,000,000 / 980,000 / 990,000 / 1,050,000.
    setup = Setup(method="lowest_price", prices=("1000000", "980000", "990000", "1050000"))
    with django_capture_on_commit_callbacks(execute=True):
        setup.draw()
    setup.to_evaluation()
    evaluation = services.evaluation_open(section=setup.section, user=setup.agency_user)
    leader = leader_seat(evaluation=evaluation).expert.user
    bids = setup.bids
    # When the committee adjusts: +20,000 to the 980,000 bid (missing item), −30,000 to the 1,050,000 bid.
    services.adjustment_add(evaluation=evaluation, user=leader, bid_id=bids[1].pk, amount="20000",
                            reason="漏项：按最高报价补齐")
    services.adjustment_add(evaluation=evaluation, user=leader, bid_id=bids[3].pk, amount="-30000",
                            reason="优惠条款折算")
    with pytest.raises(ValidationError, match="reason for the adjustment"):
        services.adjustment_add(evaluation=evaluation, user=leader, bid_id=bids[0].pk, amount="1", reason=" ")
    with pytest.raises(ValidationError, match="Run the abnormally low price check"):
        services.evaluation_aggregate(evaluation=evaluation, user=leader)
    assert services.low_price_check_run(evaluation=evaluation, user=leader) == []
    evaluation = services.evaluation_aggregate(evaluation=evaluation, user=leader)
    # Then 990,000 first; 1,000,000 (price 980,000 + 20,000) ties with 1,000,000 (price 1,000,000): lower price first.
    ranking = [(r["bid"], r["figure"], r["tie_break"]) for r in evaluation.result["ranking"]]
    assert ranking == [(bids[2].pk, "990000.00", ""), (bids[1].pk, "1000000.00", ""),
                       (bids[0].pk, "1000000.00", "price"), (bids[3].pk, "1020000.00", "")]
    with django_capture_on_commit_callbacks(execute=True):
        services.evaluation_report(evaluation=evaluation, user=leader)
    assert list(Candidate.objects.filter(section=setup.section).order_by("rank")
                .values_list("bid_id", "score")) == [(bids[2].pk, None), (bids[1].pk, None), (bids[0].pk, None)]


def test_scores_are_secret_until_the_member_submits(django_capture_on_commit_callbacks):
    setup = Setup()
    with django_capture_on_commit_callbacks(execute=True):
        setup.draw()
    setup.to_evaluation()
    evaluation = services.evaluation_open(section=setup.section, user=setup.agency_user)
    first, second = setup.members()[:2]
    table = {0: ("80", "80"), 1: ("70", "50"), 2: ("90", "90")}
    score_all(evaluation, first, table)
    services.score_save(evaluation=evaluation, user=second.expert.user,
                        scores={str(evaluation.bids[0]["bid"]): {"技术": "60"}})
    # The second member sees only his own sheet until he submits.
    assert [s.seat_id for s in sheets_visible(user=second.expert.user, evaluation=evaluation)] == [second.pk]
    # The host sees no sheet; the regulator sees both.
    assert sheets_visible(user=setup.agency_user, evaluation=evaluation) == []
    assert {s.seat_id for s in sheets_visible(user=setup.regulator, evaluation=evaluation)} == {first.pk, second.pk}
    # Submitting an incomplete sheet is refused and nothing changes.
    with pytest.raises(ValidationError, match="Score every criterion"):
        services.score_submit(evaluation=evaluation, user=second.expert.user)
    assert ScoreSheet.objects.get(seat=second).submitted_at is None
    score_all(evaluation, second, table)
    assert {s.seat_id for s in sheets_visible(user=second.expert.user, evaluation=evaluation)} == {first.pk, second.pk}
    # A submitted sheet is fixed.
    with pytest.raises(ValidationError, match="submitted and can no longer be changed"):
        services.score_save(evaluation=evaluation, user=first.expert.user,
                            scores={str(evaluation.bids[0]["bid"]): {"技术": "10"}})
    assert ScoreSheet.objects.get(seat=first).scores[str(evaluation.bids[0]["bid"])]["技术"] == "80"


def test_only_members_score_and_only_the_leader_drives(django_capture_on_commit_callbacks):
    setup = Setup()
    with django_capture_on_commit_callbacks(execute=True):
        setup.draw()
    setup.to_evaluation()
    evaluation = services.evaluation_open(section=setup.section, user=setup.agency_user)
    other = setup.members()[1].expert.user
    with pytest.raises(PermissionDenied, match="confirmed member"):
        services.score_save(evaluation=evaluation, user=setup.agency_user, scores={})
    with pytest.raises(PermissionDenied, match="committee leader"):
        services.low_price_check_run(evaluation=evaluation, user=other)
    with pytest.raises(PermissionDenied, match="committee leader"):
        services.evaluation_aggregate(evaluation=evaluation, user=other)
    evaluation.refresh_from_db()
    assert not evaluation.low_price_checked and evaluation.state == "scoring"


def test_members_and_regulators_read_the_opened_documents_the_host_does_not(django_capture_on_commit_callbacks, client,
                                                                            settings, tmp_path):
    from trading.services.opening import opened_path

    settings.PROTECTED_ROOT = tmp_path / "protected"
    setup = Setup()
    with django_capture_on_commit_callbacks(execute=True):
        setup.draw()
    setup.to_evaluation()
    evaluation = services.evaluation_open(section=setup.section, user=setup.agency_user)
    bid = setup.bids[0]
    folder = opened_path(bid=bid) / "documents"  # where bid_decrypt puts a bid's documents
    folder.mkdir(parents=True)
    (folder / "技术标.pdf").write_bytes(b"%PDF-1.7 technical proposal")
    url = f"/experts/evaluations/{evaluation.pk}/bids/{bid.pk}/documents/技术标.pdf"

    client.force_login(setup.members()[0].expert.user)
    room = client.get(f"/experts/evaluations/{evaluation.pk}/").content.decode()
    assert 'data-document="技术标.pdf"' in room
    assert b"".join(client.get(url).streaming_content) == b"%PDF-1.7 technical proposal"
    assert client.get(url.replace("技术标.pdf", "..%2F..%2Fsummary.json")).status_code == 404
    assert client.get(f"/experts/evaluations/{evaluation.pk}/bids/999999/documents/技术标.pdf").status_code == 404

    client.force_login(setup.regulator)
    assert client.get(url).status_code == 200
    client.force_login(setup.agency_user)
    assert client.get(url).status_code == 404
    assert 'data-document="' not in client.get(f"/experts/evaluations/{evaluation.pk}/").content.decode()
