import datetime as dt
from io import StringIO

from django.utils import timezone

from accounts import demo as accounts_demo
from auctions import demo
from auctions.models import Application, Lot, Sale
from audit.context import Actor, acting_as


def test_the_demo_sale_enters_timed_bidding_minutes_after_the_seed_and_is_seeded_once(db):
    out = StringIO()
    with acting_as(Actor(label="seed_demo", source="command")):
        accounts_demo.seed(stdout=out)
        demo.seed(stdout=out)
        demo.seed(stdout=out)
    sale = Sale.objects.get(title=demo.TITLE)
    lot = Lot.objects.get(sale=sale)
    assert lot.state == Lot.State.LISTING and lot.quotes.count() == 2 and lot.reserve_sealed_at is not None
    assert timezone.now() < sale.listing_ends_at < timezone.now() + dt.timedelta(minutes=6)
    numbers = Application.objects.filter(lot=lot).exclude(bidder_number="").count()
    assert numbers == 3
    assert f"/auctions/lots/{lot.pk}/hall/" in out.getvalue()
