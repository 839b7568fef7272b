"""Fifty marketplace deals, read back in the marketplace statistics and in the platform's statistics table."""

import datetime as dt
from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse

from accounts.models import Role
from core.workdays import today
from marketplace.services import delivery, selection
from stats.marketplace import marketplace_statistics
from stats.selectors import StatisticsFilter, statistics_table
from tests import factories
from tests.marketplace import factories as mf

pytestmark = pytest.mark.django_db


def deal(owner, winner, *, cap: str, amount: str, service_type: str = "ZJZX"):
    purchase = mf.purchase(by=owner, method="direct", fee_cap=cap, service_type=service_type)
    purchase = mf.publicity_ends(selection.select_direct(purchase=purchase, intermediary=winner, amount=amount))
    return delivery.contract_record(purchase=purchase, signed_on=today(), amount=amount,
                                    due_on=today() + dt.timedelta(days=30), deliverables="成果报告")


def test_fifty_deals_read_back_in_the_statistics():
    owner = mf.owner()
    winners = [mf.intermediary(service_types=("ZJZX", "GCSJ")) for _ in range(5)]
    caps, amounts = Decimal(0), Decimal(0)
    for n in range(50):
        cap, amount = Decimal(20000 + 500 * n), Decimal(18000 + 450 * n)
        deal(owner, winners[n % 5], cap=str(cap), amount=str(amount), service_type="GCSJ" if n % 2 else "ZJZX")
        caps, amounts = caps + cap, amounts + amount

    figures = marketplace_statistics(date_from=today() - dt.timedelta(days=1), date_to=today())
    assert (figures.total.deals, figures.total.caps, figures.total.amount) == (50, caps, amounts)
    assert figures.total.savings == caps - amounts
    assert figures.total.savings_rate == ((caps - amounts) / caps).quantize(Decimal("0.0001"))
    assert {r.key: r.deals for r in figures.by_service_type} == {"ZJZX": 25, "GCSJ": 25}
    assert [(r.key, r.deals) for r in figures.by_method] == [("direct", 50)]

    table = statistics_table(flt=StatisticsFilter(group_by="category", date_from=today() - dt.timedelta(days=1),
                                                  date_to=today(), category="other"))
    assert table.total["awards"].value == 50
    assert table.total["total_amount"].value == amounts and table.total["savings"].value == caps - amounts

    client = Client()
    client.force_login(factories.user(role=Role.OFFICIAL))
    page = client.get(reverse("stats:marketplace"))
    assert page.status_code == 200 and f"{caps - amounts:,.2f}" in page.content.decode()
    api = client.get(reverse("api-stats-marketplace")).json()
    assert api["total"]["deals"] == 50 and Decimal(api["total"]["amount"]) == amounts
    bad = client.get(reverse("api-stats-marketplace"), {"from": "2026-13-01"})
    assert bad.status_code == 400 and "from" in bad.json()["errors"]
    assert client.get(reverse("stats:marketplace"), {"to": "x"}).status_code == 400
