"""Behind a reverse proxy, against a real Daphne: forwarded headers count only from the proxies we configured.

Issue #13 item 5: in production a client-sent ``X-Forwarded-Proto: https`` was trusted, and the audit chain recorded
the proxy's address instead of the client's. Now (core.proxy) the client's address and scheme come from
X-Forwarded-For/-Proto only when the connection itself comes from one of SUNSHINE_TRUSTED_PROXIES.
"""

import secrets

import httpx
import pytest

from audit.models import AuditEvent
from tests.bidding_room.live import postgres_env
from tests.servers import Daphne, pdf_signing_env

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]


def serve(tmp_path, *, production: bool, trusted: str = "") -> Daphne:
    env = {**postgres_env(tmp_path, redis_db_prefix=f"proxies-{secrets.token_hex(4)}"),
           "SUNSHINE_TRUSTED_PROXIES": trusted, "EMBEDDED_SCHEDULER": "0"}
    if production:
        env.update({**pdf_signing_env(tmp_path / "pki"), "SUNSHINE_ENV": "production",
                    "DJANGO_SECRET_KEY": secrets.token_urlsafe(64),
                    "ALLOWED_HOSTS": "127.0.0.1"})
    return Daphne(env=env, log_path=tmp_path / "daphne.log").start()


def failed_login_address(daphne: Daphne, headers: dict[str, str]) -> str:
    response = httpx.post(f"{daphne.url}/api/trading/token/", json={"username": "nobody", "password": "x"},
                          headers=headers, timeout=30)
    assert response.status_code == 400, response.text
    return AuditEvent.objects.filter(action="accounts.login_failed").latest("seq").ip_address


def test_a_client_cannot_claim_https_or_an_address_without_a_trusted_proxy(tmp_path):
    with serve(tmp_path, production=True) as daphne:
        claimed = httpx.get(f"{daphne.url}/", headers={"X-Forwarded-Proto": "https"}, timeout=30)
        assert claimed.status_code in (301, 308) and claimed.headers["location"].startswith("https://")
    with serve(tmp_path, production=False) as daphne:
        assert failed_login_address(daphne, {"X-Forwarded-For": "203.0.113.9"}) == "127.0.0.1"


def test_a_trusted_proxy_tells_the_scheme_and_the_clients_address_which_the_audit_records(tmp_path):
    with serve(tmp_path, production=True, trusted="127.0.0.1/32") as daphne:
        https = {"X-Forwarded-Proto": "https"}
        assert httpx.get(f"{daphne.url}/", headers=https, timeout=30).status_code == 200
        # The client sent "6.6.6.6" itself; our proxy appended the address it saw. Only that one is believed.
        address = failed_login_address(daphne, {**https, "X-Forwarded-For": "6.6.6.6, 198.51.100.7"})
        assert address == "198.51.100.7"
