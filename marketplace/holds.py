"""Checks that hold a purchase's contract, registered by the apps above the marketplace.

``contract_hold(purchase)`` returns why the contract must wait, or None. Supervision registers its check (a complaint
on the selection result is being handled: 94号令 lets the regulator stop the procurement meanwhile) in
``AppConfig.ready()``, so the marketplace never imports it.
"""

from collections.abc import Callable

_HOLDS: list[Callable] = []


def contract_hold_register(hold: Callable) -> None:
    if hold not in _HOLDS:
        _HOLDS.append(hold)


def contract_hold(purchase) -> str | None:
    for hold in _HOLDS:
        reason = hold(purchase)
        if reason:
            return reason
    return None
