"""The marketplace demo seeds purchases in every state a visitor should see, once."""

from io import StringIO

import pytest

from accounts import demo as accounts_demo
from core import demo as core_demo
from core import draw as draw_algorithm
from core.demo_guard import demo_leftovers
from credit.selectors import subject_standing
from marketplace import demo
from marketplace.models import Exclusion, Purchase
from marketplace.selectors import draw_record

pytestmark = pytest.mark.django_db


def test_the_demo_shows_every_state_and_is_idempotent():
    out = StringIO()
    core_demo.seed(stdout=out)
    accounts_demo.seed(stdout=out)
    demo.seed(stdout=out)
    demo.seed(stdout=out)
    states = sorted(Purchase.objects.values_list("method", "state"))
    assert states == [("bidding", "delivered"), ("bidding", "open"), ("bidding", "publicised"),
                      ("comparison", "scoring"), ("direct", "delivered"), ("random", "open"), ("random", "publicised")]
    drawn = Purchase.objects.get(method="random", state="publicised")
    record = draw_record(purchase=drawn)
    assert record["witness"]["secret"] and all(ok for _, ok in draw_algorithm.record_verify(record))
    reasons = sorted(r for e in Exclusion.objects.filter(purchase=drawn) for r in e.reasons)
    assert reasons == ["qualification_expired", "suspended"]
    poor = Purchase.objects.get(method="bidding", state="delivered")
    assert poor.contract.rating.poor and subject_standing(organisation=poor.winner.organisation).score < 100
    assert any("demo intermediaries" in found for found in demo_leftovers())
