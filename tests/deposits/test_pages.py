"""The deposits pages: the bidder's sub-accounts, the organiser's and regulator's views, the import."""

import datetime as dt
import io

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.models import Organisation, Role
from core.workdays import calendar_load_shipped
from deposits import services
from deposits.models import Guarantee, Movement
from tests import factories

from .conftest import deadline_passes, make_requirement
from .test_ledger import arrive

pytestmark = pytest.mark.django_db


def signed_in(client, user):
    client.force_login(user)
    return client


def test_the_bidder_sees_its_sub_accounts_in_chinese(client, account):
    bidder = factories.user(role=Role.BIDDER, organisation_obj=account.organisation)
    page = signed_in(client, bidder).get("/deposits/").content.decode()
    assert account.sub_account in page and "200,000.00" in page and "等待到账" in page
    assert "我的保证金" in page
    desk = client.get(reverse("accounts:dashboard_role", args=["bidder"])).content.decode()
    assert "待缴保证金" in desk and account.sub_account in desk
    arrive(account)
    assert "截止前足额到账" in client.get("/deposits/").content.decode()
    assert account.sub_account not in client.get(reverse("accounts:dashboard_role", args=["bidder"])).content.decode()


def test_the_bidder_records_a_guarantee_and_sees_why_one_is_refused(client, account):
    bidder = factories.user(role=Role.BIDDER, organisation_obj=account.organisation)
    signed_in(client, bidder)
    url = f"/deposits/accounts/{account.pk}/guarantee/"
    assert account.requirement.beneficiary in client.get(url).content.decode()
    body = {"issuer": "icbc", "number": "BH-1", "amount": "200000.00", "valid_from": str(timezone.localdate()),
            "valid_until": str(timezone.localdate() - dt.timedelta(days=1)), "beneficiary": "别人"}
    page = client.post(url, body).content.decode()
    assert "过期" in page and "受益人须为" in page and not Guarantee.objects.exists()
    body.update(valid_until=str(timezone.localdate() + dt.timedelta(days=60)),
                beneficiary=account.requirement.beneficiary)
    assert client.post(url, body).status_code == 302
    assert Guarantee.objects.count() == 1
    other = factories.user(role=Role.BIDDER)
    assert signed_in(client, other).get(url).status_code == 404


def test_a_bond_shows_no_names_or_counts_before_the_deadline(client):
    agency = factories.organisation(org_type=Organisation.Type.AGENCY)
    requirement = make_requirement(kind="bond", refund_rule="tl57", amount="50000.00", organiser=agency)
    payer = factories.organisation(name="先付款建设有限公司")
    account = services.account_open(requirement=requirement, organisation=payer)
    arrive(account)
    for user in (factories.user(role=Role.AGENCY, organisation_obj=agency), factories.user(role=Role.ADMIN),
                 factories.user(role=Role.REGULATOR)):
        signed_in(client, user)
        listing = client.get("/deposits/manage/").content.decode()
        answer = client.get(f"/deposits/manage/{requirement.pk}/")
        assert answer.status_code == 404  # as if it did not exist: its existence would tell of a bidder
        detail = answer.content.decode()
        for page in (listing, detail):
            assert "先付款建设有限公司" not in page and account.sub_account not in page and "BANK-0001" not in page
        assert requirement.label not in listing
    deadline_passes(requirement)
    detail = client.get(f"/deposits/manage/{requirement.pk}/").content.decode()
    assert "先付款建设有限公司" in detail and "BANK-0001" in detail


def test_the_organiser_records_a_refund_the_regulator_only_watches(client):
    calendar_load_shipped(year=2026)
    agency = factories.organisation(org_type=Organisation.Type.AGENCY)
    requirement = make_requirement(organiser=agency)
    account = services.account_open(requirement=requirement, organisation=factories.organisation(name="退款单位"))
    arrive(account)
    services.refunds_due_mark(requirement=requirement, event_on=dt.date(2026, 9, 30))
    url = f"/deposits/manage/{requirement.pk}/"
    regulator = signed_in(client, factories.user(role=Role.REGULATOR))
    page = regulator.get(url).content.decode()
    assert "退款单位" in page and "2026-10-13" in page and "name=\"bank_reference\"" not in page
    assert regulator.post(url, {"account": account.pk, "bank_reference": "R-1"}).status_code == 403
    stranger = signed_in(client, factories.user(role=Role.AGENCY))
    assert stranger.get(url).status_code == 403
    organiser = signed_in(client, factories.user(role=Role.AGENCY, organisation_obj=agency))
    assert "name=\"bank_reference\"" in organiser.get(url).content.decode()
    refused = organiser.post(url, {"account": account.pk, "bank_reference": "R-1", "interest": "5.00"}, follow=True)
    assert "不计利息" in refused.content.decode()
    assert not Movement.objects.filter(kind="refunded").exists()
    assert organiser.post(url, {"account": account.pk, "bank_reference": "R-1"}).status_code == 302
    assert Movement.objects.filter(kind="refunded").count() == 1
    assert "没有待退的保证金" in organiser.get(url).content.decode()


def test_the_statement_import_page_names_each_wrong_row(client, requirement):
    account = services.account_open(requirement=requirement, organisation=factories.organisation())
    signed_in(client, factories.user(role=Role.ADMIN))
    at = (timezone.now() - dt.timedelta(hours=1)).strftime("%Y-%m-%d %H:%M:%S")
    bad = io.BytesIO(f"虚拟子账号,金额,银行流水号,到账时间\n{account.sub_account},1.00,S-1,{at}\n".encode())
    bad.name = "statement.csv"
    page = client.post("/deposits/manage/import/", {"file": bad}).content.decode()
    assert "不符" in page and "全部未导入" in page and not Movement.objects.exists()
    good = io.BytesIO(f"虚拟子账号,金额,银行流水号,到账时间\n{account.sub_account},200000.00,S-1,{at}\n".encode())
    good.name = "statement.csv"
    assert "1" in client.post("/deposits/manage/import/", {"file": good}).content.decode()
    assert Movement.objects.count() == 1


@pytest.mark.parametrize(("role", "url", "allowed"), [
    (Role.BIDDER, "/deposits/", True), (Role.AGENCY, "/deposits/", False),
    (Role.ADMIN, "/deposits/manage/", True), (Role.REGULATOR, "/deposits/manage/", True),
    (Role.BIDDER, "/deposits/manage/", False), (Role.EXPERT, "/deposits/manage/", False),
    (Role.ADMIN, "/deposits/manage/import/", True), (Role.AGENCY, "/deposits/manage/import/", False),
    (Role.REGULATOR, "/deposits/manage/import/", False),
])
def test_who_may_open_which_page(client, users, role, url, allowed):
    answer = signed_in(client, users[role]).get(url)
    assert answer.status_code == (200 if allowed else 403)


def test_the_desk_names_no_bond_payer_before_the_deadline(client):
    """A tender cancelled before its deadline makes the bonds due, but nobody is named before the deadline."""
    agency = factories.organisation(org_type=Organisation.Type.AGENCY)
    requirement = make_requirement(kind="bond", refund_rule="tl57", amount="50000.00", organiser=agency)
    account = services.account_open(requirement=requirement, organisation=factories.organisation(name="早付款公司"))
    arrive(account)
    services.refunds_due_mark(requirement=requirement, event_on=timezone.localdate())
    signed_in(client, factories.user(role=Role.AGENCY, organisation_obj=agency))
    desk = reverse("accounts:dashboard_role", args=["agency"])
    assert "早付款公司" not in client.get(desk).content.decode()
    deadline_passes(requirement)
    assert "早付款公司" in client.get(desk).content.decode()
