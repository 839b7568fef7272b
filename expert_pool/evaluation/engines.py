"""The evaluation method engines: pure functions over Decimals, no database (docs/expert-pool.md, "Evaluation").

Inputs are plain data so the engines can be tested and re-checked by hand:

- a bid is a :class:`BidIn` (key, price, submission time, validity);
- a criterion is ``{"name", "weight", "kind"}`` as in ``Project.evaluation_criteria``;
  ``kind == "price"`` is computed, every other kind is scored 0–100 by each member;
- a member's sheet is ``{bid_key: {criterion_name: Decimal}}``.

Rounding: everything is computed at full Decimal precision (28 digits) and rounded
once, half up to 0.01, when a figure is shown or compared (final scores, evaluated
prices). Ties are judged on the rounded figures, the ones the report prints.
"""

import datetime as dt
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

HUNDRED = Decimal(100)
CENT = Decimal("0.01")
MAX_CANDIDATES = 3


class EngineError(ValueError):
    """Input the engine cannot rank (e.g. a missing score); the message says which."""


def money(value) -> Decimal:
    return Decimal(str(value)).quantize(CENT, rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class BidIn:
    key: str
    price: Decimal
    submitted_at: dt.datetime
    valid: bool = True


@dataclass
class Ranked:
    key: str
    rank: int
    price: Decimal
    figure: Decimal  # evaluated price (lowest price) or final score (comprehensive)
    member_totals: dict[str, Decimal] = field(default_factory=dict)
    tie_break: str = ""  # which rule separated it from the one ranked just above, if they tied


@dataclass
class Outcome:
    method: str
    ranking: list[Ranked]
    invalid: list[str]
    price_scores: dict[str, Decimal] = field(default_factory=dict)

    @property
    def candidates(self) -> list[Ranked]:
        return self.ranking[:MAX_CANDIDATES]


def _tie_breaks(ranking: list[Ranked], *, figure_equal, price_equal) -> None:
    """Say which rule separated each bid from the one above when the primary figure tied."""
    for above, below in zip(ranking, ranking[1:], strict=False):
        if figure_equal(above, below):
            below.tie_break = "price" if not price_equal(above, below) else "submitted_at"


def lowest_evaluated_price(*, bids: list[BidIn], adjustments: dict[str, list[Decimal]] | None = None) -> Outcome:
    """经评审的最低投标价法: evaluated price = price + Σ adjustments; valid bids ranked ascending.

    Ties on the evaluated price: the lower bid price first, then the earlier submission.
    """
    adjustments = adjustments or {}
    valid = [b for b in bids if b.valid]
    rows = []
    for bid in valid:
        evaluated = money(bid.price + sum((Decimal(a) for a in adjustments.get(bid.key, [])), Decimal(0)))
        if evaluated <= 0:
            raise EngineError(f"bid {bid.key}: the adjustments bring the evaluated price to {evaluated}")
        rows.append((evaluated, money(bid.price), bid.submitted_at, bid.key))
    rows.sort()
    ranking = [Ranked(key=key, rank=i, price=price, figure=evaluated)
               for i, (evaluated, price, _at, key) in enumerate(rows, start=1)]
    _tie_breaks(ranking, figure_equal=lambda a, b: a.figure == b.figure, price_equal=lambda a, b: a.price == b.price)
    return Outcome(method="lowest_price", ranking=ranking, invalid=[b.key for b in bids if not b.valid])


def price_scores(*, bids: list[BidIn]) -> dict[str, Decimal]:
    """Price score of each valid bid = lowest valid price / bid price × 100 (unrounded)."""
    valid = [b for b in bids if b.valid]
    if not valid:
        return {}
    lowest = min(b.price for b in valid)
    return {b.key: lowest / b.price * HUNDRED for b in valid}


def member_total(*, criteria: list[dict], sheet: dict[str, Decimal], price_score: Decimal) -> Decimal:
    """One member's total for one bid: Σ weight/100 × score, the price criterion using the computed price score."""
    total = Decimal(0)
    for criterion in criteria:
        weight = Decimal(str(criterion["weight"]))
        if criterion.get("kind") == "price":
            score = price_score
        else:
            if criterion["name"] not in sheet:
                raise EngineError(f"no score for criterion {criterion['name']}")
            score = Decimal(str(sheet[criterion["name"]]))
        total += weight * score / HUNDRED
    return total


def comprehensive(*, criteria: list[dict], bids: list[BidIn],
                  sheets: dict[str, dict[str, dict[str, Decimal]]]) -> Outcome:
    """综合评分法. ``sheets`` = {member: {bid_key: {criterion: score}}}, only the members whose scores count.

    Each member's total per bid is kept; the final score is the mean of all members'
    totals (no score discarded). Ranking: final score ↓, then price ↑, then earlier submission.
    """
    if not sheets:
        raise EngineError("no member's scores to aggregate")
    valid = [b for b in bids if b.valid]
    scores = price_scores(bids=bids)
    rows = []
    for bid in valid:
        totals = {}
        for member, sheet in sorted(sheets.items()):
            if bid.key not in sheet:
                raise EngineError(f"member {member} has not scored bid {bid.key}")
            totals[member] = member_total(criteria=criteria, sheet=sheet[bid.key], price_score=scores[bid.key])
        final = money(sum(totals.values(), Decimal(0)) / len(totals))
        rows.append((-final, money(bid.price), bid.submitted_at, bid.key, totals))
    rows.sort(key=lambda r: r[:4])
    ranking = [Ranked(key=key, rank=i, price=price, figure=-neg, member_totals={m: money(t) for m, t in totals.items()})
               for i, (neg, price, _at, key, totals) in enumerate(rows, start=1)]
    _tie_breaks(ranking, figure_equal=lambda a, b: a.figure == b.figure, price_equal=lambda a, b: a.price == b.price)
    return Outcome(method="comprehensive", ranking=ranking, invalid=[b.key for b in bids if not b.valid],
                   price_scores={k: money(v) for k, v in scores.items()})


@dataclass(frozen=True)
class LowGround:
    rule: str  # "mean" or "cap"
    percent: Decimal
    reference: Decimal  # the mean valid price or the price cap
    threshold: Decimal


def abnormally_low(*, bids: list[BidIn], price_cap: Decimal | None, rule: dict) -> dict[str, list[LowGround]]:
    """Bids whose price is abnormally low under ``rule``; {bid_key: [grounds]}.

    ``rule`` (settings EXPERT_ABNORMALLY_LOW): ``below_mean_percent`` flags a price below
    that percentage of the mean of the valid prices; ``below_cap_percent`` flags a price
    below that percentage of the price cap (when the section has one). Either may be
    None (not applied). Both are compared at full precision: price < mean × p / 100.
    """
    valid = [b for b in bids if b.valid]
    flagged: dict[str, list[LowGround]] = {}
    if not valid:
        return flagged
    mean = sum((b.price for b in valid), Decimal(0)) / len(valid)
    mean_percent = rule.get("below_mean_percent")
    cap_percent = rule.get("below_cap_percent")
    for bid in valid:
        grounds = []
        if mean_percent is not None:
            threshold = mean * Decimal(str(mean_percent)) / HUNDRED
            if bid.price < threshold:
                grounds.append(LowGround("mean", Decimal(str(mean_percent)), money(mean), money(threshold)))
        if cap_percent is not None and price_cap:
            threshold = Decimal(price_cap) * Decimal(str(cap_percent)) / HUNDRED
            if bid.price < threshold:
                grounds.append(LowGround("cap", Decimal(str(cap_percent)), money(price_cap), money(threshold)))
        if grounds:
            flagged[bid.key] = grounds
    return flagged
