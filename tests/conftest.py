import os

import pytest
from django.db import connection

from accounts.models import Role
from tests import factories


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """pytest-django's test database, which it drops at the end; first, every other session on it is ended.

    Server processes that tests kill, and the worker threads of event loops that in-process websocket tests
    closed (the room's background snapshot reads), can still hold a session then, and PostgreSQL refuses to
    drop a database that is in use ("being accessed by other users").
    """
    yield
    if connection.vendor == "postgresql":
        with django_db_blocker.unblock(), connection.cursor() as cursor:
            cursor.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                           "WHERE datname = current_database() AND pid <> pg_backend_pid()")


@pytest.fixture(scope="session", autouse=True)
def audit_tables_flushable():
    """Transactional tests end with a flush (one TRUNCATE of every table), which the audit chain's triggers
    refuse (audit/migrations/0004_chain_guards.py). The test database's owner is a superuser: the flush runs in
    replica mode, where ordinary triggers do not fire. Nothing outside the tests flushes the chain.
    """
    from django.db.backends.postgresql.operations import DatabaseOperations

    original = DatabaseOperations.execute_sql_flush

    def execute_sql_flush(self, sql_list):
        return original(self, ["SET LOCAL session_replication_role = replica", *sql_list])

    DatabaseOperations.execute_sql_flush = execute_sql_flush
    yield
    DatabaseOperations.execute_sql_flush = original


@pytest.fixture(autouse=True)
def fresh_rate_counters():
    """Throttle counters live in the (per-process) cache: each test starts with none."""
    from django.core.cache import cache

    cache.clear()


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


@pytest.fixture
def cas(tmp_path, settings):
    """Two test CAs the platform accepts, each with its revocation list (tests/certificates.py)."""
    from tests.certificates import Authorities, authority

    made = Authorities(first=authority("测试省数字证书认证中心"), second=authority("测试国家电子认证服务中心"),
                   settings=settings, folder=tmp_path)
    made.publish()
    return made


@pytest.fixture
def sm2_cas(tmp_path, settings):
    """Two test CAs the platform accepts, one of each kind: an SM2 CA (``first``, issuing SM2 certificates) and an
    ECDSA P-256 one (``second``), each with its revocation list signed with its own algorithm."""
    from tests.certificates import Authorities, authority

    made = Authorities(first=authority("测试商用密码数字证书认证中心", suite="gm"),
                       second=authority("测试国家电子认证服务中心"), settings=settings, folder=tmp_path)
    made.publish()
    return made


@pytest.fixture
def chromium(monkeypatch):
    """Chromium for a browser test (tests/browser.py launches it the one way this project allows); the test's thread
    may use the ORM beside Playwright's loop."""
    from playwright.sync_api import sync_playwright

    from tests.browser import CHROMIUM, launch

    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    if not os.path.exists(CHROMIUM):
        pytest.fail(f"Chromium is missing at {CHROMIUM}: run `make chromium`")
    with sync_playwright() as playwright:
        browser = launch(playwright)
        yield browser
        browser.close()


def pytest_sessionfinish(session, exitstatus):
    """Stop any server a test left running (its fixture or test should have; tests/servers.py keeps the list)."""
    from tests.servers import stop_leftovers

    leaked = stop_leftovers()
    if leaked:
        print(f"\nstopped {len(leaked)} server process(es) a test left running: {leaked}")
