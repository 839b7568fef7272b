"""The hall's group commit when the database refuses a batch: tried three times, then each bid of it is refused with
the reason, nothing of it is applied (not half of it either), and the same bids sent again are taken once."""

import asyncio
import logging

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from auctions.consumers import BATCH_ATTEMPTS, LiveHalls
from auctions.models import Lot, LotCommand, LotEvent, Quote
from auctions.services import BidCommand
from audit.context import Actor
from audit.models import AuditEvent
from tests.auctions.test_hall import step, timed_bidding

pytestmark = pytest.mark.django_db(transaction=True)


def lot_row(lot: Lot) -> tuple:
    lot.refresh_from_db()
    return lot.current_price, lot.leading_id, lot.live_ends_at, lot.last_seq


def test_a_batch_that_fails_three_times_refuses_each_bid_with_the_reason_and_applies_none(caplog):
    # given a lot in 限时竞价 whose log already holds the next seq: every write of the next batch is refused by the
    # database (the log's seq is unique)
    w, lot, apps = timed_bidding(bidders=3)
    stray = LotEvent.objects.create(lot=lot, seq=lot.last_seq + 1, kind="stray", payload={}, at=timezone.now())
    before = lot_row(lot)
    quotes, audit = Quote.objects.filter(lot=lot).count(), AuditEvent.objects.count()
    commands = [BidCommand(user=user, client_id=f"war-{n}", amount=step(n + 1), application=app,
                           actor=Actor(label=user.get_username(), source="websocket", user=user))
                for n, (user, app) in enumerate(zip(w.bidders, apps, strict=True))]

    async def bids_together(halls: LiveHalls) -> list:
        return await asyncio.gather(*(halls.bid(lot.pk, command) for command in commands))

    # when three bidders' bids arrive together, valid each after the one before (one batch)
    with caplog.at_level(logging.ERROR, logger="auctions.consumers"):
        answers = asyncio.run(bids_together(LiveHalls()))

    # then the batch was tried three times, and each bid is refused with the reason and what to do
    attempts = [r for r in caplog.records if r.name == "auctions.consumers" and "failed (attempt" in r.getMessage()]
    assert len(attempts) == BATCH_ATTEMPTS == 3
    assert all(isinstance(answer, ValidationError) for answer in answers)
    assert all("未能记录" in answer.messages[0] and "重新发送" in answer.messages[0] for answer in answers)
    # and nothing of the batch was applied: the lot, its quotes, its log, the command records, the audit chain
    assert lot_row(lot) == before
    assert Quote.objects.filter(lot=lot).count() == quotes
    assert list(LotEvent.objects.filter(lot=lot, seq__gt=before[3]).values_list("kind", flat=True)) == ["stray"]
    assert not LotCommand.objects.filter(lot=lot, client_id__startswith="war-").exists()
    assert AuditEvent.objects.count() == audit

    # when the obstacle is gone and the bidders send the same bids again (same command ids)
    stray.delete()
    again = asyncio.run(bids_together(LiveHalls()))
    # then each is taken once, in arrival order, as if the failed attempts had never been
    assert [answer["amount"] for answer in again] == [step(n + 1) for n in range(3)]
    assert [answer["seq"] for answer in again] == [before[3] + 1, before[3] + 2, before[3] + 3]
    assert Quote.objects.filter(lot=lot).count() == quotes + 3
    assert LotCommand.objects.filter(lot=lot, client_id__startswith="war-").count() == 3
