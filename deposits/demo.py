"""Demo deposits: a land sale taking deposits now (paid, guaranteed, awaited) and a closed sale with refunds due
and the winner's deposit converted into the price."""

import datetime as dt

from django.utils import timezone

from accounts.models import Organisation

from .models import DepositRequirement
from .services import (
    account_open,
    arrival_record,
    deposit_convert,
    guarantee_record,
    refunds_due_mark,
    requirement_set,
)

DEMO = "deposits.demo"
SELLER = "阳光市自然资源和规划局"
BIDDERS = ["阳光建工集团有限公司", "东方路桥建设有限公司", "江南建筑工程有限公司"]


def seed(*, stdout) -> None:
    if DepositRequirement.objects.filter(purpose_type=DEMO).exists():
        stdout.write("deposits: demo deposits already present")
        return
    orgs = {o.name: o for o in Organisation.objects.filter(name__in=[SELLER, *BIDDERS])}
    if len(orgs) < 4:
        stdout.write("deposits: demo organisations missing, no demo deposits")
        return
    now = timezone.now()
    bidders = [orgs[name] for name in BIDDERS]

    def sale(purpose_id: str, label: str, amount: str, deadline: dt.datetime, deal_code: str):
        return requirement_set(purpose_type=DEMO, purpose_id=purpose_id, kind="sale", label=label,
                               organiser=orgs[SELLER], beneficiary=SELLER, amount=amount, deadline=deadline,
                               refund_rule="sale", deal_code=deal_code,
                               guarantee_valid_until=timezone.localdate(deadline) + dt.timedelta(days=60))

    def pay(account, reference: str, when: dt.datetime, payer_account: str):
        arrival_record(sub_account=account.sub_account, amount=account.requirement.amount, bank_reference=reference,
                       arrived_at=when, payer_name=account.organisation.name, payer_account=payer_account,
                       source="bank:演示银行")

    current = sale("2026-07", "阳光市2026-07号地块（商住用地）竞买保证金", "12000000.00", now + dt.timedelta(days=5),
                   "B3100002026000107")
    paid, guaranteed, _awaited = (account_open(requirement=current, organisation=org) for org in bidders)
    pay(paid, "DEMO-20261201-001", now - dt.timedelta(hours=20), "31050161373600000001")
    guarantee_record(account=guaranteed, issuer="ccb", number="CCB-BH-2026-0088", amount="12000000.00",
                     valid_from=timezone.localdate(), valid_until=timezone.localdate(current.deadline)
                     + dt.timedelta(days=90), beneficiary=SELLER, source="demo")

    closed = sale("2026-03", "阳光市2026-03号地块（工业用地）竞买保证金", "3000000.00", now + dt.timedelta(days=1),
                  "B3100002026000103")
    accounts = [account_open(requirement=closed, organisation=org) for org in bidders]
    for n, account in enumerate(accounts, start=1):
        pay(account, f"DEMO-20261120-00{n}", now - dt.timedelta(days=3, hours=n), f"3105016137360000000{n}")
    closed = sale("2026-03", closed.label, "3000000.00", now - dt.timedelta(days=1), closed.deal_code)
    winner = accounts[0]
    deposit_convert(account=winner)
    refunds_due_mark(requirement=closed, event_on=timezone.localdate(), except_accounts=[winner])
    stdout.write("deposits: a land sale taking deposits and a closed one with refunds due")
