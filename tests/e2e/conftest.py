import pytest
from django.core.management import call_command


@pytest.fixture(scope="module")
def demo_database(django_db_setup, django_db_blocker):
    """The demo world of `make run` (seed_demo), committed to the test database once per module, removed after."""
    from io import StringIO

    with django_db_blocker.unblock():
        call_command("seed_demo", stdout=StringIO())
    yield
    with django_db_blocker.unblock():
        call_command("flush", interactive=False, verbosity=0)
