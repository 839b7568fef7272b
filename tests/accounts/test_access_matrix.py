"""Who may reach which page: role × page → allowed or refused.

Later parts add their rows to ROWS. Each row is (url, {roles allowed}); every
role not listed must be refused with a 403 that says why, and an
anonymous visitor must be sent to a log-in page, never an error.
"""

import pytest
from django.urls import reverse

from accounts.models import Role

pytestmark = pytest.mark.django_db

ALL = frozenset(Role.values)

ROWS = [
    (reverse("accounts:dashboard_role", args=[role]), frozenset({role})) for role in Role.values
] + [
    ("/admin/", frozenset({Role.ADMIN})),
    ("/admin/audit/auditevent/", frozenset({Role.ADMIN})),
    ("/admin/accounts/organisation/", frozenset({Role.ADMIN})),
    (reverse("accounts:dashboard"), ALL),
    ("/api/me/", ALL),
]


def refused(response) -> bool:
    return response.status_code == 403


@pytest.mark.parametrize("url, allowed", ROWS, ids=[row[0] for row in ROWS])
@pytest.mark.parametrize("role", Role.values)
def test_role_page_matrix(client, users, url, allowed, role):
    client.force_login(users[role])
    response = client.get(url)
    if role in allowed:
        assert response.status_code in (200, 302), f"{role} should reach {url}"
        assert not refused(response)
    else:
        assert refused(response), f"{role} must not reach {url} (got {response.status_code})"


@pytest.mark.parametrize("url, allowed", ROWS, ids=[row[0] for row in ROWS])
def test_anonymous_gets_a_login_page_not_an_error(client, url, allowed):
    response = client.get(url)
    if url.startswith("/api/"):
        assert response.status_code in (401, 403)
        return
    assert response.status_code == 302
    assert "login" in response.url
