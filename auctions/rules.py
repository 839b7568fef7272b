"""Local figures of online land and property sales, read from settings (DOMAIN.md: local figures are settings)."""

import datetime as dt
from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

from core.workdays import add_working_days, end_of_day

MAX_MONEY = Decimal("99999999999999.99")


def notice_days() -> int:
    """Land and mining rights: the notice is published at least this many days before the start (MLR Order 39)."""
    return int(getattr(settings, "AUCTIONS_NOTICE_DAYS", 20))


def property_notice_working_days() -> int:
    """State property: the transfer is disclosed for at least this many working days (SASAC/MOF Order 32)."""
    return int(getattr(settings, "AUCTIONS_PROPERTY_NOTICE_WORKING_DAYS", 20))


def listing_min_days() -> int:
    """A listing (挂牌) lasts at least this many days."""
    return int(getattr(settings, "AUCTIONS_LISTING_MIN_DAYS", 10))


def countdown() -> dt.timedelta:
    """限时竞价 / auction: the countdown each valid bid restarts."""
    return dt.timedelta(seconds=float(getattr(settings, "AUCTIONS_COUNTDOWN_SECONDS", 240)))


def warning_window() -> dt.timedelta:
    """Warnings are shown in this last part of the countdown."""
    return dt.timedelta(seconds=float(getattr(settings, "AUCTIONS_WARNING_SECONDS", 60)))


def approval_share() -> Decimal:
    """State property: a deal below this share of the valuation stops pending approval."""
    return Decimal(str(getattr(settings, "AUCTIONS_PROPERTY_APPROVAL_SHARE", "0.90")))


def confirm_working_days() -> int:
    """The 成交确认书 is signed within this many working days of the close."""
    return int(getattr(settings, "AUCTIONS_CONFIRM_WORKING_DAYS", 2))


def confirm_by(lot) -> dt.datetime:
    """The end of the last day to sign the 成交确认书 (working days by the calendar)."""
    return end_of_day(add_working_days(timezone.localdate(lot.closed_at), confirm_working_days()))


def money_parse(value, *, field: str, allow_zero: bool = False) -> Decimal:
    """A sum of yuan from text or Decimal (never float), two places at most, or ValidationError on ``field``."""
    if isinstance(value, float):
        value = str(value)
    try:
        amount = Decimal(str(value).strip().replace(",", "")) if value is not None else None
    except InvalidOperation:
        amount = None
    if amount is None or not amount.is_finite():
        raise ValidationError({field: _("Enter an amount in yuan, such as 12500000 or 12500000.50.")})
    if amount < 0 or (amount == 0 and not allow_zero):
        raise ValidationError({field: _("The amount must be more than zero.")})
    if amount > MAX_MONEY:
        raise ValidationError({field: _("The amount is too large.")})
    if amount != amount.quantize(Decimal("0.01")):
        raise ValidationError({field: _("Amounts are in yuan with at most two decimal places.")})
    return amount.quantize(Decimal("0.01"))
