"""A demo opening to walk through in `make run`: a published project whose bid deadline is a few minutes after the
seed, with three real sealed bids by bidder1, bidder2 and bidder4 (bidder3 is black-listed by the credit demo), each
sealed with the demo key trading.demo wrote to var/demo-keys/<username>.pem.

The bids are sealed while the deadline is a day away; only then is the deadline moved in the records to
DEADLINE_AFTER from now (trading.demo.deadline_move), so a slow machine cannot make the demo bids late. A later
`make run` whose demo room never opened (no server ran at its time) moves it again to DEADLINE_AFTER from then.

At the deadline the room opens by itself (the embedded scheduler's room sweep); the agency starts decryption, each
bidder signs in and releases its key from the room page with its key file and its own passphrase
(trading.demo.demo_key_passphrase), the regulator watches. Runs after trading.demo (INSTALLED_APPS order), whose
keys it uses. Idempotent: the project is made once.
"""

import datetime as dt
from decimal import Decimal

from django.test import override_settings
from django.utils import timezone

from accounts.models import User
from trading.demo import BIDDING_TIME, _bid, _create, _demo_key, deadline_move, demo_key_passphrase
from trading.lifecycle import project_transition
from trading.models import Project, Status

from .models import OpeningSession, State
from .services import session_schedule

TITLE = "阳光市图书馆新馆智能化系统工程（不见面开标演示）"
DEADLINE_AFTER = dt.timedelta(minutes=5)
PRICES = {"bidder1": "2386000.00", "bidder2": "2412500.00", "bidder4": "2349800.00"}


def seed(*, stdout) -> None:
    project = Project.objects.filter(title=TITLE).first()
    if project is None:
        agency = User.objects.get(username="agency")
        tenderer = User.objects.get(username="tenderer").organisation
        # The bidders' keys first: on a loaded machine making them takes long enough to eat the deadline.
        bidders = {username: User.objects.get(username=username) for username in PRICES}
        keys = {username: _demo_key(bidder) for username, bidder in bidders.items()}
        with override_settings(TRADING_MIN_BID_PERIOD_DAYS=0):  # the 20-day minimum is relaxed for the demo only
            project = _create(agency, tenderer, TITLE, timezone.now() + BIDDING_TIME, [
                {"code": "001", "name": "智能化系统", "base_amount": Decimal("2500000.00"), "base_type": "price_cap"},
            ], decryption_window_minutes=15, objection_window_minutes=10)
            project_transition(project=project, to=Status.PUBLISHED, user=agency)
            section = project.sections.get()
            for username, price in PRICES.items():
                _bid(bidders[username], keys[username], section, price)
        deadline_move(project, timezone.now() + DEADLINE_AFTER)
        session_schedule(section=section)
    session = project.sections.get().opening
    if project.status == Status.PUBLISHED and session.state == State.SCHEDULED and session.opens_at <= timezone.now():
        deadline_move(project, timezone.now() + DEADLINE_AFTER)  # its time passed with no server running: again
        OpeningSession.objects.filter(pk=session.pk).update(opens_at=project.bid_deadline)
        session.refresh_from_db()
    stdout.write(f"opening room: “{TITLE}” opens at {timezone.localtime(session.opens_at):%H:%M:%S} at "
                 f"/opening/{session.pk}/ (agency hosts; bidder1, bidder2, bidder4 sign in with "
                 f"var/demo-keys/<username>.pem, passphrase {demo_key_passphrase('<username>')}; regulator watches)")
