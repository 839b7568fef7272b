"""The marketplace's settings, read when used (never at import time), with their defaults.

Local practice differs from city to city (which selection methods a service type allows, the threshold, the
publicity period, the rating weights), so these are configuration, not code (see docs/marketplace.md).
"""

from decimal import Decimal

from django.conf import settings
from django.utils.translation import gettext_lazy as _

DIRECT, RANDOM, BIDDING, COMPARISON = "direct", "random", "bidding", "comparison"

DEFAULTS = {
    # code -> (name, selection methods allowed for it). The code is what records and the API carry.
    "MARKETPLACE_SERVICE_TYPES": {
        "ZJZX": (_("Cost consulting (造价咨询)"), [RANDOM, BIDDING, COMPARISON, DIRECT]),
        "GCSJ": (_("Engineering design (工程设计)"), [COMPARISON, RANDOM, DIRECT]),
        "GCKC": (_("Engineering survey (工程勘察)"), [RANDOM, BIDDING, COMPARISON]),
        "ZCPG": (_("Asset appraisal (资产评估)"), [RANDOM, BIDDING]),
        "HJPJ": (_("Environmental impact assessment (环境影响评价)"), [RANDOM, COMPARISON]),
        "ZBDL": (_("Tendering agency (招标代理)"), [RANDOM, BIDDING, COMPARISON]),
    },
    # Purchases at or above this fee (yuan) must be tendered, not bought in the marketplace.
    "MARKETPLACE_TENDER_THRESHOLD": Decimal("1000000"),
    # 直接选取 only up to this fee cap (yuan), and only for service types that allow it.
    "MARKETPLACE_DIRECT_MAX": Decimal("50000"),
    # 竞价选取: "sealed" (quotes hidden until the deadline) or "open" (the lowest quote shown, quotes may fall).
    "MARKETPLACE_QUOTE_MODE": "sealed",
    # Results stay publicised this many working days before the contract may be signed.
    "MARKETPLACE_PUBLICITY_WORKING_DAYS": 3,
    # The owner answers an objection (质疑) within this many working days (as TL 22 gives a tenderer 3).
    "MARKETPLACE_OBJECTION_REPLY_WORKING_DAYS": 3,
    # 随机抽取: reserves drawn behind the selected intermediary, called in order if it refuses.
    "MARKETPLACE_DRAW_RESERVES": 2,
    # Format 2 of the draw: minutes the witness (a regulator) has to reveal its secret once the pool is fixed.
    "MARKETPLACE_DRAW_REVEAL_MINUTES": 120,
    # The contract waits until every participant whose challenge (质疑) was answered has had its complaint period
    # (supervision: 15 working days, 94号令 art. 17), so signing fast cannot cut a complaint off.
    "MARKETPLACE_CONTRACT_AFTER_COMPLAINT_PERIOD": True,
    # 比选: default published weights (percent, sum 100); "price" is scored by formula (lowest quote = 100).
    "MARKETPLACE_COMPARISON_WEIGHTS": {"price": 30, "proposal": 50, "experience": 20},
    "MARKETPLACE_COMMITTEE_SIZES": (3, 5, 7),
    # 好差评: weights of the four marks (1–5 stars each); a weighted score under POOR is a poor rating.
    "MARKETPLACE_RATING_WEIGHTS": {"timeliness": 30, "quality": 40, "attitude": 15, "fees": 15},
    "MARKETPLACE_RATING_POOR_BELOW": 60,
    # (N, M): from the N-th poor rating within M months, each one is also the credit event of repeated poor ratings.
    "MARKETPLACE_REPEATED_POOR": (2, 12),
}


def get(name: str):
    return getattr(settings, name, DEFAULTS[name])


def service_types() -> dict[str, tuple]:
    return get("MARKETPLACE_SERVICE_TYPES")


def service_type_name(code: str) -> str:
    entry = service_types().get(code)
    return str(entry[0]) if entry else code


def methods_for(code: str) -> list[str]:
    entry = service_types().get(code)
    return list(entry[1]) if entry else []
