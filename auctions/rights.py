"""Whether a bidder's deposit for a lot gives it the right to bid: the one place that asks.

The deposits ledger (``deposits/``) owns arrivals and guarantees. Until its selector is on main, the stand-in
below reads the host's confirmation recorded on the application (``application_deposit_confirm``); switching to
the ledger changes only ``deposit_covers``.
"""

from .models import Application


def deposit_covers(*, application: Application) -> bool:
    """Whether the deposit for ``application``'s lot arrived in full before the sale's deadline (or a guarantee
    covers it)."""
    confirmed = application.deposit_confirmed_at
    return confirmed is not None and confirmed <= application.lot.sale.application_deadline
