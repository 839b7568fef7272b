"""The sales' pages and API: each role's controls, refusals shown in Chinese with nothing changed, the schema."""

import pytest
from django.urls import reverse

from auctions.models import Application, Lot, Sale

from . import factories as f

pytestmark = pytest.mark.django_db


@pytest.fixture
def w():
    return f.world()


def login(client, user):
    client.force_login(user)
    return client


def test_anyone_sees_the_notices_a_sale_and_its_hall(client, w):
    sale = f.sale(w)
    lot = Lot.objects.get(sale=sale)
    assert sale.title in client.get(reverse("auctions:list")).content.decode()
    page = client.get(reverse("auctions:sale", args=[sale.pk])).content.decode()
    assert "起始价" in page and "10,000,000.00" in page
    assert client.get(reverse("auctions:hall", args=[lot.pk])).status_code == 200


def test_a_bidder_applies_from_the_page_and_sees_its_sub_account(client, w):
    sale = f.sale(w)
    lot = Lot.objects.get(sale=sale)
    login(client, w.bidders[0])
    response = client.post(reverse("auctions:action", args=[sale.pk]), {"action": "apply", "lot": lot.pk},
                           follow=True)
    page = response.content.decode()
    application = Application.objects.get(lot=lot)
    from auctions import rights

    assert rights.account_of(application).sub_account in page
    assert "虚拟子账号" in page or "子账号" in page


def test_the_host_qualifies_and_the_bidder_number_stays_hidden_from_the_host(client, w):
    sale = f.sale(w)
    lot = Lot.objects.get(sale=sale)
    application = f.bidder_ready(w, lot, w.bidders[0])
    login(client, w.agency)
    page = client.get(reverse("auctions:sale", args=[sale.pk])).content.decode()
    assert application.organisation.name in page and application.bidder_number not in page


def test_a_wrong_reserve_is_refused_in_chinese_and_nothing_is_sealed(client, w):
    sale = f.sale(w)
    lot = Lot.objects.get(sale=sale)
    login(client, w.official)
    page = client.post(reverse("auctions:action", args=[sale.pk]), {"action": "reserve", "lot": lot.pk,
                                                                    "amount": "一千万"}, follow=True).content.decode()
    assert "请以元为单位填写金额" in page
    assert Lot.objects.get(pk=lot.pk).reserve_sealed_at is None
    page = client.post(reverse("auctions:action", args=[sale.pk]), {"action": "reserve", "lot": "x",
                                                                    "amount": "1"}, follow=True).content.decode()
    assert "请选择" in page


def test_only_a_regulator_suspends_and_must_say_why(client, w):
    sale = f.sale(w)
    login(client, w.regulator)
    page = client.post(reverse("auctions:action", args=[sale.pk]), {"action": "suspend", "reason": ""},
                       follow=True).content.decode()
    assert "请说明暂停理由" in page and Sale.objects.get(pk=sale.pk).state == Sale.State.ANNOUNCED
    client.post(reverse("auctions:action", args=[sale.pk]), {"action": "suspend", "reason": "核查举报"})
    assert Sale.objects.get(pk=sale.pk).state == Sale.State.SUSPENDED


def test_the_setup_form_refuses_a_bad_price_in_chinese_and_saves_nothing(client, w):
    login(client, w.agency)
    before = Sale.objects.count()
    page = client.post(reverse("auctions:new"), {
        "title": "地块", "subject": "land", "kind": "grant", "method": "listing", "seller": w.seller.pk,
        "reserve_official": w.official.pk, "starts_at": "2027-03-01 09:00", "listing_ends_at": "2027-03-12 15:00",
        "application_deadline": "2027-03-10 17:00", "lot_title": "一号地块", "starting_price": "abc",
        "increment": "100000", "deposit": "2000000"}).content.decode()
    assert "请以元为单位填写金额" in page and Sale.objects.count() == before


def test_the_api_lists_lots_and_takes_bids_with_reasons(client, w):
    sale = f.sale(w)
    lot = Lot.objects.get(sale=sale)
    f.bidder_ready(w, lot, w.bidders[0])
    f.starts_now(sale)
    listed = client.get("/api/auctions/sales/").json()
    assert listed[0]["lots"][0]["starting_price"] == "10000000.00"
    login(client, w.bidders[0])
    low = client.post(f"/api/auctions/lots/{lot.pk}/bids/", {"id": "a1", "amount": "1"},
                      content_type="application/json")
    assert low.status_code == 400 and "10,000,000.00" in str(low.json()["errors"])
    ok = client.post(f"/api/auctions/lots/{lot.pk}/bids/", {"id": "a2", "amount": "10000000"},
                     content_type="application/json")
    assert ok.status_code == 200 and ok.json()["amount"] == "10000000.00"
    assert client.get(f"/api/auctions/lots/{lot.pk}/").json()["current_price"] == "10000000.00"
    # A signed-in person who is not a bidder is refused in the house's 403 shape, and nothing is recorded
    login(client, w.official)
    refused = client.post(f"/api/auctions/lots/{lot.pk}/bids/", {"id": "b1", "amount": "10100000"},
                          content_type="application/json")
    assert refused.status_code == 403 and refused.json()["detail"]
    assert client.get(f"/api/auctions/lots/{lot.pk}/").json()["current_price"] == "10000000.00"
    schema = client.get("/api/schema/").content.decode()
    assert "/api/auctions/lots/{id}/bids/" in schema
