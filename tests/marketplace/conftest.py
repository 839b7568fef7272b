import pytest
from django.utils import translation


@pytest.fixture(autouse=True)
def english():
    """Service messages are asserted in English; the Chinese catalogue is checked separately."""
    with translation.override("en"):
        yield
