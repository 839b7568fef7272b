"""The bank adapter's API, the operator's statement import, the bidder's accounts and guarantees."""

import datetime as dt
import io
import json

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone
from rest_framework.test import APIClient

from accounts.models import Role
from audit.models import AuditEvent
from deposits import services
from deposits.models import Guarantee, Movement
from tests import factories

pytestmark = pytest.mark.django_db
URL = "/api/deposits/bank/arrivals/"


@pytest.fixture
def bank():
    adapter, token = services.bank_adapter_create(name="中国工商银行阳光分行")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bank {token}", HTTP_ACCEPT_LANGUAGE="zh-hans")
    return client


def notice(account, **overrides):
    return {"sub_account": account.sub_account, "amount": str(account.requirement.amount),
            "bank_reference": "ICBC-20261204-0001",
            "arrived_at": (timezone.now() - dt.timedelta(minutes=3)).isoformat(),
            "payer_name": "阳光建工集团有限公司", "payer_account": "31050161373600000001", **overrides}


def test_the_bank_reports_an_arrival_once(bank, account):
    body = notice(account)
    first = bank.post(URL, body, format="json")
    assert first.status_code == 201, first.content
    assert first.json()["in_time"] is True and first.json()["sub_account"] == account.sub_account
    again = bank.post(URL, body, format="json")
    assert again.status_code == 200 and again.json()["id"] == first.json()["id"]
    assert Movement.objects.count() == 1
    event = AuditEvent.objects.get(action="deposits.arrival")
    assert event.actor_label == "bank:中国工商银行阳光分行" and event.source == "api"


def test_a_reused_reference_with_another_notice_is_a_400_naming_the_field(bank, account):
    bank.post(URL, notice(account), format="json")
    answer = bank.post(URL, notice(account, payer_account="999"), format="json")
    assert answer.status_code == 400
    message = answer.json()["errors"]["bank_reference"][0]
    assert "银行流水号" in message and "ICBC-20261204-0001" in message
    assert Movement.objects.count() == 1


def test_wrong_amount_and_unknown_sub_account_are_400s_in_chinese(bank, account):
    answer = bank.post(URL, notice(account, amount="1999.00"), format="json")
    assert answer.status_code == 400 and "不符" in answer.json()["errors"]["amount"][0]
    answer = bank.post(URL, notice(account, sub_account="6225199999999999"), format="json")
    assert answer.status_code == 400 and "虚拟子账号" in answer.json()["errors"]["sub_account"][0]
    answer = bank.post(URL, {"amount": "1"}, format="json")
    assert answer.status_code == 400 and "sub_account" in answer.json()["errors"]
    assert not Movement.objects.exists()


def test_only_a_registered_bank_may_report(account, users):
    anonymous = APIClient()
    assert anonymous.post(URL, notice(account), format="json").status_code in (401, 403)
    wrong = APIClient()
    wrong.credentials(HTTP_AUTHORIZATION="Bank not-a-token")
    assert wrong.post(URL, notice(account), format="json").status_code == 401
    person = APIClient()
    person.force_authenticate(users["admin"])
    assert person.post(URL, notice(account), format="json").status_code in (401, 403)
    assert not Movement.objects.exists()


def test_the_command_prints_a_working_token(account):
    out = io.StringIO()
    call_command("deposits_bank_adapter", "中国建设银行阳光分行", stdout=out)
    token = out.getvalue().strip().splitlines()[-1]
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bank {token}")
    assert client.post(URL, notice(account), format="json").status_code == 201
    call_command("deposits_bank_adapter", "中国建设银行阳光分行", "--deactivate", stdout=io.StringIO())
    assert client.post(URL, notice(account, bank_reference="NEXT"), format="json").status_code == 401
    with pytest.raises(CommandError):
        call_command("deposits_bank_adapter", "中国建设银行阳光分行", stdout=io.StringIO())


def test_the_operator_imports_a_statement_all_or_nothing(requirement, users):
    accounts = [services.account_open(requirement=requirement, organisation=factories.organisation())
                for _ in range(2)]
    operator = APIClient()
    operator.force_authenticate(users["admin"])
    at = (timezone.now() - dt.timedelta(hours=2)).strftime("%Y-%m-%d %H:%M:%S")
    csv_text = ("虚拟子账号,金额,银行流水号,到账时间,付款户名,付款账号\n"
                f"{accounts[0].sub_account},200000.00,S-1,{at},甲公司,6222001\n"
                f"{accounts[1].sub_account},2000.00,S-2,{at},乙公司,6222002\n")
    upload = io.BytesIO(csv_text.encode("gb18030"))
    upload.name = "对账单.csv"
    answer = operator.post("/api/deposits/arrivals/import/", {"file": upload}, format="multipart")
    assert answer.status_code == 400
    errors = answer.json()["errors"]
    assert set(errors) == {"detail", "3.amount"} and "不符" in errors["3.amount"][0]
    assert not Movement.objects.exists()
    rows = [{"sub_account": a.sub_account, "amount": "200000.00", "bank_reference": f"S-{n}", "arrived_at": at}
            for n, a in enumerate(accounts, start=1)]
    answer = operator.post("/api/deposits/arrivals/import/", json.dumps({"rows": rows}),
                           content_type="application/json")
    assert answer.status_code == 200 and answer.json() == {"recorded": 2, "repeated": 0}


def test_only_the_operator_imports(users, requirement):
    for role in (Role.BIDDER, Role.REGULATOR, Role.AGENCY):
        client = APIClient()
        client.force_authenticate(users[role])
        assert client.post("/api/deposits/arrivals/import/", {"rows": []}, format="json").status_code == 403


def test_a_bad_file_is_a_400(users):
    operator = APIClient()
    operator.force_authenticate(users["admin"])
    for name, content in (("a.txt", b"x"), ("a.xlsx", b"not a spreadsheet"), ("a.csv", b"foo,bar\n1,2\n"),
                          ("a.json", b"{"), ("a.csv", b"\xff\xfe\x00garbage")):
        upload = io.BytesIO(content)
        upload.name = name
        answer = operator.post("/api/deposits/arrivals/import/", {"file": upload}, format="multipart")
        assert answer.status_code == 400, (name, answer.content)


def test_the_bidder_sees_its_accounts_and_records_a_guarantee(account):
    person = factories.user(role=Role.BIDDER, organisation_obj=account.organisation)
    client = APIClient()
    client.force_authenticate(person)
    listed = client.get("/api/deposits/accounts/").json()
    assert [row["sub_account"] for row in listed] == [account.sub_account]
    assert listed[0]["state"] == "awaiting" and listed[0]["has_right"] is False
    body = {"issuer": "nobank", "number": "G-1", "amount": "200000.00", "valid_from": str(timezone.localdate()),
            "valid_until": str(timezone.localdate() + dt.timedelta(days=60)),
            "beneficiary": account.requirement.beneficiary}
    url = f"/api/deposits/accounts/{account.pk}/guarantee/"
    refused = client.post(url, body, format="json", HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert refused.status_code == 400 and "issuer" in refused.json()["errors"]
    accepted = client.post(url, {**body, "issuer": "boc"}, format="json")
    assert accepted.status_code == 201 and accepted.json()["state"] == "guaranteed"
    assert Guarantee.objects.count() == 1
    other = APIClient()
    other.force_authenticate(factories.user(role=Role.BIDDER))
    assert other.post(url, {**body, "number": "G-2"}, format="json").status_code == 404
