"""What every response carries and how the platform answers what stops a request (issue #13 items 5 and 6, #14).

Headers: a Content-Security-Policy with no inline script or eval, a Permissions-Policy. Error pages in both
languages that say why and what to do — the 403 with the permission layer's reason. NUL characters refused.
Secrets masked in error reports.
"""

import sys

import pytest
from django.test import Client
from django.urls import reverse
from django.views.debug import ExceptionReporter
from rest_framework.test import APIClient

pytestmark = pytest.mark.django_db


def test_pages_carry_a_strict_content_security_policy_and_a_permissions_policy(client):
    response = client.get("/")
    policy = dict(part.strip().split(" ", 1) for part in response["Content-Security-Policy"].split(";"))
    assert policy["script-src"] == "'self'" and policy["style-src"] == "'self'"
    assert "unsafe" not in response["Content-Security-Policy"]
    assert policy["object-src"] == "'none'" and policy["frame-ancestors"] == "'none'"
    assert "camera=()" in response["Permissions-Policy"] and "geolocation=()" in response["Permissions-Policy"]
    assert response["X-Content-Type-Options"] == "nosniff" and response["X-Frame-Options"] == "DENY"


def test_no_page_has_inline_script_or_inline_event_handlers():
    from pathlib import Path

    from tests.servers import ROOT

    offenders = []
    for page in sorted(Path(ROOT, "templates").rglob("*.html")):
        text = page.read_text(encoding="utf-8")
        for bad in ("<script>", '<script type="module">', " onclick=", " onchange=", " onsubmit=", " onload=",
                    "javascript:", " style=", "<style"):
            if bad in text:
                offenders.append(f"{page.relative_to(ROOT)}: {bad.strip()}")
    assert offenders == [], "move it into static/js or static/css: the CSP blocks it"


def test_a_missing_page_is_a_friendly_404_in_chinese_and_in_english(client_en):
    zh = Client().get("/no/such/page/")
    assert zh.status_code == 404 and "找不到" in zh.content.decode() and "首页" in zh.content.decode()
    en = client_en.get("/no/such/page/")
    assert en.status_code == 404 and "There is no page at this address" in en.content.decode()
    assert "URLconf" not in zh.content.decode()


def test_a_403_says_the_reason_the_permission_layer_gives(client, users):
    client.force_login(users["bidder"])
    refused = client.get(reverse("stats:statistics"))
    assert refused.status_code == 403
    page = refused.content.decode()
    assert "您的账户（投标人）无权进行此操作" in page  # accounts.permissions.require, in Chinese
    assert "我的工作台" in page


def test_a_server_error_is_a_friendly_500_that_shows_nothing_internal(settings):
    from core.error_pages import server_error

    response = server_error(None)
    page = response.content.decode()
    assert response.status_code == 500 and "出错" in page and "Traceback" not in page


def test_nul_characters_are_refused_everywhere_with_a_400_naming_the_field(client):
    api = APIClient()
    query = api.get("/api/credit/blacklist/?q=%00abc")
    assert query.status_code == 400 and "q" in query.json()["errors"]
    page = client.get("/announcements/?q=%00abc")
    assert page.status_code == 400 and "空字符" in page.content.decode()
    form = client.post(reverse("accounts:login"), {"username": "a\x00b", "password": "x"})
    assert form.status_code == 400
    body = api.post("/api/trading/token/", '{"username": "a\\u0000b", "password": "x"}',
                    content_type="application/json")
    assert body.status_code == 400 and "空字符" in str(body.json()["errors"])


def test_deep_json_is_refused_with_a_400_not_a_500(users):
    api = APIClient()
    api.force_authenticate(users["agency"])
    deep = '{"evaluation_criteria": ' + "[" * 5000 + "]" * 5000 + "}"
    response = api.post("/api/trading/projects/", deep, content_type="application/json")
    assert response.status_code == 400 and "errors" in response.json()


def test_error_reports_mask_passwords_inside_urls(rf, settings):
    # The secrets are built at run time: the report quotes this test's source lines too.
    db_password, redis_password = "s3cret" + "-pw", "r3dis" + "-pw"
    settings.DATABASE_URL = f"postgres://sunshine:{db_password}@db.internal:5432/sunshine"
    settings.REDIS_URL = f"redis://:{redis_password}@cache.internal:6379/0"
    settings.DEBUG = True
    request = rf.get("/")
    try:
        conninfo = f"host=db.internal password={db_password} url={settings.DATABASE_URL}"  # noqa: F841 - in the frame
        raise RuntimeError("boom")
    except RuntimeError:
        html = ExceptionReporter(request, *sys.exc_info()).get_traceback_html()
    assert db_password not in html and redis_password not in html
    assert "db.internal" in html  # the rest of the URL still helps whoever reads the report


def test_debug_is_off_unless_asked_for(tmp_path):
    from tests.servers import embedded_env, manage

    env = {k: v for k, v in embedded_env(tmp_path).items() if k != "DJANGO_DEBUG"}
    result = manage("shell", "-c", "from django.conf import settings; print('DEBUG', settings.DEBUG)",
                    env=env, inherit=False)
    assert "DEBUG False" in result.stdout, result.stderr
    asked = manage("shell", "-c", "from django.conf import settings; print('DEBUG', settings.DEBUG)",
                   env={**env, "DJANGO_DEBUG": "1"}, inherit=False)
    assert "DEBUG True" in asked.stdout, asked.stderr


def test_the_favicon_and_the_api_docs_need_nothing_from_outside(client):
    favicon = client.get("/favicon.ico", follow=True)
    assert favicon.status_code == 200
    docs = Client().get("/api/docs/")
    page = docs.content.decode()
    assert docs.status_code == 200 and "/static/drf_spectacular_sidecar/swagger-ui-dist/" in page
    assert "http://" not in page.replace("http://testserver", "") and "https://" not in page
    assert "<script>" not in page and "<style>" not in page
    script = Client().get("/api/docs/?script=")
    assert script.status_code == 200 and "SwaggerUIBundle" in script.content.decode()
