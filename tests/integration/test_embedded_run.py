"""`make run` on a bare machine: SQLite, no Redis, one Daphne process serving everything."""

import asyncio
import json
import subprocess

import httpx
import pytest
import websockets

from accounts.demo import DEMO_PASSWORD, PEOPLE
from tests.servers import ROOT, Browserless, embedded_env

pytestmark = pytest.mark.slow


def test_make_run_prints_the_demo_logins_and_serves_the_home_page(make_run):
    host, var_dir = make_run
    output = (var_dir / "make-run.log").read_text(encoding="utf-8")
    assert f"password for all: {DEMO_PASSWORD}" in output
    for username, *_ in PEOPLE:
        assert username in output
    home = httpx.get(f"http://{host}/")
    assert home.status_code == 200 and "阳光公共资源交易平台" in home.text
    assert (var_dir / "sunshine.sqlite3").exists()
    assert httpx.get(f"http://{host}/static/css/site.css").status_code == 200


@pytest.mark.parametrize("username, role", [(p[0], p[1]) for p in PEOPLE])
def test_every_role_can_log_in(make_run, username, role):
    host, _ = make_run
    session = Browserless(f"http://{host}")
    try:
        response = session.login(username, DEMO_PASSWORD)
        assert response.status_code == 302, response.text[:500]
        desk = session.client.get("/accounts/dashboard/", follow_redirects=True)
        assert desk.status_code == 200 and f"/accounts/dashboard/{role}/" in str(desk.url)
    finally:
        session.close()


def test_a_wrong_password_is_refused_with_a_message(make_run):
    host, _ = make_run
    session = Browserless(f"http://{host}")
    try:
        response = session.login("bidder1", "not-the-password")
        assert response.status_code == 200 and "请输入一个正确的用户名和密码" in response.text
    finally:
        session.close()


def test_the_server_clock_over_a_websocket(make_run):
    host, _ = make_run

    async def ask():
        async with websockets.connect(f"ws://{host}/ws/clock/", origin=f"http://{host}") as ws:
            first = json.loads(await ws.recv())
            await ws.send(json.dumps({"t": 42}))
            return first, json.loads(await ws.recv())

    first, echo = asyncio.run(ask())
    assert first["type"] == "clock" and "server_time" in first
    assert echo["echo"] == 42


def test_websockets_from_a_foreign_origin_are_refused(make_run):
    host, _ = make_run

    async def ask():
        async with websockets.connect(f"ws://{host}/ws/clock/", origin="http://evil.example.com") as ws:
            await ws.recv()

    with pytest.raises(websockets.exceptions.InvalidStatus):
        asyncio.run(ask())


def test_seed_demo_is_idempotent(make_run):
    _, var_dir = make_run
    env = embedded_env(var_dir)
    python = str(ROOT / ".venv/bin/python")
    count = ("from django.apps import apps; "
             "print(sum(m.objects.count() for m in apps.get_models() if m._meta.app_label != 'audit'))")

    def rows() -> str:
        result = subprocess.run([python, "manage.py", "shell", "-c", count], cwd=ROOT, env=env,
                                capture_output=True, text=True, timeout=120, check=True)
        return result.stdout.strip().splitlines()[-1]

    before = rows()
    result = subprocess.run([python, "manage.py", "seed_demo"], cwd=ROOT, env=env,
                            capture_output=True, text=True, timeout=300, check=False)
    assert result.returncode == 0, result.stderr
    assert rows() == before


def test_the_embedded_default_shows_no_debug_page_serves_static_files_safely_and_answers_long_urls(make_run):
    import http.client

    host, _ = make_run
    missing = httpx.get(f"http://{host}/no/such/page/")
    assert missing.status_code == 404 and "URLconf" not in missing.text and "找不到" in missing.text
    assert httpx.get(f"http://{host}/static/css/site.css").headers["content-type"].startswith("text/css")
    assert httpx.get(f"http://{host}/favicon.ico", follow_redirects=True).status_code == 200
    connection = http.client.HTTPConnection(host, timeout=30)
    for path in ("/static/../config/settings.py", "/static/%2e%2e/%2e%2e/config/settings.py",
                 "/static/..%2f..%2fconfig/settings.py", "/static/css/../../config/settings.py"):
        connection.request("GET", path)
        response = connection.getresponse()
        body = response.read()
        assert response.status in (400, 404) and b"SECRET_KEY" not in body, path
    # A URL over 16 KB: a clear 414, not a dropped connection.
    long_url = httpx.get(f"http://{host}/announcements/?q=" + "a" * 17_000)
    assert long_url.status_code == 414 and "地址过长" in long_url.text
