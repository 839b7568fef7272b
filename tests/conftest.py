import pytest

from accounts.models import Role
from tests import factories


@pytest.fixture
def make_user(db):
    return factories.user


@pytest.fixture
def users(db):
    """One person per role."""
    return {role.value: factories.user(role=role.value) for role in Role}
