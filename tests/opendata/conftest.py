"""Open data reads trading's history: trading's test settings apply here too."""

from tests.trading.conftest import trading_settings  # noqa: F401
