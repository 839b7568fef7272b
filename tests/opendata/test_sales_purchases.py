"""Sales (auctions) and marketplace purchases as OCDS releases: what is published at each event, and nothing before
the law allows — bidders and the reserve not before a lot's close, bidders anonymous (竞买号) after it but for the
winner; a purchase's applicants and quotes not before the selection."""

import datetime as dt
import json

import pytest
from django.conf import settings
from django.test import Client
from django.utils import timezone

from auctions import services as auction_services
from auctions.models import Application, Lot, Sale
from marketplace.services import draws, selection
from marketplace.services import purchases as purchase_services
from opendata.models import Release
from opendata.ocds import ocid_for
from opendata.purchases import purchase_code
from opendata.services import releases_publish, releases_publish_recent
from tests.auctions import factories as af
from tests.marketplace import factories as mf

pytestmark = pytest.mark.django_db


def releases(ocid: str) -> list[dict]:
    return [r.data for r in Release.objects.filter(ocid=ocid).order_by("pk")]


def test_a_sale_says_nothing_of_its_bidders_or_reserve_before_the_close_and_names_only_the_winner_after():
    w = af.world()
    sale = af.sale(w, publish=False)
    ocid = ocid_for(sale.deal_code)
    assert releases_publish(sales=[sale]) == 0  # a draft publishes nothing
    auction_services.notice_publish(sale=sale, user=w.agency)
    lot = Lot.objects.get(sale=sale)
    auction_services.reserve_enter(lot=lot, user=w.official, amount="10050000.00")
    apps = [af.bidder_ready(w, lot, b) for b in w.bidders]
    af.starts_now(sale)
    auction_services.quote_place(lot=lot, user=w.bidders[0], amount="10000000")
    auction_services.quote_place(lot=lot, user=w.bidders[1], amount="10100000")
    assert releases_publish_recent() == 2  # the notice, found by the sweep, and the sale notice's PDF linked
    notice, linked = releases(ocid)
    [pdf] = linked["tender"]["documents"]
    assert linked["tag"] == ["tenderUpdate"] and pdf["documentType"] == "tenderNotice"
    assert Client().get(pdf["url"].removeprefix(settings.SITE_URL))["Content-Type"] == "application/pdf"
    text = json.dumps(notice, ensure_ascii=False)
    assert notice["tag"] == ["tender"] and "bids" not in notice and "awards" not in notice
    assert "10050000" not in text and "10,050,000" not in text  # the reserve
    for application in Application.objects.filter(lot=lot):
        assert application.organisation.name not in text and application.bidder_number not in text
    tender = notice["tender"]
    assert tender["procurementMethod"] == "open" and "mainProcurementCategory" not in tender
    assert tender["submissionMethod"] == ["electronicAuction"] and tender["lots"][0]["value"]["amount"] == -10000000
    assert notice["buyer"]["name"] == w.seller.name and tender["procuringEntity"]["name"] == w.agency.organisation.name

    af.listing_ends(sale)
    af.countdown_ends(auction_services.lot_advance(lot_id=lot.pk))
    lot = auction_services.lot_advance(lot_id=lot.pk)
    assert lot.state == Lot.State.SOLD
    assert releases_publish_recent() == 1  # the sweep finds the close (audit chain) and publishes its release
    close = releases(ocid)[-1]
    text = json.dumps(close, ensure_ascii=False)
    assert close["tag"] == ["award"] and close["tender"]["status"] == "complete"
    [award] = close["awards"]
    assert award["suppliers"][0]["name"] == apps[1].organisation.name and award["value"]["amount"] == -10100000
    assert award["relatedBid"] == f"{lot.deal_key}-{apps[1].bidder_number}-{lot.quotes.last().seq}"
    assert [d["id"].split("-")[-2] for d in close["bids"]["details"]] == [apps[0].bidder_number,
                                                                           apps[1].bidder_number]
    assert all("tenderers" not in d for d in close["bids"]["details"])
    assert apps[0].organisation.name not in text and apps[2].organisation.name not in text  # losers stay 竞买号
    assert "底价（竞价结束时开启）10,050,000.00 元" in close["tender"]["lots"][0]["description"]
    statistics = {s["measure"]: s["value"] for s in close["bids"]["statistics"]}
    assert statistics == {"requests": 3, "qualifiedBidders": 3, "bidders": 2, "bids": 2, "validBids": 2}

    auction_services.deal_confirm(lot=lot, user=w.bidders[1])
    assert releases_publish_recent() >= 1  # the sweep finds the 成交确认书
    contract = releases(ocid)[-1]
    assert contract["tag"] == ["contract"] and contract["contracts"][0]["title"] == "成交确认书"
    assert contract["contracts"][0]["value"]["amount"] == -10100000


def test_no_deal_is_an_unsuccessful_lot_and_a_refused_deal_a_cancelled_award():
    w = af.world()
    sale = af.sale(w, lots=2)
    first, second = Lot.objects.filter(sale=sale).order_by("number")
    apps = [af.bidder_ready(w, first, b) for b in w.bidders[:2]]
    af.starts_now(sale)
    Sale.objects.filter(pk=sale.pk).update(notice_published_at=timezone.now() - dt.timedelta(days=30))
    auction_services.quote_place(lot=first, user=w.bidders[0], amount="10000000")
    af.listing_ends(sale)
    for lot in (first, second):
        auction_services.lot_advance(lot_id=lot.pk)
    sale.refresh_from_db()
    releases_publish(sales=[sale])
    auction_services.deal_refuse(lot=Lot.objects.get(pk=first.pk), user=w.agency, reason="竞得人拒签成交确认书")
    releases_publish_recent()
    published = [r for r in releases(ocid_for(sale.deal_code)) if "-notice-" not in r["id"]]  # not the notice's PDF
    assert [r["tag"][0] for r in published] == ["tender", "award", "tenderUpdate", "awardCancellation"]
    last = published[-1]
    assert [lot["status"] for lot in last["tender"]["lots"]] == ["unsuccessful", "unsuccessful"]
    assert last["tender"]["status"] == "unsuccessful" and last["awards"][0]["status"] == "cancelled"
    assert last["awards"][0]["suppliers"][0]["name"] == apps[0].organisation.name


def test_a_purchase_names_its_applicants_and_quotes_only_from_the_selection():
    a, b = mf.intermediary(), mf.intermediary()
    purchase = mf.purchase(method="bidding", quote_mode="sealed")
    purchase_services.application_submit(purchase=purchase, intermediary=a, quote="72000")
    purchase_services.application_submit(purchase=purchase, intermediary=b, quote="65000")
    ocid = ocid_for(purchase_code(purchase))
    assert ocid.endswith(purchase.number.replace("中介", "ZJ")) and ocid.isascii()
    releases_publish(purchases=[purchase])
    [tender] = releases(ocid)
    text = json.dumps(tender, ensure_ascii=False)
    assert a.organisation.name not in text and b.organisation.name not in text and "72000" not in text
    assert tender["tender"]["mainProcurementCategory"] == "services" and tender["tender"]["value"]["amount"] == 80000
    assert tender["tender"]["procurementMethod"] == "open" and tender["tender"]["awardCriteria"] == "priceOnly"
    assert "造价咨询" in tender["tender"]["procurementMethodDetails"]
    selection.bidding_select(purchase=mf.deadline_passes(purchase))
    releases_publish_recent()
    award = releases(ocid)[-1]
    assert award["tag"] == ["award"] and award["awards"][0]["suppliers"][0]["name"] == b.organisation.name
    assert {d["tenderers"][0]["name"]: d["value"]["amount"] for d in award["bids"]["details"]} == {
        a.organisation.name: 72000, b.organisation.name: 65000}


def test_a_declined_selection_cancels_that_award_and_awards_the_next_in_line():
    [mf.intermediary() for _ in range(3)]
    purchase = mf.purchase(method="direct")
    releases_publish(purchases=[purchase])
    assert releases(ocid_for(purchase_code(purchase)))[0]["tender"]["procurementMethod"] == "direct"
    assert releases(ocid_for(purchase_code(purchase)))[0]["tender"]["procurementMethodRationale"] == \
        purchase.direct_reason
    drawn = draws.draw_perform(purchase=mf.deadline_passes(mf.purchase(method="random")))
    first = drawn.winner
    drawn = selection.winner_refuse(purchase=drawn, intermediary=first, reason="人手不足")
    releases_publish(purchases=[drawn])
    published = releases(ocid_for(purchase_code(drawn)))
    assert [r["tag"][0] for r in published] == ["tender", "award", "awardCancellation", "award"]
    assert published[0]["tender"]["procurementMethod"] == "selective"
    assert drawn.draw.commitment in published[0]["tender"]["awardCriteriaDetails"]
    awards = published[-1]["awards"]
    assert [(x["status"], x["suppliers"][0]["name"]) for x in awards] == [
        ("cancelled", first.organisation.name), ("active", drawn.winner.organisation.name)]


def test_a_selection_voided_by_an_upheld_complaint_is_a_cancelled_award_then_the_next_is_awarded():
    a, b = mf.intermediary(), mf.intermediary()
    purchase = mf.purchase(method="bidding", quote_mode="sealed")
    purchase_services.application_submit(purchase=purchase, intermediary=a, quote="72000")
    purchase_services.application_submit(purchase=purchase, intermediary=b, quote="65000")
    purchase = selection.bidding_select(purchase=mf.deadline_passes(purchase))
    purchase = selection.selection_void(purchase=purchase, reason="投诉成立", reference="投诉 #1")
    releases_publish(purchases=[purchase])
    published = releases(ocid_for(purchase_code(purchase)))
    assert [r["tag"][0] for r in published] == ["tender", "award", "awardCancellation", "award"]
    assert published[2]["tender"]["status"] == "active"
    assert [(x["status"], x["suppliers"][0]["name"]) for x in published[-1]["awards"]] == [
        ("cancelled", b.organisation.name), ("active", a.organisation.name)]
