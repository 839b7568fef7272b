"""Statistics read trading's awards: trading's test settings apply here too."""

from tests.trading.conftest import trading_settings  # noqa: F401
