"""The expert pool's settings, read when used (never at import time), with their defaults.

Local practice differs, so these are configuration, not code (see docs/expert-pool.md).
"""

from django.conf import settings

DEFAULTS = {
    # Draw no earlier than this many working days before the evaluation starts.
    "EXPERT_DRAW_EARLIEST_WORKING_DAYS": 2,
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
    # Where the links in notifications point.
    "EXPERT_LINK_BASE_URL": "http://127.0.0.1:8000",
}


def get(name: str):
    return getattr(settings, name, DEFAULTS[name])
