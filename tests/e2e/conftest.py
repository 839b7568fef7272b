import pytest
from django.core.management import call_command
from django.db import transaction


@pytest.fixture(scope="module")
def demo_database(django_db_setup, django_db_blocker):
    """The demo world of `make run` (seed_demo) for one module: seeded in a transaction that is rolled back after the
    module, so every test of it reads the same world (each in its own savepoint) and no test after it sees any."""
    from io import StringIO

    with django_db_blocker.unblock():
        outer = transaction.atomic()
        outer.__enter__()
        try:
            call_command("seed_demo", stdout=StringIO())
            yield
        finally:
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)


@pytest.fixture
def browser(chromium):
    """The journeys' name for the shared Chromium (tests/conftest.py)."""
    return chromium
