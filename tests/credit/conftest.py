import pytest
from django.utils import translation


@pytest.fixture(autouse=True)
def media_in_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    # The users fixture hashes seven passwords per test; credit tests do not log in with them.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def english(settings):
    """Messages are asserted in their English source; one test checks the Chinese default."""
    settings.LANGUAGE_CODE = "en"
    with translation.override("en"):
        yield
