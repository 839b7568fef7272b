"""The rules of online land and property sales, one by one (DOMAIN.md "Land, mining rights and state property")."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from auctions import rights, services
from auctions.models import Lot, LotEvent, Method, Quote, Sale, Subject
from audit.context import Actor
from audit.models import AuditEvent
from audit.selectors import audit_verify
from core.workdays import add_working_days, calendar_load
from stats.models import ExternalDeal

from . import factories as f

pytestmark = pytest.mark.django_db


@pytest.fixture
def w():
    return f.world()


def lot_of(sale) -> Lot:
    return Lot.objects.get(sale=sale, number=1)


def kinds(lot) -> list[str]:
    return list(LotEvent.objects.filter(lot=lot).values_list("kind", flat=True))


# Notice ----------------------------------------------------------------------------------------------------------


def _at(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(10)))


def test_land_notice_is_published_at_least_20_days_before_the_start(w):
    sale = f.sale(w, publish=False)
    today = timezone.localdate()
    Sale.objects.filter(pk=sale.pk).update(starts_at=_at(today + dt.timedelta(days=19)),
                                           listing_ends_at=_at(today + dt.timedelta(days=30)),
                                           application_deadline=_at(today + dt.timedelta(days=28)))
    with pytest.raises(ValidationError) as refused:
        services.notice_publish(sale=sale, user=w.agency)
    assert "20" in refused.value.message_dict["starts_at"][0]
    assert Sale.objects.get(pk=sale.pk).state == Sale.State.DRAFT

    Sale.objects.filter(pk=sale.pk).update(starts_at=_at(today + dt.timedelta(days=20)))
    assert services.notice_publish(sale=sale, user=w.agency).state == Sale.State.ANNOUNCED


def test_state_property_is_disclosed_for_20_working_days_by_the_calendar(w):
    today = timezone.localdate()
    # A week of holidays right after publication pushes the earliest start back by those working days.
    holidays = [(today + dt.timedelta(days=n)) for n in range(1, 8)]
    for year in sorted({d.year for d in holidays}):
        calendar_load(data={"year": year, "source": "test", "holidays": [
            [d.isoformat(), "假日"] for d in holidays if d.year == year], "workdays": []})
    disclosed_until = add_working_days(today, 20)
    assert (disclosed_until - today).days > 28 + 5  # the holidays count

    sale = f.sale(w, subject=Subject.PROPERTY, valuation="12000000.00", publish=False)
    Sale.objects.filter(pk=sale.pk).update(starts_at=_at(disclosed_until),
                                           listing_ends_at=_at(disclosed_until + dt.timedelta(days=12)),
                                           application_deadline=_at(disclosed_until))
    with pytest.raises(ValidationError) as refused:
        services.notice_publish(sale=sale, user=w.agency)
    assert (disclosed_until + dt.timedelta(days=1)).isoformat() in refused.value.message_dict["starts_at"][0]
    Sale.objects.filter(pk=sale.pk).update(starts_at=_at(disclosed_until + dt.timedelta(days=1)))
    assert services.notice_publish(sale=sale, user=w.agency).state == Sale.State.ANNOUNCED


def test_a_listing_lasts_at_least_10_days_and_only_the_host_publishes(w):
    sale = f.sale(w, publish=False)
    Sale.objects.filter(pk=sale.pk).update(listing_ends_at=sale.starts_at + dt.timedelta(days=9))
    with pytest.raises(ValidationError) as refused:
        services.notice_publish(sale=sale, user=w.agency)
    assert "listing_ends_at" in refused.value.message_dict
    with pytest.raises(PermissionDenied):
        services.notice_publish(sale=sale, user=w.bidders[0])


def test_wrong_amounts_are_refused_and_nothing_is_created(w):
    before = Sale.objects.count()
    with pytest.raises(ValidationError) as refused:
        services.sale_create(
            user=w.agency, title="地块", subject=Subject.LAND, kind="grant", method=Method.LISTING, region="310115",
            seller=w.seller, reserve_official=w.official, starts_at=timezone.now() + dt.timedelta(days=30),
            listing_ends_at=timezone.now() + dt.timedelta(days=41),
            application_deadline=timezone.now() + dt.timedelta(days=40),
            lots=[{"title": "地块1", "starting_price": "abc", "increment": "0.001", "deposit": "-1"}])
    assert set(refused.value.message_dict) == {"lots[1].starting_price", "lots[1].increment", "lots[1].deposit"}
    assert Sale.objects.count() == before


# Bidding right ---------------------------------------------------------------------------------------------------


def test_the_bidding_right_and_its_bidder_number_come_with_the_deposit(w):
    sale = f.sale(w)
    lot = lot_of(sale)
    application = services.application_submit(lot=lot, user=w.bidders[0])
    assert len(rights.account_of(application).sub_account) == 16  # the virtual sub-account to pay into
    application = services.application_review(application=application, user=w.agency, qualified=True)
    assert application.bidder_number == ""  # qualified, deposit not there
    f.deposit_arrives(application)
    application = services.bidding_right_ensure(application=application)
    assert len(application.bidder_number) == 6 and application.bidder_number.isdigit()
    assert application.right_granted_at is not None


def test_a_deposit_after_the_deadline_gives_no_right(w):
    sale = f.sale(w)
    lot = lot_of(sale)
    application = services.application_submit(lot=lot, user=w.bidders[0])
    services.application_review(application=application, user=w.agency, qualified=True)
    f.deadline_passes(sale)
    f.deposit_arrives(application)
    assert services.bidding_right_ensure(application=application).bidder_number == ""
    with pytest.raises(ValidationError):
        services.application_submit(lot=lot, user=w.bidders[1])


def test_a_rejected_applicant_never_gets_a_right_and_a_rejection_needs_a_reason(w):
    lot = lot_of(f.sale(w))
    application = services.application_submit(lot=lot, user=w.bidders[0])
    with pytest.raises(ValidationError):
        services.application_review(application=application, user=w.agency, qualified=False)
    services.application_review(application=application, user=w.agency, qualified=False, reason="资格不符")
    f.deposit_arrives(application)
    assert services.bidding_right_ensure(application=application).bidder_number == ""


# Listing ---------------------------------------------------------------------------------------------------------


def listing_with(w, n=2, **kwargs):
    sale = f.sale(w, **kwargs)
    lot = lot_of(sale)
    apps = [f.bidder_ready(w, lot, b) for b in w.bidders[:n]]
    f.starts_now(sale)
    return sale, lot, apps


def test_quotes_start_at_the_starting_price_then_rise_by_the_increment(w):
    sale, lot, apps = listing_with(w)
    b1, b2 = w.bidders[:2]
    with pytest.raises(ValidationError) as refused:
        services.quote_place(lot=lot, user=b1, amount="9999999.99")
    assert "10,000,000.00" in refused.value.message_dict["amount"][0]
    services.quote_place(lot=lot, user=b1, amount="10000000")
    with pytest.raises(ValidationError) as refused:
        services.quote_place(lot=lot, user=b2, amount="10050000")
    assert "10,100,000.00" in refused.value.message_dict["amount"][0]
    with pytest.raises(ValidationError) as refused:
        services.quote_place(lot=lot, user=b1, amount="10200000")
    assert "最高报价" in refused.value.message_dict["amount"][0]
    services.quote_place(lot=lot, user=b2, amount="10100000")
    lot.refresh_from_db()
    assert (lot.current_price, lot.leading_id) == (Decimal("10100000.00"), apps[1].pk)
    assert kinds(lot) == ["announced", "listing_opened", "bid", "bid"]


def test_a_quote_is_irrevocable(w):
    sale, lot, apps = listing_with(w)
    quote = services.quote_place(lot=lot, user=w.bidders[0], amount="10000000")
    quote.amount = Decimal("1")
    with pytest.raises(ValidationError):
        quote.save()
    with pytest.raises(ValidationError):
        quote.delete()
    assert Quote.objects.get(pk=quote.pk).amount == Decimal("10000000.00")


def test_bidders_are_anonymous_until_the_close(w):
    sale, lot, apps = listing_with(w)
    services.quote_place(lot=lot, user=w.bidders[0], amount="10000000")
    payloads = " ".join(str(e.payload) for e in LotEvent.objects.filter(lot=lot))
    assert apps[0].bidder_number in payloads
    assert apps[0].organisation.name not in payloads


def test_no_bid_without_the_right(w):
    sale = f.sale(w)
    lot = lot_of(sale)
    application = services.application_submit(lot=lot, user=w.bidders[2])
    services.application_review(application=application, user=w.agency, qualified=True)
    f.starts_now(sale)
    f.deadline_passes(sale)
    with pytest.raises(ValidationError) as refused:
        services.quote_place(lot=lot, user=w.bidders[2], amount="10000000")
    assert "保证金" in refused.value.message_dict["lot"][0]


def test_one_bidder_at_or_above_the_reserve_wins_and_the_deal_reaches_statistics(w):
    sale, lot, apps = listing_with(w)
    services.reserve_enter(lot=lot, user=w.official, amount="10000000")
    services.quote_place(lot=lot, user=w.bidders[0], amount="10000000")
    f.listing_ends(sale)
    lot = services.lot_advance(lot_id=lot.pk)
    assert lot.state == Lot.State.SOLD and lot.deal_price == Decimal("10000000.00")
    assert lot.reserve_price == Decimal("10000000.00") and lot.reserve_opened_at is not None
    closed = LotEvent.objects.get(lot=lot, kind="closed").payload
    assert closed["winner_number"] == apps[0].bidder_number and closed["winner_name"] == apps[0].organisation.name
    deal = ExternalDeal.objects.get(source="auctions", key=lot.deal_key)
    assert (deal.category, deal.base_type, deal.base_amount, deal.amount) == (
        "land", "starting_price", Decimal("10000000.00"), Decimal("10000000.00"))
    assert Sale.objects.get(pk=sale.pk).state == Sale.State.FINISHED


def test_one_bidder_below_the_reserve_is_no_deal(w):
    sale, lot, apps = listing_with(w)
    services.reserve_enter(lot=lot, user=w.official, amount="10500000")
    services.quote_place(lot=lot, user=w.bidders[0], amount="10000000")
    f.listing_ends(sale)
    lot = services.lot_advance(lot_id=lot.pk)
    assert lot.state == Lot.State.NO_DEAL and "底价" in lot.outcome_reason
    assert not ExternalDeal.objects.filter(key=lot.deal_key).exists()


def test_no_quote_is_no_deal(w):
    sale, lot, apps = listing_with(w)
    f.listing_ends(sale)
    assert services.lot_advance(lot_id=lot.pk).state == Lot.State.NO_DEAL


# Reserve ---------------------------------------------------------------------------------------------------------


def test_the_reserve_is_sealed_by_the_designated_official_and_opened_only_at_the_close(w):
    sale, lot, apps = listing_with(w)
    with pytest.raises(PermissionDenied):
        services.reserve_enter(lot=lot, user=w.agency, amount="10300000")
    with pytest.raises(ValidationError):
        services.reserve_enter(lot=lot, user=w.official, amount="9000000")  # below the starting price
    services.reserve_enter(lot=lot, user=w.official, amount="10300000")
    lot.refresh_from_db()
    assert lot.reserve_price is None and lot.reserve_opened_at is None
    assert b"10300000" not in bytes(lot.reserve_envelope)
    with pytest.raises(ValidationError):
        services.reserve_enter(lot=lot, user=w.official, amount="10400000")
    services.quote_place(lot=lot, user=w.bidders[0], amount="10000000")
    services.quote_place(lot=lot, user=w.bidders[1], amount="10100000")
    lot = services.lot_advance(lot_id=lot.pk)
    assert lot.reserve_price is None  # still sealed while bidding goes on
    f.listing_ends(sale)
    f.countdown_ends(services.lot_advance(lot_id=lot.pk))
    lot = services.lot_advance(lot_id=lot.pk)
    assert lot.reserve_price == Decimal("10300000.00") and lot.state == Lot.State.NO_DEAL
    assert kinds(lot)[-2:] == ["reserve_opened", "closed"]


# 限时竞价 -------------------------------------------------------------------------------------------------------


def test_two_bidders_at_the_listing_close_enter_timed_bidding_and_each_bid_restarts_the_countdown(w, settings):
    settings.AUCTIONS_COUNTDOWN_SECONDS = 240
    sale, lot, apps = listing_with(w)
    services.quote_place(lot=lot, user=w.bidders[0], amount="10000000")
    services.quote_place(lot=lot, user=w.bidders[1], amount="10100000")
    f.listing_ends(sale)
    lot = services.lot_advance(lot_id=lot.pk)
    sale.refresh_from_db()
    assert lot.state == Lot.State.LIVE and lot.live_ends_at == sale.listing_ends_at + dt.timedelta(seconds=240)
    before = timezone.now()
    services.quote_place(lot=lot, user=w.bidders[0], amount="10200000")
    lot.refresh_from_db()
    assert lot.live_ends_at >= before + dt.timedelta(seconds=240)
    f.countdown_ends(lot)
    with pytest.raises(ValidationError):  # the server's record says it ended: too late, whatever the client thinks
        services.quote_place(lot=lot, user=w.bidders[1], amount="10300000")
    lot = services.lot_advance(lot_id=lot.pk)
    assert lot.state == Lot.State.SOLD and lot.deal_price == Decimal("10200000.00")
    assert lot.leading_id == apps[0].pk


def test_equal_bids_the_earlier_wins(w):
    sale, lot, apps = listing_with(w, n=3)
    services.quote_place(lot=lot, user=w.bidders[0], amount="10000000")
    services.quote_place(lot=lot, user=w.bidders[1], amount="10100000")
    with pytest.raises(ValidationError) as refused:
        services.quote_place(lot=lot, user=w.bidders[2], amount="10100000")
    assert "先报出" in refused.value.message_dict["amount"][0]
    assert Lot.objects.get(pk=lot.pk).leading_id == apps[1].pk


def test_an_auction_opens_live_at_its_start(w):
    sale, lot, apps = listing_with(w, method=Method.AUCTION)
    lot = services.lot_advance(lot_id=lot.pk)
    assert lot.state == Lot.State.LIVE
    services.quote_place(lot=lot, user=w.bidders[0], amount="10000000")
    f.countdown_ends(lot)
    assert services.lot_advance(lot_id=lot.pk).state == Lot.State.SOLD


def test_a_command_is_applied_once(w):
    sale, lot, apps = listing_with(w)
    first = services.command_apply(lot_id=lot.pk, user=w.bidders[0], client_id="c-1", amount="10000000")
    again = services.command_apply(lot_id=lot.pk, user=w.bidders[0], client_id="c-1", amount="10000000")
    assert again == {**first, "replayed": True}
    assert Quote.objects.filter(lot=lot).count() == 1


def test_bids_applied_together_are_decided_one_by_one_in_arrival_order(w):
    # given a lot in 限时竞价 at 10,100,000 and a batch of bids that arrived together (the hall's group commit)
    sale, lot, apps = listing_with(w, n=3)
    services.quote_place(lot=lot, user=w.bidders[0], amount="10000000")
    services.quote_place(lot=lot, user=w.bidders[1], amount="10100000")
    f.listing_ends(sale)
    lot = services.lot_advance(lot_id=lot.pk)
    b0, b1, b2 = w.bidders[:3]

    def command(user, cid, amount):
        return services.BidCommand(user=user, client_id=cid, amount=amount,
                                   actor=Actor(label=user.get_username(), source="websocket", user=user))

    batch = [command(b0, "a", "10200000"), command(b2, "b", "10200000"), command(b1, "c", "10400000"),
             command(b1, "d", "10600000"), command(b0, "a", "10200000"), command(b2, "e", "lots"),
             command(w.regulator, "f", "10900000"), command(b2, "g", "10500000"), command(b2, "", "10900000")]
    # when they are applied in one transaction
    answers = services.commands_apply(lot_id=lot.pk, commands=batch)
    # then each is decided as if applied alone after the ones before it
    accepted = [answers[0], answers[2], answers[7]]
    assert [a["amount"] for a in accepted] == ["10200000.00", "10400000.00", "10500000.00"]
    assert [a["seq"] for a in accepted] == [accepted[0]["seq"], accepted[0]["seq"] + 1, accepted[0]["seq"] + 2]
    assert "先报出" in answers[1].message_dict["amount"][0]  # equal bids: the earlier wins
    assert "最高报价" in answers[3].message_dict["amount"][0]  # the leader does not outbid itself
    assert answers[4] == {**answers[0], "replayed": True}  # the same command twice: applied once
    assert "amount" in answers[5].message_dict
    assert isinstance(answers[6], PermissionDenied)
    assert "id" in answers[8].message_dict
    # the log, the quotes, the lot and the audit chain say the same, in the same order
    lot.refresh_from_db()
    assert lot.current_price == Decimal("10500000.00") and lot.leading_id == apps[2].pk
    assert lot.last_seq == accepted[-1]["seq"]
    bids = LotEvent.objects.filter(lot=lot, seq__gte=accepted[0]["seq"]).order_by("seq")
    assert [(e.kind, e.payload["amount"], e.payload["live_ends_at"]) for e in bids] == [
        ("bid", a["amount"], a["live_ends_at"]) for a in accepted]
    assert list(Quote.objects.filter(lot=lot, seq__gte=accepted[0]["seq"]).values_list("seq", flat=True)) == [
        a["seq"] for a in accepted]
    placed = AuditEvent.objects.filter(action="auctions.quote.place").order_by("-seq")[:3]
    assert [e.actor_label for e in reversed(placed)] == [b0.get_username(), b1.get_username(), b2.get_username()]
    assert audit_verify().ok
    # and the same batch again applies none of them twice: the accepted ones are answered as retries
    again = services.commands_apply(lot_id=lot.pk, commands=batch)
    assert [again[i] for i in (0, 2, 7)] == [{**a, "replayed": True} for a in accepted]
    assert sorted(Quote.objects.filter(lot=lot).values_list("amount", flat=True)) == [Decimal(a) for a in (
        "10000000", "10100000", "10200000", "10400000", "10500000", "10600000")]  # 'd' is valid now b2 leads


def test_a_bid_already_beaten_is_refused_before_the_lock_and_a_retry_answered_from_the_record(w):
    sale, lot, apps = listing_with(w)
    first = services.command_apply(lot_id=lot.pk, user=w.bidders[0], client_id="c-1", amount="10000000")
    services.command_apply(lot_id=lot.pk, user=w.bidders[1], client_id="c-2", amount="10500000")
    with pytest.raises(ValidationError) as refused:
        services.command_check(lot_id=lot.pk, user=w.bidders[0], client_id="c-3", amount="10500000")
    assert "10,600,000.00" in refused.value.message_dict["amount"][0]
    assert services.command_check(lot_id=lot.pk, user=w.bidders[0], client_id="c-1", amount="10000000") == {
        **first, "replayed": True}
    with pytest.raises(ValidationError) as refused:  # another bidder's command id
        services.command_check(lot_id=lot.pk, user=w.bidders[1], client_id="c-1", amount="10000000")
    assert "id" in refused.value.message_dict
    # a bid still in the running: handed on with the bidder's application, read in the same query
    application = services.command_check(lot_id=lot.pk, user=w.bidders[0], client_id="c-4", amount="10600000")
    assert (application.pk, application.bidder_number) == (apps[0].pk, apps[0].bidder_number)


def test_a_retry_sent_while_its_first_copy_was_under_way_gets_the_first_answer(w):
    # given a bid that passed the check, then was applied through another connection before its batch ran
    sale, lot, apps = listing_with(w, n=3)
    application = services.command_check(lot_id=lot.pk, user=w.bidders[0], client_id="c-1", amount="10000000")
    first = services.command_apply(lot_id=lot.pk, user=w.bidders[0], client_id="c-1", amount="10000000")
    batch = [services.BidCommand(user=w.bidders[1], client_id="c-2", amount="10100000"),
             services.BidCommand(user=w.bidders[0], client_id="c-1", amount="10000000", application=application)]
    # when its batch runs: the other bid is taken, the repeated one answered with its first result (not refused on
    # the price it set itself)
    answers = services.commands_apply(lot_id=lot.pk, commands=batch)
    assert answers[0]["amount"] == "10100000.00" and answers[1] == {**first, "replayed": True}
    assert Quote.objects.filter(lot=lot).count() == 2


# State property and suspension -----------------------------------------------------------------------------------


def test_state_property_below_90_percent_of_the_valuation_waits_for_approval(w):
    sale, lot, apps = listing_with(w, subject=Subject.PROPERTY, valuation="11200000.00")
    services.quote_place(lot=lot, user=w.bidders[0], amount="10000000")  # 89.3 %
    f.listing_ends(sale)
    lot = services.lot_advance(lot_id=lot.pk)
    assert lot.state == Lot.State.PENDING_APPROVAL and "90" in lot.outcome_reason
    assert not ExternalDeal.objects.filter(key=lot.deal_key).exists()


def test_state_property_at_90_percent_is_sold_and_counts_its_value_added(w):
    sale, lot, apps = listing_with(w, subject=Subject.PROPERTY, valuation="11000000.00")
    services.quote_place(lot=lot, user=w.bidders[0], amount="10000000")
    services.quote_place(lot=lot, user=w.bidders[1], amount="10100000")  # 91.8 %
    f.listing_ends(sale)
    f.countdown_ends(services.lot_advance(lot_id=lot.pk))
    lot = services.lot_advance(lot_id=lot.pk)
    assert lot.state == Lot.State.SOLD
    deal = ExternalDeal.objects.get(key=lot.deal_key)
    assert (deal.category, deal.base_type, deal.base_amount) == ("property", "valuation", Decimal("11000000.00"))


def test_a_suspended_sale_takes_no_bid_and_its_countdown_waits(w):
    sale, lot, apps = listing_with(w)
    services.quote_place(lot=lot, user=w.bidders[0], amount="10000000")
    with pytest.raises(PermissionDenied):
        services.sale_suspend(sale=sale, user=w.agency, reason="x")
    services.sale_suspend(sale=sale, user=w.regulator, reason="收到举报，暂停核查")
    with pytest.raises(ValidationError) as refused:
        services.quote_place(lot=lot, user=w.bidders[1], amount="10100000")
    assert "暂停" in refused.value.message_dict["lot"][0]
    f.listing_ends(sale)
    assert services.lot_advance(lot_id=lot.pk).state == Lot.State.LISTING
    services.sale_resume(sale=sale, user=w.regulator)
    assert services.lot_advance(lot_id=lot.pk).state == Lot.State.SOLD


@pytest.mark.parametrize("text", ["1e400", "NaN", "-5", "0", "12.345", "", "一千万", "Infinity"])
def test_an_amount_that_is_not_money_is_refused_with_a_reason_and_changes_nothing(w, text):
    sale, lot, apps = listing_with(w)
    with pytest.raises(ValidationError) as refused:
        services.command_apply(lot_id=lot.pk, user=w.bidders[0], client_id=f"c-{text}", amount=text)
    assert "amount" in refused.value.message_dict
    assert not Quote.objects.filter(lot=lot).exists()
