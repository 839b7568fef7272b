"""A demo land sale for `make run`: a listing whose 限时竞价 starts a few minutes after the seed.

bidder1 and bidder2 have applied, been qualified, paid their deposits (recorded as bank arrivals in their virtual
sub-accounts) and quoted during the listing; bidder4 holds a bidding right without quoting. The official (``official``)
has sealed the reserve. The notice and the listing's start lie in the past (the sale is built with legal dates, then
its record is moved, as tests do), and the listing ends LIVE_AFTER from the seed: two bidders quoted, so at that moment
the lot enters 限时竞价 (4-minute countdown restarted by each bid). A later `make run` whose listing end passed with no
server running moves it again. Idempotent: the sale is made once.
"""

import datetime as dt

from django.utils import timezone

from accounts.models import User
from deposits.models import DepositRequirement
from deposits.services import arrival_record
from trading.models import Announcement

from . import rights, services
from .models import Lot, Method, Sale, Subject

TITLE = "阳光市2026-12号地块国有建设用地使用权网上挂牌出让（限时竞价演示）"
LIVE_AFTER = dt.timedelta(minutes=4)
QUOTES = {"bidder1": "9800000.00", "bidder2": "9900000.00"}
RIGHTS = ("bidder1", "bidder2", "bidder4")


def _listing_ends_at(sale: Sale, when: dt.datetime) -> None:
    Sale.objects.filter(pk=sale.pk).update(listing_ends_at=when)


def seed(*, stdout) -> None:
    sale = Sale.objects.filter(title=TITLE).first()
    if sale is None:
        sale = _create()
    lot = Lot.objects.get(sale=sale)
    sale.refresh_from_db()
    if lot.state == Lot.State.LISTING and sale.listing_ends_at <= timezone.now():
        _listing_ends_at(sale, timezone.now() + LIVE_AFTER)  # its time passed with no server running: again
        sale.refresh_from_db()
    stdout.write(f"auctions: “{TITLE}” enters 限时竞价 at {timezone.localtime(sale.listing_ends_at):%H:%M:%S}: "
                 f"/auctions/lots/{lot.pk}/hall/ (bidder1, bidder2, bidder4 bid; regulator and anyone watch; "
                 f"agency runs it at /auctions/sales/{sale.pk}/)")


def _create() -> Sale:
    now = timezone.now()
    agency = User.objects.get(username="agency")
    seller = User.objects.get(username="tenderer").organisation
    official = User.objects.get(username="official")
    bidders = {name: User.objects.get(username=name) for name in RIGHTS}
    starts = now + dt.timedelta(days=25)
    sale = services.sale_create(
        user=agency, title=TITLE, subject=Subject.LAND, kind="grant", method=Method.LISTING, region=seller.region,
        seller=seller, reserve_official=official, starts_at=starts, listing_ends_at=starts + dt.timedelta(days=10),
        application_deadline=starts + dt.timedelta(days=8),
        notice_text="经阳光市人民政府批准，阳光市自然资源和规划局决定以网上挂牌方式出让2026-12号地块国有建设用地"
                    "使用权。用地性质：商住用地；出让年限：住宅70年、商业40年；出让面积：28,600平方米。"
                    "挂牌期满有两个以上竞买人报价的，进入限时竞价。",
        lots=[{"title": "2026-12号地块（商住用地）", "starting_price": "9800000.00", "increment": "100000.00",
               "deposit": "1960000.00"}])
    services.notice_publish(sale=sale, user=agency)
    lot = Lot.objects.get(sale=sale)
    services.reserve_enter(lot=lot, user=official, amount="10200000.00")
    for n, user in enumerate(bidders.values(), start=1):
        application = services.application_submit(lot=lot, user=user)
        account = rights.account_of(application)
        arrival_record(sub_account=account.sub_account, amount=account.requirement.amount,
                       bank_reference=f"DEMO-AUCTION-{sale.pk}-{n}", arrived_at=now - dt.timedelta(hours=3),
                       payer_name=user.organisation.name, source="bank:演示银行")
        services.application_review(application=application, user=agency, qualified=True)
    # The sale as it stands twelve days into its listing, the notice published 25 days before that.
    deadline = now - dt.timedelta(hours=1)
    Sale.objects.filter(pk=sale.pk).update(
        notice_published_at=now - dt.timedelta(days=37), starts_at=now - dt.timedelta(days=12),
        application_deadline=deadline, listing_ends_at=now + LIVE_AFTER)
    DepositRequirement.objects.filter(purpose_type=rights.PURPOSE, purpose_id=str(lot.pk)).update(deadline=deadline)
    Announcement.objects.filter(deal_code=sale.deal_code, kind=Announcement.Kind.TENDER).update(
        published_at=now - dt.timedelta(days=37))  # the portal's sale notice, moved with the record
    services.lot_advance(lot_id=lot.pk)
    for name, amount in QUOTES.items():
        services.quote_place(lot=lot, user=bidders[name], amount=amount)
    return sale
