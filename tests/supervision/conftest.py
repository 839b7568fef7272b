"""Complaints are filed on trading's projects: the trading test world and settings apply here too."""

from tests.trading.conftest import trading_settings, world  # noqa: F401
