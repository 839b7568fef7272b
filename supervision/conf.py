"""Supervision's settings, read when used (never at import time), with their defaults.

Thresholds of the red flags follow the Open Contracting Partnership's Cardinal indicators where one exists (R003,
R018, R024, R035, R036; see docs/supervision.md); local practice differs, so every figure here is a setting.
"""

from django.conf import settings

DEFAULTS = {
    # Regulators see (and handle) only projects of their own organisation's region (and its subdivisions); False:
    # every regulator sees everything.
    "SUPERVISION_REGION_SCOPE": True,
    # A case is decided within this many working days of its opening (《行政处罚法》第六十条: 90 days).
    "SUPERVISION_CASE_WORKING_DAYS": 60,
    # A fine is paid within this many days of the decision (《行政处罚法》第六十七条), rolled to a working day.
    "SUPERVISION_FINE_PAYMENT_DAYS": 15,
    # Numbering of cases and decisions; {year} and {n} (the count of the year) are filled in.
    "SUPERVISION_CASE_NUMBER": "阳公管案〔{year}〕{n}号",
    "SUPERVISION_DECISION_NUMBER": "阳公管决〔{year}〕{n}号",
    # Collusion signals (TL 40).
    "SUPERVISION_SIGNALS": {
        # A regular price pattern: at least this many prices (the price cap counts as one) whose sorted values
        # step by an equal amount (to the fen) or an equal ratio (to ``ratio_places`` decimals), with the bids of
        # at least two bidders among them.
        "pattern_min_points": 3,
        "ratio_places": 4,
        # Fields of the opening summary that name the bidder's agent or contact person (委托代理人).
        "contact_fields": ["委托代理人", "联系人", "授权代表"],
    },
    # Red flags. R003: tender period (announcement → bid deadline) shorter than ``days`` (Cardinal's default 15; our
    # law's minimum is 20, ZB 24), open procedures only. R024: (second-lowest valid bid − winning bid) / winning
    # bid ≤ ``threshold``; None = Cardinal's default lower fence Q1 − 1.5·IQR over the sections of the run. R035:
    # at least ``threshold`` other tenderers disqualified. CAP: the winning bid at or above ``ratio`` of the price
    # cap or budget. REPEAT_WINNER: ``wins`` awards of one tenderer to one bidder within ``months``. AMENDMENT:
    # a clarification or amendment less than ``days`` before the bid deadline that did not move it (ZB 23).
    # FAILURE_RATE: an agency whose sections failed (流标) at ``rate`` or more, over at least ``min_sections``
    # sections ended in the last ``months``.
    "SUPERVISION_FLAGS": {
        "R003": {"days": 20},
        "R024": {"threshold": "0.01"},
        "R035": {"threshold": 1},
        "CAP": {"ratio": "0.99"},
        "REPEAT_WINNER": {"wins": 3, "months": 24},
        "AMENDMENT": {"days": 15},
        "FAILURE_RATE": {"rate": "0.3", "min_sections": 5, "months": 12},
    },
    # Severity of each indicator (high, medium, low).
    "SUPERVISION_SEVERITY": {
        "same_installation": "high", "same_document": "high", "same_manager": "high", "same_address": "medium",
        "same_author": "medium", "price_pattern": "medium", "identical_price": "medium", "same_contact": "medium",
        "same_bond_account": "high",
        "R003": "medium", "R018": "medium", "R024": "medium", "R035": "high", "R036": "high", "CAP": "low",
        "REPEAT_WINNER": "medium", "AMENDMENT": "high", "FAILURE_RATE": "low",
    },
}


def get(name: str):
    return getattr(settings, name, DEFAULTS[name])


def flag(code: str) -> dict:
    return {**DEFAULTS["SUPERVISION_FLAGS"][code], **get("SUPERVISION_FLAGS").get(code, {})}


def signals() -> dict:
    return {**DEFAULTS["SUPERVISION_SIGNALS"], **get("SUPERVISION_SIGNALS")}


def severity(code: str) -> str:
    return {**DEFAULTS["SUPERVISION_SEVERITY"], **get("SUPERVISION_SEVERITY")}.get(code, "medium")
