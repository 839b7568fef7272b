"""The expert pool's settings, read when used (never at import time), with their defaults.

Local practice differs, so these are configuration, not code (see docs/expert-pool.md).
"""

from django.conf import settings

DEFAULTS = {
    # Draw no earlier than this many working days before the evaluation starts.
    "EXPERT_DRAW_EARLIEST_WORKING_DAYS": 2,
    # The draw format of new requests (docs/expert-draw.md): 2 = pool fixed first, platform + witness secrets.
    "EXPERT_DRAW_FORMAT": 2,
    # Format 2: how long after the pool is fixed the witness may reveal its secret (no later than the evaluation
    # start); past it the fallback value replaces the missing secret.
    "EXPERT_DRAW_REVEAL_MINUTES": 120,
    # (N, M): an expert who has served the same tenderer N times in the last M months is not drawn.
    "EXPERT_DRAW_MAX_SAME_TENDERER": (3, 12),
    # Government procurement at or above this budget (yuan) needs at least 7 members.
    "EXPERT_DRAW_LARGE_BUDGET": 10_000_000,
    # How long a notified expert has to confirm or decline.
    "EXPERT_CONFIRM_MINUTES": 60,
    # "log", "email" or "webhook" (POST JSON to EXPERT_NOTIFY_WEBHOOK_URL: an SMS/voice gateway).
    "EXPERT_NOTIFY_CHANNEL": "log",
    "EXPERT_NOTIFY_WEBHOOK_URL": "",
    "EXPERT_NOTIFY_WEBHOOK_TIMEOUT": 10,
    # Abnormally low price (异常低价): a bid below this % of the mean valid price, or below this % of the
    # section's price cap (招标控制价), must be explained in writing. None switches a rule off.
    "EXPERT_ABNORMALLY_LOW": {"below_mean_percent": 80, "below_cap_percent": 70},
    # (N, M): from the N-th decline or silence within M months, each one is a credit event "expert-declines".
    "EXPERT_DECLINES_CREDIT": (3, 12),
    # Supervising regulator of a draw made from a section: region code prefix -> the regulator's credit code;
    # the longest matching prefix of the project's region wins ("310115" -> "3101" -> "31").
    "EXPERT_SUPERVISING_REGULATORS": {},
    # Where the links in notifications point.
    "EXPERT_LINK_BASE_URL": "http://127.0.0.1:8000",
}


def get(name: str):
    return getattr(settings, name, DEFAULTS[name])
