import pytest
from django.utils import translation


@pytest.fixture(autouse=True)
def media_in_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture(autouse=True)
def english(settings):
    """Messages are asserted in their English source; one test checks the Chinese default."""
    settings.LANGUAGE_CODE = "en"
    with translation.override("en"):
        yield
