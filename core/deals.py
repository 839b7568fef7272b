"""Deals concluded outside trading (land and property auctions, the marketplace) reach statistics through here.

An app below ``stats`` cannot import it; instead it calls ``deal_record`` (or ``deal_withdraw``) inside the
transaction that concludes (or undoes) the deal, and ``stats`` registers the recorder in its
``AppConfig.ready()``: the deal joins the statistics rollup in that same transaction. A deal is the six facts
statistics need — category, region, time, base type, base amount, deal amount — plus the project it belongs to
(sections of one project count as one project per day). See docs/statistics.md "Feeding deals from other apps".
"""

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal

RESERVED_SOURCES = ("platform", "imported")  # trading's own awards and the history import


@dataclass(frozen=True)
class Deal:
    source: str  # the app's name, e.g. "auctions"; at most 16 characters
    key: str  # unique within the source, e.g. the deal code and lot number
    project_key: str  # the deal code of the procedure it belongs to
    category: str  # a trading.models.Category value
    region: str  # 6-digit administrative division code
    concluded_at: dt.datetime  # aware; its day in Asia/Shanghai is the day it counts on
    base_type: str  # a trading.models.BaseType value: starting_price for auctions, budget for purchases
    base_amount: Decimal
    amount: Decimal


_recorders: list[Callable[[Deal], None]] = []
_withdrawers: list[Callable[[str, str], None]] = []


def deal_recorder_register(*, record: Callable[[Deal], None], withdraw: Callable[[str, str], None]) -> None:
    """Called by stats in AppConfig.ready(); idempotent."""
    if record not in _recorders:
        _recorders.append(record)
        _withdrawers.append(withdraw)


def deal_record(deal: Deal) -> None:
    """Record (or correct) a concluded deal; call it inside the transaction that concludes it."""
    if deal.source in RESERVED_SOURCES or not deal.source or len(deal.source) > 16:
        raise ValueError(f"deal source {deal.source!r} is reserved or not 1-16 characters")
    for record in _recorders:
        record(deal)


def deal_withdraw(*, source: str, key: str) -> None:
    """Take a deal out again (the sale was annulled); inside the transaction that annuls it."""
    for withdraw in _withdrawers:
        withdraw(source, key)
