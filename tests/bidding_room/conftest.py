import pytest


@pytest.fixture(autouse=True)
def room_settings(settings, tmp_path):
    """Files to a temporary place; English messages (the source language) so tests can assert them."""
    settings.PROTECTED_ROOT = tmp_path / "protected"
    settings.VAR_DIR = tmp_path / "var"
    settings.LANGUAGE_CODE = "en"
    settings.ROOM_SNAPSHOT_SECONDS = 0.2
    return settings
