"""In real Chromium against a real Daphne: an owner posts a purchase, three intermediaries apply, a committee scores
by the published weights (比选), the owner records contract and delivery and rates the service."""

import datetime as dt
import importlib

import pytest
from django.apps import apps
from django.utils import timezone

from accounts.models import Role
from core.workdays import today
from marketplace.models import Purchase
from tests import factories
from tests.bidding_room.live import catalogue_seed, logged_in_page, postgres_env
from tests.marketplace import factories as mf
from tests.servers import Daphne

pytestmark = [pytest.mark.slow, pytest.mark.browser, pytest.mark.django_db(transaction=True)]
WAIT = 30_000


def test_an_owner_selects_by_comparison_and_rates_the_service_in_chromium(chromium, tmp_path):
    catalogue_seed()
    importlib.import_module("marketplace.migrations.0002_credit_behaviours").seed(apps, None)
    owner = mf.owner()
    intermediaries = [mf.intermediary(service_types=("GCSJ",)) for _ in range(3)]
    experts = [factories.user(role=Role.EXPERT) for _ in range(3)]
    daphne = Daphne(env={**postgres_env(tmp_path, redis_db_prefix="marketplace-browser"), "EMBEDDED_SCHEDULER": "0",
                         "DJANGO_ALLOW_ASYNC_UNSAFE": ""}, log_path=tmp_path / "daphne.log").start()

    def page_of(user):
        return logged_in_page(chromium, user)

    try:
        # the owner posts a 比选 purchase through the form
        owner_page = page_of(owner)
        owner_page.goto(f"{daphne.url}/marketplace/owner/new/")
        owner_page.fill("input[name=title]", "城市更新片区规划设计")
        owner_page.select_option("select[name=service_type]", "GCSJ")
        owner_page.select_option("select[name=method]", "comparison")
        owner_page.fill("textarea[name=scope]", "片区控制性详细规划方案设计")
        owner_page.select_option("select[name=region_0]", "310000")
        owner_page.fill("input[name=fee_cap]", "300000")
        deadline = timezone.localtime() + dt.timedelta(days=3)
        owner_page.fill("input[name=deadline]", deadline.strftime("%Y-%m-%dT%H:%M"))
        owner_page.fill("input[name=weight_price]", "40")
        owner_page.fill("input[name=weight_proposal]", "60")
        owner_page.fill("input[name=weight_experience]", "0")
        owner_page.click("main form button[type=submit]")
        owner_page.wait_for_url("**/marketplace/purchases/*/", timeout=WAIT)
        purchase = Purchase.objects.get()
        url = f"{daphne.url}/marketplace/purchases/{purchase.pk}/"

        # three intermediaries apply with a quote and a proposal
        for intermediary, quote in zip(intermediaries, ("280000", "250000", "260000"), strict=True):
            page = page_of(intermediary.organisation.people.get())
            page.goto(url)
            page.fill("#act-apply input[name=quote]", quote)
            page.fill("#act-apply textarea[name=proposal]", "以公共交通为导向的紧凑开发方案")
            page.click("#act-apply button")
            page.wait_for_selector("text=报名已收到", timeout=WAIT)
        assert purchase.applications.count() == 3

        # after the deadline the owner names the committee; each member scores
        Purchase.objects.filter(pk=purchase.pk).update(deadline=timezone.now() - dt.timedelta(minutes=1))
        owner_page.goto(url)
        for expert in experts:
            owner_page.check(f"#act-committee input[value='{expert.pk}']")
        owner_page.click("#act-committee button")
        owner_page.wait_for_selector("text=评审小组已组建", timeout=WAIT)
        marks = {intermediaries[0].pk: "95", intermediaries[1].pk: "60", intermediaries[2].pk: "70"}
        for expert in experts:
            page = page_of(expert)
            page.goto(url)
            for application in purchase.applications.all():
                page.fill(f"#act-score input[name=m_{application.pk}_proposal]", marks[application.intermediary_id])
            page.click("#act-score button")
            page.wait_for_selector("text=您的评分已提交", timeout=WAIT)
        owner_page.goto(url)
        owner_page.click("#act-finish button")
        owner_page.wait_for_selector("text=排序结果已公示", timeout=WAIT)
        purchase.refresh_from_db()
        # 280000: 40 × 250/280 + 60 × 0.95 = 92.71 beats 250000: 40 + 36 = 76 and 260000: 38.46 + 42 = 80.46
        assert purchase.winner == intermediaries[0]

        # after the publicity period: contract, delivery, rating
        Purchase.objects.filter(pk=purchase.pk).update(publicity_until=today() - dt.timedelta(days=1))
        owner_page.goto(url)
        owner_page.fill("#act-contract input[name=due_on]", (today() + dt.timedelta(days=60)).isoformat())
        owner_page.fill("#act-contract textarea[name=deliverables]", "规划设计成果一套")
        owner_page.click("#act-contract button")
        owner_page.wait_for_selector("text=合同已登记", timeout=WAIT)
        owner_page.click("#act-delivery button")
        owner_page.wait_for_selector("text=交付已登记", timeout=WAIT)
        owner_page.select_option("#act-rating select[name=quality]", "4")
        owner_page.fill("#act-rating textarea[name=comment]", "方案扎实，交付及时")
        owner_page.click("#act-rating button")
        owner_page.wait_for_selector("text=谢谢，评价已公开", timeout=WAIT)
        purchase.refresh_from_db()
        assert purchase.state == Purchase.State.DELIVERED and purchase.contract.rating.score == 92
    finally:
        daphne.stop()
