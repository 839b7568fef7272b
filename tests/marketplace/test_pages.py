"""The marketplace's pages and API: each person's step through the page, refusals next to the field, nothing
half-changed, the public sees notices, results and the draw record."""

import datetime as dt

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts.models import Organisation, Role
from core.workdays import today
from marketplace.models import Application, Intermediary, Purchase
from marketplace.services import draws, selection
from tests import factories
from tests.marketplace import factories as mf

pytestmark = pytest.mark.django_db


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_an_owner_posts_through_the_page_and_a_wrong_fee_cap_is_shown_next_to_the_field():
    owner = mf.owner()
    client = client_for(owner)
    form = {"title": "档案馆改造工程造价咨询", "service_type": "ZJZX", "method": "bidding", "scope": "全过程造价咨询",
            "region": "310104", "fee_cap": "1200000", "deadline": (timezone.localtime() + dt.timedelta(days=3))
            .strftime("%Y-%m-%dT%H:%M"), "quote_mode": "sealed", "weight_price": "30", "weight_proposal": "50",
            "weight_experience": "20", "weight_plan": ""}
    refused = client.post(reverse("marketplace:purchase_new"), form)
    assert refused.status_code == 400 and "须依法招标" in refused.content.decode()
    assert not Purchase.objects.exists()
    posted = client.post(reverse("marketplace:purchase_new"), {**form, "fee_cap": "88000"})
    purchase = Purchase.objects.get()
    assert posted.status_code == 302 and posted["Location"] == reverse("marketplace:purchase", args=[purchase.pk])
    assert client.get(reverse("marketplace:owner")).status_code == 200


def test_an_intermediary_registers_adds_a_qualification_and_applies_through_the_pages():
    organisation = factories.organisation(org_type=Organisation.Type.BIDDER)
    client = client_for(factories.user(role=Role.BIDDER, organisation_obj=organisation))
    url = reverse("marketplace:intermediary")
    bad = client.post(url, {"action": "profile", "profile-service_types": ["ZJZX"], "profile-region": "310000",
                            "profile-contact_name": "李工", "profile-contact_phone": "abc"})
    assert bad.status_code == 400 and not Intermediary.objects.exists()
    registered = client.post(url, {"action": "profile", "profile-service_types": ["ZJZX"], "profile-region": "310000",
                                   "profile-contact_name": "李工", "profile-contact_phone": "021-55550001"})
    assert registered.status_code == 302
    intermediary = Intermediary.objects.get()
    expired = client.post(url, {"action": "qualification", "qualification-service_type": "ZJZX",
                                "qualification-name": "造价咨询甲级", "qualification-number": "Q-1",
                                "qualification-valid_from": "2024-01-01", "qualification-valid_until": "2023-01-01"})
    assert expired.status_code == 400 and not intermediary.qualifications.exists()
    client.post(url, {"action": "qualification", "qualification-service_type": "ZJZX",
                      "qualification-name": "造价咨询甲级", "qualification-number": "Q-1",
                      "qualification-valid_from": "2024-01-01",
                      "qualification-valid_until": (today() + dt.timedelta(days=100)).isoformat()})
    purchase = mf.purchase(method="bidding")
    page = reverse("marketplace:purchase", args=[purchase.pk])
    over = client.post(page, {"action": "apply", "quote": "90000"})
    assert over.status_code == 400 and "超过服务费上限" in over.content.decode()
    assert client.post(page, {"action": "apply", "quote": "75000"}).status_code == 302
    assert Application.objects.get().quote == 75000
    assert "截止前报价保持密封" in Client().get(page).content.decode()


def test_the_owner_cannot_take_a_step_that_is_not_open_and_the_public_sees_the_draw_record():
    [mf.intermediary() for _ in range(3)]
    owner = mf.owner()
    purchase = mf.purchase(by=owner, method="random")
    page = reverse("marketplace:purchase", args=[purchase.pk])
    assert client_for(owner).post(page, {"action": "draw"}).status_code == 403  # before the deadline
    assert client_for(factories.user(role=Role.BIDDER)).post(page, {"action": "draw"}).status_code == 403
    mf.deadline_passes(purchase)
    assert client_for(owner).post(page, {"action": "draw"}).status_code == 302
    purchase.refresh_from_db()
    assert purchase.state == Purchase.State.PUBLICISED
    html = Client().get(page).content.decode()
    assert purchase.draw.seed in html and purchase.winner.organisation.name in html
    record = Client().get(reverse("marketplace_api:draw", args=[purchase.pk])).json()
    assert record["seed"] == purchase.draw.seed and record["selected"] == purchase.winner_id


def test_comparison_through_the_pages_committee_scores_and_owner_rates():
    a, b = mf.intermediary(), mf.intermediary()
    owner = mf.owner()
    purchase = mf.purchase(by=owner, method="comparison", weights={"price": 40, "proposal": 60})
    for who, quote in ((a, "50000"), (b, "45000")):
        selection_app = client_for(who.organisation.people.get()).post(
            reverse("marketplace:purchase", args=[purchase.pk]), {"action": "apply", "quote": quote,
                                                                  "proposal": "技术方案"})
        assert selection_app.status_code == 302
    mf.deadline_passes(purchase)
    page = reverse("marketplace:purchase", args=[purchase.pk])
    members = [factories.user(role=Role.EXPERT) for _ in range(3)]
    assert client_for(owner).post(page, {"action": "committee", "members": [m.pk for m in members]}).status_code == 302
    apps = list(purchase.applications.order_by("pk"))
    for member in members:
        marks = {f"m_{apps[0].pk}_proposal": "90", f"m_{apps[1].pk}_proposal": "70"}
        assert client_for(member).post(page, {"action": "score", **marks}).status_code == 302
    assert client_for(owner).post(page, {"action": "finish"}).status_code == 302
    purchase = mf.publicity_ends(Purchase.objects.get(pk=purchase.pk))
    assert purchase.winner == a
    c = client_for(owner)
    assert c.post(page, {"action": "contract", "signed_on": today().isoformat(), "amount": "50000",
                         "due_on": (today() + dt.timedelta(days=30)).isoformat(),
                         "deliverables": "比选报告"}).status_code == 302
    assert c.post(page, {"action": "delivery", "delivered_on": today().isoformat(), "note": ""}).status_code == 302
    refused = c.post(page, {"action": "rating", "timeliness": "1", "quality": "1", "attitude": "1", "fees": "1",
                            "comment": ""})
    assert refused.status_code == 400
    assert c.post(page, {"action": "rating", "timeliness": "5", "quality": "4", "attitude": "5",
                         "fees": "5", "comment": "满意"}).status_code == 302
    purchase.refresh_from_db()
    assert purchase.contract.rating.score == 92


@pytest.mark.parametrize("username_role", [None, Role.TENDERER, Role.BIDDER, Role.REGULATOR, Role.EXPERT])
def test_every_page_answers_for_each_role(username_role):
    winner = mf.intermediary()
    purchase = selection.select_direct(purchase=mf.purchase(method="direct"), intermediary=winner, amount="20000")
    client = client_for(factories.user(role=username_role)) if username_role else Client()
    for name, args in [("purchases", []), ("purchase", [purchase.pk]), ("directory", []),
                       ("intermediary_detail", [winner.pk])]:
        assert client.get(reverse(f"marketplace:{name}", args=args)).status_code == 200, name
    for name in ("owner", "intermediary", "oversight", "committee"):
        assert client.get(reverse(f"marketplace:{name}")).status_code in (200, 302, 403), name
    if username_role == Role.REGULATOR:
        assert client.get(reverse("marketplace:oversight")).status_code == 200


def test_the_regulator_suspends_an_intermediary_with_a_reason():
    target = mf.intermediary()
    client = client_for(factories.user(role=Role.REGULATOR))
    url = reverse("marketplace:oversight")
    assert client.post(url, {"intermediary": "abc", "status": "suspended", "reason": "x"}).status_code == 404
    assert client.post(url, {"intermediary": target.pk, "status": "suspended", "reason": ""}).status_code == 400
    target.refresh_from_db()
    assert target.status == "active"
    assert client.post(url, {"intermediary": target.pk, "status": "suspended", "reason": "虚假业绩"}).status_code == 302
    target.refresh_from_db()
    assert target.status == "suspended" and target.status_reason == "虚假业绩"


def test_the_api_posts_a_purchase_and_refuses_a_wrong_one_with_the_field_named():
    owner = mf.owner()
    client = client_for(owner)
    body = {"title": "环评", "service_type": "HJPJ", "scope": "环境影响报告表编制", "region": "310104",
            "fee_cap": "60000", "method": "bidding", "deadline": (timezone.now() + dt.timedelta(days=3)).isoformat()}
    refused = client.post(reverse("marketplace_api:purchases"), body, content_type="application/json")
    assert refused.status_code == 400 and "method" in refused.json()["errors"]
    created = client.post(reverse("marketplace_api:purchases"), {**body, "method": "random"},
                          content_type="application/json")
    assert created.status_code == 201 and created.json()["number"].startswith("中介")
    assert Client().get(reverse("marketplace_api:purchases")).json()["count"] == 1
    anonymous = Client().post(reverse("marketplace_api:purchases"), body, content_type="application/json")
    assert anonymous.status_code in (401, 403)


def test_the_pages_read_in_chinese_without_codes_or_english(settings):
    from tests.e2e.page_checks import page_problems

    settings.LANGUAGE_CODE = "zh-hans"
    [mf.intermediary() for _ in range(3)]
    mf.intermediary(valid_until=today() - dt.timedelta(days=1))
    owner = mf.owner()
    drawn = draws.draw_perform(purchase=mf.deadline_passes(mf.purchase(by=owner, method="random")))
    bidding = mf.purchase(by=owner, method="comparison")
    regulator = factories.user(role=Role.REGULATOR)
    regulator.display_name = "赵监管"
    regulator.save(update_fields=["display_name"])
    regulator = client_for(regulator)
    pages = [(Client(), reverse("marketplace:purchases")), (Client(), reverse("marketplace:directory")),
             (Client(), reverse("marketplace:purchase", args=[drawn.pk])),
             (client_for(owner), reverse("marketplace:purchase", args=[drawn.pk])),
             (client_for(owner), reverse("marketplace:purchase", args=[bidding.pk])),
             (client_for(owner), reverse("marketplace:owner")),
             (client_for(owner), reverse("marketplace:purchase_new")),
             (client_for(drawn.winner.organisation.people.get()), reverse("marketplace:intermediary")),
             (Client(), reverse("marketplace:intermediary_detail", args=[drawn.winner_id])),
             (regulator, reverse("marketplace:oversight"))]
    for client, url in pages:
        response = client.get(url)
        assert response.status_code == 200, url
        assert not page_problems(response.content.decode()), (url, page_problems(response.content.decode()))


def test_hostile_posts_to_a_purchase_page_are_refused_cleanly():
    owner = mf.owner()
    purchase = mf.purchase(by=owner, method="direct")
    page = reverse("marketplace:purchase", args=[purchase.pk])
    client = client_for(owner)
    assert client.post(page, {"action": "nonsense"}).status_code == 403
    assert client.post(page, {"action": "direct", "intermediary": "x' OR 1=1", "amount": "1e9999"}).status_code == 400
    assert client.post(page, {"action": "answer", "objection": "abc", "answer": "x"}).status_code == 403
    assert Client().post(page, {"action": "direct"}).status_code == 302  # to the log-in page
    purchase.refresh_from_db()
    assert purchase.state == Purchase.State.OPEN
