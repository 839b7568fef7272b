from io import StringIO

from accounts import demo as accounts_demo
from deposits import demo, selectors
from deposits.models import DepositRequirement


def test_the_demo_shows_every_state_and_is_idempotent(db):
    accounts_demo.seed(stdout=StringIO())
    demo.seed(stdout=StringIO())
    demo.seed(stdout=StringIO())
    current, closed = (DepositRequirement.objects.get(purpose_type=demo.DEMO, purpose_id=pid)
                       for pid in ("2026-07", "2026-03"))
    assert sorted(selectors.deposit_status(a).state for a in current.accounts.all()) == [
        "awaiting", "guaranteed", "paid"]
    assert sorted(selectors.deposit_status(a).state for a in closed.accounts.all()) == [
        "converted", "refund_due", "refund_due"]
