"""Organisations register themselves; bad codes, duplicates and bad log-ins get clear messages."""

import pytest
from django.urls import reverse

from accounts.models import Organisation, User
from audit.models import AuditEvent
from tests import factories

pytestmark = pytest.mark.django_db


def form_data(**overrides):
    data = {
        "org_name": "阳光测试建设有限公司", "credit_code": factories.credit_code(), "org_type": "bidder",
        "region": "310000", "username": "newbidder", "display_name": "新用户",
        "password": "Another#pass-77", "password_again": "Another#pass-77",
    }
    data.update(overrides)
    return data


def counts():
    return Organisation.objects.count(), User.objects.count(), AuditEvent.objects.count()


def test_registration_creates_organisation_person_and_audit_events(client):
    response = client.post(reverse("accounts:register"), form_data())
    assert response.status_code == 302
    user = User.objects.get(username="newbidder")
    assert user.role == "bidder" and user.organisation.name == "阳光测试建设有限公司"
    assert list(AuditEvent.objects.values_list("action", flat=True)) == [
        "organisation.create", "user.create", "accounts.login"]


def test_invalid_credit_code_is_refused_with_a_clear_message_and_nothing_is_created(client_en):
    before = counts()
    response = client_en.post(reverse("accounts:register"), form_data(credit_code="91110000802100433C"))
    assert response.status_code == 200
    errors = response.context["form"].errors["credit_code"]
    assert "not a valid unified social credit code" in errors[0] and "check character" in errors[0]
    assert counts() == before


def test_invalid_credit_code_message_is_chinese_by_default(client):
    response = client.post(reverse("accounts:register"), form_data(credit_code="123"))
    assert "统一社会信用代码" in response.context["form"].errors["credit_code"][0]


def test_duplicate_credit_code_is_refused(client_en):
    existing = factories.organisation()
    before = counts()
    response = client_en.post(reverse("accounts:register"), form_data(credit_code=existing.credit_code))
    assert "already registered" in response.context["form"].errors["credit_code"][0]
    assert counts() == before


def test_duplicate_name_of_same_type_is_refused(client_en):
    factories.organisation(name="阳光测试建设有限公司")
    before = counts()
    response = client_en.post(reverse("accounts:register"), form_data())
    assert "already registered" in str(response.context["form"].non_field_errors())
    assert counts() == before


def test_weak_password_is_refused_and_the_organisation_is_not_left_behind(client_en):
    before = counts()
    response = client_en.post(reverse("accounts:register"), form_data(password="12345678", password_again="12345678"))
    assert response.context["form"].errors["password"]
    assert counts() == before


def test_mismatched_passwords(client_en):
    before = counts()
    response = client_en.post(reverse("accounts:register"), form_data(password_again="Different#pass-1"))
    assert "differ" in response.context["form"].errors["password_again"][0]
    assert counts() == before


def test_bad_login_gets_a_clear_message_and_is_recorded(client_en):
    factories.user(username="someone")
    response = client_en.post(reverse("accounts:login"), {"username": "someone", "password": "wrong"},
                              REMOTE_ADDR="10.9.8.7")
    assert response.status_code == 200
    assert "correct username and password" in str(response.context["form"].non_field_errors())
    failed = AuditEvent.objects.get(action="accounts.login_failed")
    assert failed.payload == {"username": "someone"} and failed.ip_address == "10.9.8.7"
    assert "wrong" not in str(failed.payload)


def test_bad_login_message_in_chinese_by_default(client):
    response = client.post(reverse("accounts:login"), {"username": "nobody", "password": "wrong"})
    assert "用户名" in str(response.context["form"].non_field_errors())


def test_login_and_logout(client):
    factories.user(username="someone", role="tenderer")
    response = client.post(reverse("accounts:login"), {"username": "someone", "password": factories.PASSWORD})
    assert response.status_code == 302
    response = client.get(reverse("accounts:dashboard"), follow=True)
    assert response.redirect_chain[-1][0] == reverse("accounts:dashboard_role", args=["tenderer"])
    client.post(reverse("accounts:logout"))
    assert client.get(reverse("accounts:dashboard")).status_code == 302
    actions = list(AuditEvent.objects.filter(object_type="accounts.user").values_list("action", flat=True))
    assert actions[-2:] == ["accounts.login", "accounts.logout"]


def test_pages_are_chinese_whatever_the_browser_asks_until_english_is_chosen(client):
    page = client.get(reverse("accounts:login"), HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")
    assert "登录" in page.content.decode() and page["Content-Language"] == "zh-hans"
    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    page = client.get(reverse("accounts:login"))
    assert "Log in" in page.content.decode() and page["Content-Language"] == "en"


@pytest.mark.parametrize("role", ["agency", "tenderer"])
def test_a_new_agency_or_tenderer_starts_a_project_from_its_desk(client, role):
    client.force_login(factories.user(role=role))
    page = client.get(reverse("accounts:dashboard_role", args=[role])).content.decode()
    assert f'href="{reverse("trading:project_create")}"' in page and "新建项目" in page
    assert f'href="{reverse("trading:desk")}"' in page and "我的全部项目" in page
