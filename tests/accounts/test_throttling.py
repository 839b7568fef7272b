"""Guessing passwords and flooding endpoints are stopped, with a message the person can act on, and audited.

Issue #13 item 5: 30 wrong passwords in a row on the log-in page and on /api/trading/token/, then the right one
worked at once. Now a user name is locked for one address after AXES_FAILURE_LIMIT failures (django-axes), until
the cool-off passes or an admin unlocks it; DRF throttles answer 429 on anonymous and expensive endpoints.
"""

import datetime as dt

import pytest
from axes.models import AccessAttempt
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from audit.models import AuditEvent
from tests import factories

pytestmark = pytest.mark.django_db

LOGIN = "/accounts/login/"
TOKEN = "/api/trading/token/"


@pytest.fixture
def bidder(db):
    return factories.user(role="bidder", username="guessed")


def wrong_logins(client, times: int, **extra):
    for _ in range(times):
        response = client.post(LOGIN, {"username": "guessed", "password": "not-it"}, **extra)
        assert response.status_code in (200, 429)
    return response


def test_the_login_page_locks_a_user_name_after_repeated_failures_with_a_chinese_message(client, bidder, settings):
    wrong_logins(client, settings.AXES_FAILURE_LIMIT)
    # The right password no longer works from this address: the form again, saying why and what to do.
    locked = client.post(LOGIN, {"username": "guessed", "password": factories.PASSWORD})
    assert locked.status_code == 429 and "_auth_user_id" not in client.session
    page = locked.content.decode()
    assert "登录已锁定" in page and "平台运维人员解锁" in page and 'name="password"' in page
    assert AuditEvent.objects.filter(action="accounts.login_locked_out",
                                     payload__username="guessed").exists()
    # Another address is not locked: the lock is on the pair, so an attacker cannot lock a bidder out.
    elsewhere = client.post(LOGIN, {"username": "guessed", "password": factories.PASSWORD},
                            REMOTE_ADDR="10.9.8.7")
    assert elsewhere.status_code == 302


def test_the_lockout_message_is_english_for_who_chose_english(client_en, bidder, settings):
    wrong_logins(client_en, settings.AXES_FAILURE_LIMIT)
    locked = client_en.post(LOGIN, {"username": "guessed", "password": factories.PASSWORD})
    assert locked.status_code == 429 and "Too many wrong passwords" in locked.content.decode()


def test_the_token_endpoint_locks_out_too(bidder, settings):
    api = APIClient()
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        assert api.post(TOKEN, {"username": "guessed", "password": "x"}, format="json").status_code == 400
    assert api.post(TOKEN, {"username": "guessed", "password": "x"}, format="json").status_code == 429
    locked = api.post(TOKEN, {"username": "guessed", "password": factories.PASSWORD}, format="json")
    assert locked.status_code == 429 and "token" not in locked.json()
    assert "登录已锁定" in locked.json()["detail"] and int(locked["Retry-After"]) > 0


def test_the_lock_ends_when_the_cool_off_has_passed(client, bidder, settings):
    wrong_logins(client, settings.AXES_FAILURE_LIMIT)
    assert client.post(LOGIN, {"username": "guessed", "password": factories.PASSWORD}).status_code == 429
    # The clock passes the cool-off.
    AccessAttempt.objects.update(attempt_time=timezone.now() - settings.AXES_COOLOFF_TIME - dt.timedelta(seconds=1))
    assert client.post(LOGIN, {"username": "guessed", "password": factories.PASSWORD}).status_code == 302


def test_an_admin_unlocks_from_the_back_office_and_it_is_audited(client, bidder, settings):
    wrong_logins(client, settings.AXES_FAILURE_LIMIT)
    attempt = AccessAttempt.objects.get(username="guessed")
    admin = APIClient()
    admin.force_login(factories.user(role="admin"))
    changelist = reverse("admin:axes_accessattempt_changelist")
    assert admin.get(changelist).status_code == 200
    done = admin.post(changelist, {"action": "unlock", "_selected_action": [attempt.pk]})
    assert done.status_code == 302
    assert AuditEvent.objects.filter(action="accounts.login_unlocked", payload__username="guessed").exists()
    assert client.post(LOGIN, {"username": "guessed", "password": factories.PASSWORD}).status_code == 302


def test_anonymous_api_callers_get_a_429_in_their_language_and_the_first_refusal_is_audited(settings):
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": {
        **settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"], "anon": "3/min"}}
    api = APIClient()
    for _ in range(3):
        assert api.get("/api/trading/platform-key/").status_code == 200
    refused = api.get("/api/trading/platform-key/")
    assert refused.status_code == 429 and int(refused["Retry-After"]) > 0
    assert "请求过于频繁" in refused.json()["detail"]
    english = api.get("/api/trading/platform-key/", HTTP_ACCEPT_LANGUAGE="en")
    assert english.status_code == 429 and "Too many requests" in english.json()["detail"]
    # One audit event per caller and window, however many refusals: a flood does not flood the chain.
    assert AuditEvent.objects.filter(action="throttle.refused", object_id="anon").count() == 1


def test_expensive_endpoints_have_their_own_tighter_scope(settings, users):
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": {
        **settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"], "search": "2/min", "statistics": "1/min"}}
    api = APIClient()
    api.force_authenticate(users["official"])
    assert [api.get("/api/trading/announcements/?q=道路").status_code for _ in range(3)] == [200, 200, 429]
    # Other endpoints are still open to the same person.
    assert api.get("/api/me/").status_code == 200
    assert [api.get("/api/stats/statistics/").status_code for _ in range(2)] == [200, 429]
    assert AuditEvent.objects.filter(action="throttle.refused", object_id="search").count() == 1


def test_the_statistics_page_and_its_exports_answer_a_429_page(client, settings, users):
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": {
        **settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"], "export": "1/min"}}
    client.force_login(users["official"])
    assert client.get(reverse("stats:statistics_csv")).status_code == 200
    refused = client.get(reverse("stats:statistics_csv"))
    assert refused.status_code == 429 and "请求过于频繁" in refused.content.decode()
