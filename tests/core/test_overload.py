"""A database with no connection free is a busy moment, not a bug: 503 with Retry-After and a clear message (the
bidder tool and the bid page retry), never 500. The connections of a process are a bounded pool (settings)."""

import os

import pytest
from django.db import connection
from django.test import RequestFactory
from psycopg_pool import ConnectionPool, PoolTimeout

from core.error_pages import database_overloaded, server_error
from tests.servers import manage


def full_pool_error() -> PoolTimeout:
    """A real PoolTimeout: a pool of one connection to the test database, that connection taken."""
    db = connection.settings_dict
    dsn = f"host={db['HOST'] or '127.0.0.1'} port={db['PORT'] or 5432} user={db['USER']} dbname={db['NAME']}"
    with ConnectionPool(dsn, min_size=1, max_size=1, timeout=0.2, open=True) as pool, pool.connection():
        try:
            pool.getconn(timeout=0.2)
        except PoolTimeout as exc:
            return exc
    raise AssertionError("the pool gave a second connection")


@pytest.mark.django_db
def test_a_full_pool_is_answered_503_with_retry_after_not_500():
    error = full_pool_error()
    assert database_overloaded(error)
    for path, kind in (("/api/trading/uploads/x/", "application/json"), ("/projects/1/", "text/html")):
        request = RequestFactory().get(path)
        try:
            raise error
        except PoolTimeout:
            response = server_error(request)
        assert response.status_code == 503 and response["Retry-After"] == "5"
        assert response["Content-Type"].startswith(kind)
        text = response.content.decode("unicode_escape") if kind == "application/json" else response.content.decode()
        assert "retry by themselves" in text or "自动重试" in text


def test_other_errors_stay_500():
    request = RequestFactory().get("/api/x/")
    try:
        raise ValueError("a bug")
    except ValueError:
        response = server_error(request)
    assert response.status_code == 500 and not response.has_header("Retry-After")


def test_the_connections_of_a_process_are_a_bounded_pool():
    # A server process's settings, as production starts it (the pytest process itself runs without a pool).
    env = {k: v for k, v in os.environ.items() if k != "DB_POOL_MAX_SIZE"}
    shown = manage("shell", "-c", "from django.conf import settings; d = settings.DATABASES['default']; "
                   "print(d['OPTIONS']['pool']['max_size'], d['CONN_MAX_AGE'])", env=env, inherit=False)
    assert shown.returncode == 0, shown.stderr
    assert shown.stdout.strip().splitlines()[-1].split() == ["10", "0"]


def test_the_bidder_tool_resends_a_busy_answer_after_retry_after(monkeypatch):
    """sealing.client: a 503 with Retry-After is sent again (an upload resumes), any other refusal is not."""
    import json
    import threading
    from http.server import BaseHTTPRequestHandler, HTTPServer

    from sealing import client as tool

    answers = [503, 503, 200]
    seen = []

    class Busy(BaseHTTPRequestHandler):
        def do_GET(self):
            status = answers.pop(0) if answers else 404
            seen.append(status)
            body = json.dumps({"detail": "busy"} if status == 503 else {"ok": True}).encode()
            self.send_response(status)
            if status == 503:
                self.send_header("Retry-After", "0")
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = HTTPServer(("127.0.0.1", 0), Busy)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    monkeypatch.setattr(tool, "installation_id", lambda: "")
    try:
        platform = tool.PlatformClient(f"http://127.0.0.1:{server.server_port}")
        assert platform.request("GET", "/api/x/") == (200, {"ok": True}) and seen == [503, 503, 200]
        assert platform.request("GET", "/api/x/")[0] == 404 and seen[-1] == 404  # not resent
    finally:
        server.shutdown()
