"""The certificate page (数字证书) in real Chromium against a real Daphne: a bidder uploads its certificate file and
sees it registered; an expired, a revoked, a foreign-CA and another organisation's certificate are refused with the
reason in Chinese, and the registered one stays. Screenshots under var/journeys/certificate-page/."""

import datetime as dt

import pytest
from cryptography.hazmat.primitives import serialization
from django.db import connection

from accounts.models import Organisation, Role
from tests import factories
from tests.bidding_room.live import session_cookie
from tests.certificates import NOW, authority, issue, pem, publish
from tests.servers import Daphne

from .journey import Journey

pytestmark = [pytest.mark.slow, pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def trusted(tmp_path, settings):
    cas = [authority("测试省数字证书认证中心"), authority("测试国家电子认证服务中心")]
    publish(settings, tmp_path, cas)
    return cas


@pytest.fixture
def server(transactional_db, tmp_path, settings, trusted):
    db = connection.settings_dict
    daphne = Daphne(env={
        "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}",
        "SUNSHINE_VAR_DIR": str(tmp_path / "var"), "CELERY_EAGER": "1", "EMBEDDED_SCHEDULER": "0",
        "DJANGO_DEBUG": "0", "LOG_LEVEL": "WARNING", "DJANGO_ALLOW_ASYNC_UNSAFE": "",
        "SUNSHINE_SIGNING_CAS": ",".join(settings.SIGNING_CA_FILES),
        "SUNSHINE_SIGNING_CRLS": ",".join(settings.SIGNING_CRL_FILES),
    }, log_path=tmp_path / "daphne.log").start()
    yield daphne
    daphne.kill()


def test_a_bidder_uploads_its_certificate_and_wrong_ones_are_refused_with_the_reason(browser, server, trusted,
                                                                                     tmp_path, settings):
    first, second = trusted
    organisation = factories.organisation(org_type=Organisation.Type.BIDDER, name="阳光建设工程有限公司")
    bidder = factories.user(role=Role.BIDDER, organisation_obj=organisation)
    bidder.display_name = "王投标"
    bidder.save(update_fields=["display_name"])
    code = organisation.credit_code
    good, _ = issue(first, credit_code=code)
    revoked, _ = issue(second, credit_code=code)
    second.revoked.append(revoked.serial_number)
    publish(settings, tmp_path, [first, second])  # the server reads the files again when they change
    files = {
        "good.cer": good.public_bytes(serialization.Encoding.DER),
        "expired.pem": pem(issue(first, credit_code=code, start=NOW - dt.timedelta(days=400))[0]).encode(),
        "revoked.pem": pem(revoked).encode(),
        "foreign.pem": pem(issue(authority("未配置的证书机构"), credit_code=code)[0]).encode(),
        "other.pem": pem(issue(first, credit_code=factories.organisation().credit_code)[0]).encode(),
    }
    for name, data in files.items():
        (tmp_path / name).write_bytes(data)

    context = browser.new_context(locale="zh-CN")
    context.add_cookies([{"name": "sessionid", "value": session_cookie(bidder), "domain": "127.0.0.1", "path": "/"}])
    journey = Journey(context.new_page(), server.url, "certificate-page")
    page = journey.page
    journey.go("/trading/desk/")
    page.click("nav >> text=数字证书")
    page.wait_for_selector("#certificate-form")
    assert "您尚未登记数字证书" in page.inner_text("main")
    assert "测试国家电子认证服务中心" in page.inner_text("#authorities")
    journey.step("no-certificate-yet")

    page.set_input_files("input[name=certificate_file]", str(tmp_path / "good.cer"))
    page.click("#certificate-form button")
    page.wait_for_selector("#current-certificate")
    assert "证书已登记" in page.inner_text(".messages")
    assert page.inner_text("#certificate-serial").strip() == f"{good.serial_number:x}"
    assert "当前有效" in page.inner_text("#certificate-status")
    journey.step("registered")

    for name, reason in (("expired.pem", "已于"), ("revoked.pem", "被签发机构吊销"),
                         ("foreign.pem", "不是平台认可的 CA 签发的"), ("other.pem", "请使用本单位的证书")):
        page.set_input_files("input[name=certificate_file]", str(tmp_path / name))
        page.click("#certificate-form button")
        page.wait_for_selector(".messages li.error")
        assert reason in page.inner_text(".messages li.error"), name
        # the registered certificate stays as it was
        assert page.inner_text("#certificate-serial").strip() == f"{good.serial_number:x}"
        journey.step(f"refused-{name.split('.')[0]}")
    context.close()
