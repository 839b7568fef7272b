import pytest

from accounts.models import Role
from tests import factories


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    """Tests create many people; the production hasher is slow on purpose."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def client_en(client, settings):
    """A browser whose person chose English with the language switch."""
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


@pytest.fixture
def make_user(db):
    return factories.user


@pytest.fixture
def users(db):
    """One person per role."""
    return {role.value: factories.user(role=role.value) for role in Role}
