"""The evaluation room (评标): opening the room, scoring, price adjustments, the abnormally-low-price
procedure, aggregation and the report that feeds the candidate publicity.

Every step checks who acts (a confirmed member, the leader, the bidder, the host) and
records an audit event; the engines (engines.py) do the arithmetic.
"""

import hashlib
from decimal import Decimal, InvalidOperation

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _

from audit.services import audit_record
from trading.models import Bid, EvaluationMethod, Section, Status
from trading.selectors import is_party

from .. import conf
from ..models import DrawRequest, Evaluation, LowPriceCheck, PriceAdjustment, ScoreSheet, Seat
from . import engines, selectors


def _lock(evaluation: Evaluation) -> Evaluation:
    return Evaluation.objects.select_for_update(no_key=True).select_related("section__project", "draw_request").get(
        pk=evaluation.pk)


def _require_member(user, evaluation: Evaluation) -> Seat:
    seat = selectors.member_seat(user=user, evaluation=evaluation)
    if seat is None:
        raise PermissionDenied(_("Only a confirmed member of this committee may do this."))
    return seat


def _require_leader(user, evaluation: Evaluation) -> Seat:
    seat = _require_member(user, evaluation)
    if not selectors.is_leader(user=user, evaluation=evaluation):
        raise PermissionDenied(_("Only the committee leader may do this."))
    return seat


def _require_state(evaluation: Evaluation, state: str) -> None:
    if evaluation.state != state:
        raise ValidationError({"state": _("This step belongs to the stage “%(want)s”; the evaluation is “%(is)s”.")
                               % {"want": Evaluation.State(state).label, "is": evaluation.get_state_display()}})


def _decimal(value, field: str) -> Decimal:
    try:
        number = Decimal(str(value).strip())
    except (InvalidOperation, TypeError):
        raise ValidationError({field: _("“%(value)s” is not a number; write e.g. 85 or 85.5.") % {"value": value}})
    if not number.is_finite():
        raise ValidationError({field: _("“%(value)s” is not a number; write e.g. 85 or 85.5.") % {"value": value}})
    return number


def criteria_check(*, method: str, criteria: list[dict]) -> None:
    if method == EvaluationMethod.COMPREHENSIVE:
        scored = [c for c in criteria if c.get("kind") != "price"]
        prices = [c for c in criteria if c.get("kind") == "price"]
        total = sum((Decimal(str(c.get("weight", 0))) for c in criteria), Decimal(0))
        if not scored or len(prices) > 1 or total != 100:
            raise ValidationError({"criteria": _(
                "Comprehensive scoring needs criteria whose weights add up to 100, at most one price criterion "
                "and at least one scored criterion; correct the project's evaluation criteria.")})


@transaction.atomic
def evaluation_open(*, section: Section, user) -> Evaluation:
    """The host opens the room once the project is in evaluation and the whole committee has confirmed."""
    project = section.project
    if not is_party(user=user, project=project):
        raise PermissionDenied(_("Only the tenderer or its agency may open the evaluation room."))
    if project.status != Status.EVALUATION:
        raise ValidationError({"status": _("The evaluation room opens after the opening, when the project is in "
                                           "evaluation; it is “%(s)s”.") % {"s": project.get_status_display()}})
    if Evaluation.objects.filter(section=section).exists():
        raise ValidationError({"section": _("The evaluation room of this section is already open.")})
    request = (DrawRequest.objects.select_for_update(no_key=True).filter(section=section)
               .exclude(state=DrawRequest.State.CANCELLED).first())
    if request is None or request.state == DrawRequest.State.COMMITTED:
        raise ValidationError({"section": _("Draw the committee of this section first.")})
    seats = Seat.objects.filter(request=request, role=Seat.Role.MEMBER)
    confirmed = seats.filter(state=Seat.State.CONFIRMED).count()
    if confirmed < request.expert_count or seats.filter(state=Seat.State.NOTIFIED).exists():
        raise ValidationError({"section": _("%(c)d of %(n)d experts have confirmed; the room opens when the whole "
                                            "committee has confirmed.") % {"c": confirmed, "n": request.expert_count}})
    criteria_check(method=project.evaluation_method, criteria=project.evaluation_criteria)
    bids = []
    for bid in (Bid.objects.filter(section=section, state=Bid.State.OPENED).select_related("organisation")
                .order_by("submitted_at", "pk")):
        summary = bid.opened_summary or {}
        bids.append({"bid": bid.pk, "organisation": bid.organisation_id, "name": bid.organisation.name,
                     "price": str(engines.money(summary.get("price"))), "submitted_at": bid.submitted_at.isoformat(),
                     "summary": summary})
    if not bids:
        raise ValidationError({"section": _("This section has no opened bid to evaluate.")})
    evaluation = Evaluation.objects.create(
        section=section, draw_request=request, method=project.evaluation_method,
        criteria=list(project.evaluation_criteria), bids=bids, opened_at=timezone.now(),
        price_cap=section.base_amount if section.base_type == "price_cap" else None,
    )
    leader = selectors.leader_seat(evaluation=evaluation)
    Seat.objects.filter(request=request).exclude(pk=leader.pk).update(is_leader=False)
    Seat.objects.filter(pk=leader.pk).update(is_leader=True)
    audit_record(action="expert_pool.evaluation.open", obj=evaluation, payload={
        "deal_code": project.deal_code, "section": section.code, "method": evaluation.method,
        "criteria": evaluation.criteria, "bids": [{"bid": b["bid"], "price": b["price"]} for b in bids],
        "draw_request": request.pk, "leader_seat": leader.pk})
    return evaluation


def _bid_keys(evaluation: Evaluation) -> set[str]:
    return {str(b["bid"]) for b in evaluation.bids}


def _scored_criteria(evaluation: Evaluation) -> list[str]:
    return [c["name"] for c in evaluation.criteria if c.get("kind") != "price"]


@transaction.atomic
def score_save(*, evaluation: Evaluation, user, scores: dict) -> ScoreSheet:
    """A member enters or corrects scores, 0–100 per (bid, criterion), until he submits his sheet."""
    evaluation = _lock(evaluation)
    seat = _require_member(user, evaluation)
    _require_state(evaluation, Evaluation.State.SCORING)
    if evaluation.method != EvaluationMethod.COMPREHENSIVE:
        raise ValidationError({"scores": _("The lowest evaluated price method has no scores; the committee "
                                           "enters price adjustments instead.")})
    sheet, _created = ScoreSheet.objects.select_for_update(no_key=True).get_or_create(evaluation=evaluation, seat=seat)
    if sheet.submitted_at is not None:
        raise ValidationError({"scores": _("Your scores are submitted and can no longer be changed.")})
    bids, criteria = _bid_keys(evaluation), _scored_criteria(evaluation)
    merged = {k: dict(v) for k, v in sheet.scores.items()}
    for bid_key, row in scores.items():
        bid_key = str(bid_key)
        if bid_key not in bids:
            raise ValidationError({"scores": _("Bid %(bid)s is not evaluated in this room.") % {"bid": bid_key}})
        for name, value in row.items():
            if name not in criteria:
                raise ValidationError({"scores": _("“%(name)s” is not a scored criterion (the price score is "
                                                   "computed).") % {"name": name}})
            if value in (None, ""):
                merged.setdefault(bid_key, {}).pop(name, None)
                continue
            number = _decimal(value, "scores")
            if not Decimal(0) <= number <= Decimal(100) or number != number.quantize(Decimal("0.01")):
                raise ValidationError({"scores": _("Scores go from 0 to 100 with at most two decimals; "
                                                   "“%(value)s” for %(name)s is not one.") % {"value": value,
                                                                                              "name": name}})
            merged.setdefault(bid_key, {})[name] = str(number)
    sheet.scores = merged
    sheet.save()
    audit_record(action="expert_pool.evaluation.score_save", obj=sheet, payload={
        "evaluation": evaluation.pk, "seat": seat.pk,
        "filled": sum(len(v) for v in merged.values())})
    return sheet


def _sheet_digest(scores: dict) -> str:
    import json

    return hashlib.sha256(json.dumps(scores, sort_keys=True, ensure_ascii=False).encode()).hexdigest()


@transaction.atomic
def score_submit(*, evaluation: Evaluation, user) -> ScoreSheet:
    """A member submits his complete sheet; from then on it is fixed and he sees the others'."""
    evaluation = _lock(evaluation)
    seat = _require_member(user, evaluation)
    _require_state(evaluation, Evaluation.State.SCORING)
    sheet = ScoreSheet.objects.select_for_update(no_key=True).filter(evaluation=evaluation, seat=seat).first()
    if sheet is not None and sheet.submitted_at is not None:
        raise ValidationError({"scores": _("Your scores are already submitted.")})
    missing = [f"{b['name']} / {name}" for b in evaluation.bids for name in _scored_criteria(evaluation)
               if sheet is None or name not in sheet.scores.get(str(b["bid"]), {})]
    if missing:
        raise ValidationError({"scores": _("Score every criterion of every bid before submitting; missing: "
                                           "%(missing)s.") % {"missing": "; ".join(missing[:10])}})
    sheet.submitted_at = timezone.now()
    sheet.save(update_fields=["submitted_at"])
    audit_record(action="expert_pool.evaluation.score_submit", obj=sheet, payload={
        "evaluation": evaluation.pk, "seat": seat.pk, "scores": sheet.scores,
        "sha256": _sheet_digest(sheet.scores)})
    return sheet


@transaction.atomic
def adjustment_add(*, evaluation: Evaluation, user, bid_id: int, amount, reason: str) -> PriceAdjustment:
    """The leader records a price adjustment agreed by the committee (lowest evaluated price method)."""
    evaluation = _lock(evaluation)
    seat = _require_leader(user, evaluation)
    _require_state(evaluation, Evaluation.State.SCORING)
    if evaluation.method != EvaluationMethod.LOWEST_PRICE:
        raise ValidationError({"amount": _("Price adjustments belong to the lowest evaluated price method.")})
    if str(bid_id) not in _bid_keys(evaluation):
        raise ValidationError({"bid": _("Bid %(bid)s is not evaluated in this room.") % {"bid": bid_id}})
    number = _decimal(amount, "amount")
    if number == 0 or number != number.quantize(Decimal("0.01")):
        raise ValidationError({"amount": _("Give a non-zero amount in yuan with at most two decimals; "
                                           "negative lowers the evaluated price.")})
    if not reason.strip():
        raise ValidationError({"reason": _("Give the reason for the adjustment (the tender document's clause).")})
    adjustment = PriceAdjustment.objects.create(evaluation=evaluation, bid_id=bid_id, amount=number,
                                                reason=reason.strip(), by=seat, at=timezone.now())
    audit_record(action="expert_pool.evaluation.adjust", obj=adjustment, payload={
        "evaluation": evaluation.pk, "bid": bid_id, "amount": number, "reason": adjustment.reason})
    return adjustment


def _bid_inputs(evaluation: Evaluation, rejected: set[str] = frozenset()) -> list[engines.BidIn]:
    return [engines.BidIn(key=str(b["bid"]), price=Decimal(b["price"]), submitted_at=parse_datetime(b["submitted_at"]),
                          valid=str(b["bid"]) not in rejected) for b in evaluation.bids]


def grounds_text(ground: engines.LowGround) -> str:
    if ground.rule == "mean":
        return _("below %(p)s%% of the mean valid price %(ref)s (threshold %(t)s)") % {
            "p": ground.percent, "ref": ground.reference, "t": ground.threshold}
    return _("below %(p)s%% of the price cap %(ref)s (threshold %(t)s)") % {
        "p": ground.percent, "ref": ground.reference, "t": ground.threshold}


@transaction.atomic
def low_price_check_run(*, evaluation: Evaluation, user) -> list[LowPriceCheck]:
    """The leader runs the abnormally-low-price rule (settings EXPERT_ABNORMALLY_LOW) once over the opened bids."""
    evaluation = _lock(evaluation)
    _require_leader(user, evaluation)
    _require_state(evaluation, Evaluation.State.SCORING)
    if evaluation.low_price_checked:
        raise ValidationError({"state": _("The abnormally low price check has already been run.")})
    flagged = engines.abnormally_low(bids=_bid_inputs(evaluation), price_cap=evaluation.price_cap,
                                     rule=conf.get("EXPERT_ABNORMALLY_LOW"))
    checks = [LowPriceCheck.objects.create(evaluation=evaluation, bid_id=int(key),
                                           grounds="; ".join(grounds_text(g) for g in grounds))
              for key, grounds in sorted(flagged.items(), key=lambda kv: int(kv[0]))]
    evaluation.low_price_checked = True
    evaluation.save(update_fields=["low_price_checked"])
    audit_record(action="expert_pool.evaluation.low_price_check", obj=evaluation, payload={
        "rule": conf.get("EXPERT_ABNORMALLY_LOW"), "flagged": {c.bid_id: c.grounds for c in checks}})
    return checks


@transaction.atomic
def low_price_explain(*, check: LowPriceCheck, user, explanation: str) -> LowPriceCheck:
    """The flagged bidder gives its written explanation (书面说明), until the committee decides."""
    check = LowPriceCheck.objects.select_for_update(no_key=True).select_related("bid", "evaluation").get(pk=check.pk)
    if user.organisation_id is None or user.organisation_id != check.bid.organisation_id or user.role != "bidder":
        raise PermissionDenied(_("Only the bidder whose price was flagged may explain it."))
    if check.decision != LowPriceCheck.Decision.PENDING or check.evaluation.state != Evaluation.State.SCORING:
        raise ValidationError({"explanation": _("The committee has already decided; the explanation is closed.")})
    if len(explanation.strip()) < 10:
        raise ValidationError({"explanation": _("Explain in writing how the price is achieved (costs, "
                                                "sources, evidence); a few words are not enough.")})
    check.explanation = explanation.strip()
    check.explained_at = timezone.now()
    check.explained_by = user
    check.save(update_fields=["explanation", "explained_at", "explained_by"])
    audit_record(action="expert_pool.evaluation.low_price_explain", obj=check, payload={
        "evaluation": check.evaluation_id, "bid": check.bid_id,
        "sha256": hashlib.sha256(check.explanation.encode()).hexdigest()})
    return check


@transaction.atomic
def low_price_decide(*, check: LowPriceCheck, user, accept: bool, note: str) -> LowPriceCheck:
    """The leader records the committee's decision: accepted, or rejected (the bid is invalid for ranking)."""
    check = LowPriceCheck.objects.select_for_update(no_key=True).select_related("evaluation").get(pk=check.pk)
    evaluation = _lock(check.evaluation)
    _require_leader(user, evaluation)
    _require_state(evaluation, Evaluation.State.SCORING)
    if check.decision != LowPriceCheck.Decision.PENDING:
        raise ValidationError({"decision": _("The committee has already decided on this bid.")})
    if accept and not check.explanation:
        raise ValidationError({"decision": _("An explanation can be accepted only once the bidder has given it; "
                                             "without one the bid is rejected.")})
    if not note.strip():
        raise ValidationError({"note": _("Write down the committee's reasons for the decision.")})
    check.decision = LowPriceCheck.Decision.ACCEPTED if accept else LowPriceCheck.Decision.REJECTED
    check.decision_note = note.strip()
    check.decided_at = timezone.now()
    check.save(update_fields=["decision", "decision_note", "decided_at"])
    audit_record(action="expert_pool.evaluation.low_price_decide", obj=check, payload={
        "evaluation": evaluation.pk, "bid": check.bid_id, "decision": check.decision, "note": check.decision_note})
    return check


@transaction.atomic
def evaluation_aggregate(*, evaluation: Evaluation, user) -> Evaluation:
    """The leader aggregates: the scores of the sitting members only (a replaced member's are void), no score
    discarded, the abnormally-low-price decisions applied, ranked with the tie rules."""
    evaluation = _lock(evaluation)
    _require_leader(user, evaluation)
    _require_state(evaluation, Evaluation.State.SCORING)
    if not evaluation.low_price_checked:
        raise ValidationError({"state": _("Run the abnormally low price check before aggregating.")})
    pending = LowPriceCheck.objects.filter(evaluation=evaluation, decision=LowPriceCheck.Decision.PENDING)
    if pending.exists():
        raise ValidationError({"state": _("Decide on every abnormally low price first (%(n)d open).")
                               % {"n": pending.count()}})
    rejected = {str(pk) for pk in LowPriceCheck.objects.filter(
        evaluation=evaluation, decision=LowPriceCheck.Decision.REJECTED).values_list("bid_id", flat=True)}
    bids = _bid_inputs(evaluation, rejected)
    if not any(b.valid for b in bids):
        raise ValidationError({"state": _("No valid bid remains; the section fails (流标) instead.")})
    sitting = list(selectors.sitting_seats(evaluation=evaluation))
    labels = selectors.member_labels(evaluation=evaluation)
    void = list(ScoreSheet.objects.filter(evaluation=evaluation).exclude(seat__in=sitting)
                .values_list("seat_id", flat=True))
    if evaluation.method == EvaluationMethod.COMPREHENSIVE:
        waiting = [labels.get(s.pk, "?") for s in sitting if s.state != Seat.State.CONFIRMED]
        sheets = {s.seat_id: s for s in ScoreSheet.objects.filter(evaluation=evaluation, seat__in=sitting,
                                                                  submitted_at__isnull=False)}
        missing = [labels.get(s.pk, "?") for s in sitting if s.pk not in sheets]
        if waiting or missing:
            raise ValidationError({"state": _("Every sitting member must have submitted his scores; waiting for "
                                              "%(who)s.") % {"who": ", ".join(waiting + missing)}})
        outcome = engines.comprehensive(criteria=evaluation.criteria, bids=bids, sheets={
            labels[pk]: {b: {c: Decimal(v) for c, v in row.items()} for b, row in sheet.scores.items()}
            for pk, sheet in sheets.items()})
    else:
        adjustments: dict[str, list[Decimal]] = {}
        for adjustment in PriceAdjustment.objects.filter(evaluation=evaluation):
            adjustments.setdefault(str(adjustment.bid_id), []).append(adjustment.amount)
        try:
            outcome = engines.lowest_evaluated_price(bids=bids, adjustments=adjustments)
        except engines.EngineError as exc:
            raise ValidationError({"amount": _("An adjustment makes an evaluated price zero or negative: %(e)s")
                                   % {"e": exc}})
    names = {str(b["bid"]): b for b in evaluation.bids}
    evaluation.result = {
        "method": outcome.method,
        "ranking": [{"bid": int(r.key), "organisation": names[r.key]["organisation"], "name": names[r.key]["name"],
                     "rank": r.rank, "price": str(r.price), "figure": str(r.figure), "tie_break": r.tie_break,
                     "member_totals": {m: str(t) for m, t in r.member_totals.items()}} for r in outcome.ranking],
        "invalid": [int(k) for k in outcome.invalid],
        "price_scores": {k: str(v) for k, v in outcome.price_scores.items()},
        "members": [labels[s.pk] for s in sitting],
        "void": [labels.get(pk, str(pk)) for pk in void],
    }
    evaluation.state = Evaluation.State.AGGREGATED
    evaluation.aggregated_at = timezone.now()
    evaluation.save(update_fields=["result", "state", "aggregated_at"])
    audit_record(action="expert_pool.evaluation.aggregate", obj=evaluation, payload=evaluation.result)
    return evaluation


@transaction.atomic
def evaluation_report(*, evaluation: Evaluation, user) -> Evaluation:
    """The leader signs off: the report PDF is made and hashed into the audit chain, and the (at most 3)
    candidates go to trading's candidate publicity."""
    from trading.services.awards import candidates_set

    from .report import report_pdf

    evaluation = _lock(evaluation)
    _require_leader(user, evaluation)
    _require_state(evaluation, Evaluation.State.AGGREGATED)
    evaluation.state = Evaluation.State.REPORTED
    evaluation.reported_at = timezone.now()
    pdf = report_pdf(evaluation=evaluation)
    evaluation.report_pdf = pdf
    evaluation.report_sha256 = hashlib.sha256(pdf).hexdigest()
    evaluation.save(update_fields=["state", "reported_at", "report_pdf", "report_sha256"])
    comprehensive = evaluation.method == EvaluationMethod.COMPREHENSIVE
    candidates = [{"organisation": Bid.objects.get(pk=r["bid"]).organisation, "price": r["price"],
                   "score": r["figure"] if comprehensive else None}
                  for r in evaluation.result["ranking"][:engines.MAX_CANDIDATES]]
    # user=None: the committee, not a person of the host, feeds the candidates (see candidates_set).
    candidates_set(section=evaluation.section, user=None, candidates=candidates)
    audit_record(action="expert_pool.evaluation.report", obj=evaluation, payload={
        "deal_code": evaluation.section.project.deal_code, "section": evaluation.section.code,
        "report_sha256": evaluation.report_sha256, "candidates": [r["bid"] for r in evaluation.result["ranking"][:3]]},
        checkpoint=True)
    return evaluation
