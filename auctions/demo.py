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
    for spec in FINISHED:
        if not Sale.objects.filter(title=spec["title"]).exists():
            _finished(**spec)
    lot = Lot.objects.get(sale=sale)
    sale.refresh_from_db()
    if lot.state == Lot.State.LISTING and sale.listing_ends_at <= timezone.now():
        _listing_ends_at(sale, timezone.now() + LIVE_AFTER)  # its time passed with no server running: again
        sale.refresh_from_db()
    stdout.write(f"auctions: “{TITLE}” enters 限时竞价 at {timezone.localtime(sale.listing_ends_at):%H:%M:%S}: "
                 f"/auctions/lots/{lot.pk}/hall/ (bidder1, bidder2, bidder4 bid; regulator and anyone watch; "
                 f"agency runs it at /auctions/sales/{sale.pk}/)")


# Sales already run (their results on the portal and in the open data): a land auction sold and confirmed; a state
# property transfer with a lot sold below 90 % of its valuation and approved, and a lot below its reserve (流拍).
FINISHED = [
    {"title": "阳光市2026-07号地块国有建设用地使用权网上拍卖出让", "subject": Subject.LAND, "kind": "grant",
     "method": Method.AUCTION,
     "notice_text": "经阳光市人民政府批准，以网上拍卖方式出让2026-07号地块国有建设用地使用权。用地性质：工业用地；"
                    "出让年限：50年；出让面积：15,200平方米。",
     "lots": [{"title": "2026-07号地块（工业用地）", "starting_price": "5200000.00", "increment": "50000.00",
               "deposit": "1040000.00", "reserve": "5300000.00"}],
     "bidders": {1: ("bidder1", "bidder2", "bidder3")},
     "quotes": [(1, "bidder1", "5200000.00"), (1, "bidder2", "5250000.00"), (1, "bidder3", "5300000.00"),
                (1, "bidder1", "5400000.00"), (1, "bidder2", "5450000.00")],
     "confirm": True},
    {"title": "阳光城投集团所持阳光物业管理有限公司股权及公务车辆网上挂牌转让", "subject": Subject.PROPERTY,
     "kind": "transfer", "method": Method.LISTING,
     "notice_text": "阳光城投集团有限公司经批准，通过网上挂牌方式公开转让所持阳光物业管理有限公司100%股权及一批"
                    "公务车辆。意向受让方须在挂牌期内提交申请并交纳保证金。",
     "lots": [{"title": "阳光物业管理有限公司100%股权", "starting_price": "3000000.00", "increment": "20000.00",
               "deposit": "300000.00", "valuation": "3500000.00"},
              {"title": "公务车辆一批（12辆）", "starting_price": "600000.00", "increment": "10000.00",
               "deposit": "60000.00", "valuation": "620000.00", "reserve": "680000.00"}],
     "bidders": {1: ("bidder3",), 2: ("bidder4",)},
     "quotes": [(1, "bidder3", "3000000.00"), (2, "bidder4", "600000.00")],
     "approve": True},
]


def _finished(*, title, subject, kind, method, notice_text, lots, bidders, quotes, confirm=False,
              approve=False) -> Sale:
    """A sale run to its result at the seed: built with legal dates, its record moved (notice 40 days ago,
    applications closed an hour ago, bidding now), then bid on and closed through the services."""
    now = timezone.now()
    agency = User.objects.get(username="agency")
    official = User.objects.get(username="official")
    seller = User.objects.get(username="tenderer").organisation
    starts = now + dt.timedelta(days=45)
    listing = method == Method.LISTING
    sale = services.sale_create(
        user=agency, title=title, subject=subject, kind=kind, method=method, region=seller.region, seller=seller,
        reserve_official=official, starts_at=starts,
        listing_ends_at=starts + dt.timedelta(days=10) if listing else None,
        application_deadline=starts + dt.timedelta(days=8) if listing else starts - dt.timedelta(days=1),
        notice_text=notice_text, lots=[{k: v for k, v in spec.items() if k != "reserve"} for spec in lots])
    services.notice_publish(sale=sale, user=agency)
    lot_of = {lot.number: lot for lot in sale.lots.all()}
    for number, spec in enumerate(lots, start=1):
        if spec.get("reserve"):
            services.reserve_enter(lot=lot_of[number], user=official, amount=spec["reserve"])
    users = {}
    for number, names in bidders.items():
        for name in names:
            users[name] = user = User.objects.get(username=name)
            application = services.application_submit(lot=lot_of[number], user=user)
            account = rights.account_of(application)
            arrival_record(sub_account=account.sub_account, amount=account.requirement.amount,
                           bank_reference=f"DEMO-AUCTION-{sale.pk}-{number}-{name}",
                           arrived_at=now - dt.timedelta(days=2), payer_name=user.organisation.name,
                           source="bank:演示银行")
            services.application_review(application=application, user=agency, qualified=True)
    deadline = now - dt.timedelta(hours=1)
    Sale.objects.filter(pk=sale.pk).update(
        notice_published_at=now - dt.timedelta(days=40), starts_at=now - dt.timedelta(minutes=1),
        application_deadline=deadline, listing_ends_at=now + dt.timedelta(days=1) if listing else None)
    DepositRequirement.objects.filter(purpose_type=rights.PURPOSE, purpose_id__in=[
        str(lot.pk) for lot in lot_of.values()]).update(deadline=deadline)
    Announcement.objects.filter(deal_code=sale.deal_code, kind=Announcement.Kind.TENDER).update(
        published_at=now - dt.timedelta(days=40))
    for lot in lot_of.values():
        services.lot_advance(lot_id=lot.pk)
    for number, name, amount in quotes:
        services.quote_place(lot=lot_of[number], user=users[name], amount=amount)
    if listing:  # the listing ends now (a lot with two bidders goes on to 限时竞价, which ends now too)
        Sale.objects.filter(pk=sale.pk).update(listing_ends_at=timezone.now())
        for lot in lot_of.values():
            services.lot_advance(lot_id=lot.pk)
    for lot in lot_of.values():
        Lot.objects.filter(pk=lot.pk, state=Lot.State.LIVE).update(live_ends_at=timezone.now())
        services.lot_advance(lot_id=lot.pk)
    for lot in Lot.objects.filter(sale=sale).select_related("leading__applied_by"):
        if approve and lot.state == Lot.State.PENDING_APPROVAL:
            lot = services.approval_decide(lot=lot, user=official, approved=True)
        if confirm and lot.state == Lot.State.SOLD:
            services.deal_confirm(lot=lot, user=lot.leading.applied_by)
    return sale


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
