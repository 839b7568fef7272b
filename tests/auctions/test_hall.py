"""The live hall served by real Daphne processes: two processes see the same bids in the same order; a SIGKILL in
the middle of 限时竞价 loses no acknowledged bid and the result is the one an undisturbed run gives."""

import asyncio
from decimal import Decimal

import pytest
from asgiref.sync import sync_to_async

from auctions import services
from auctions.models import Lot, Quote
from tests.auctions import factories as f
from tests.auctions.live import HallClient
from tests.bidding_room.live import postgres_env, session_cookie
from tests.servers import Daphne

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]
COUNTDOWN = "600"  # long: the test ends the countdown by moving the record, never by waiting on a slow machine


@pytest.fixture
def hall_env(tmp_path, settings):
    settings.AUCTIONS_COUNTDOWN_SECONDS = float(COUNTDOWN)
    return {**postgres_env(tmp_path, redis_db_prefix=f"hall-{tmp_path.name}"),
            "AUCTIONS_COUNTDOWN_SECONDS": COUNTDOWN, "AUCTIONS_HALL_TICK_SECONDS": "0.3",
            # the whole countdown counts as its "last minute", so warnings come at once (no waiting in tests)
            "AUCTIONS_WARNING_SECONDS": COUNTDOWN}


def timed_bidding(bidders: int = 3):
    """A land listing with ``bidders`` holders of a right; two quoted, so at the listing's end it goes live."""
    w = f.world(bidders=bidders)
    sale = f.sale(w)
    lot = Lot.objects.get(sale=sale)
    apps = [f.bidder_ready(w, lot, b) for b in w.bidders]
    f.starts_now(sale)
    services.quote_place(lot=lot, user=w.bidders[0], amount="10000000")
    services.quote_place(lot=lot, user=w.bidders[1], amount="10100000")
    f.listing_ends(sale)
    lot = services.lot_advance(lot_id=lot.pk)
    assert lot.state == Lot.State.LIVE
    return w, lot, apps


def stored_bids(lot: Lot) -> list[tuple[int, str, str]]:
    return [(q.seq, q.application.bidder_number, str(q.amount))
            for q in Quote.objects.filter(lot=lot).select_related("application").order_by("seq")]


def step(n: int) -> str:
    return str(Decimal("10100000.00") + Decimal("100000.00") * n)


def test_two_daphne_processes_every_client_sees_the_same_bids_in_the_same_order(tmp_path, hall_env):
    # given a lot in 限时竞价, three bidders and two observers spread over two Daphne processes
    w, lot, apps = timed_bidding()
    cookies = [session_cookie(b) for b in w.bidders]
    regulator = session_cookie(w.regulator)
    names = {app.organisation.name for app in apps}
    with Daphne(env=hall_env, log_path=tmp_path / "a.log") as a, Daphne(env=hall_env, log_path=tmp_path / "b.log") as b:
        async def run():
            bidders = [await HallClient(port, lot.pk, c).connect()
                       for port, c in zip((a.port, b.port, a.port), cookies, strict=True)]
            observers = [await HallClient(a.port, lot.pk, regulator).connect(),
                         await HallClient(b.port, lot.pk, None).connect()]
            everyone = bidders + observers
            try:
                for client in everyone:
                    await client.wait(lambda c=client: c.snapshot)
                assert [c.hello["role"] for c in everyone] == ["bidder"] * 3 + ["observer", "public"]
                # when the bidders race: each round all three bid the same next step at once (one wins, two are
                # refused with the reason), then the outbid ones go one step higher
                acks = []
                for n in range(1, 9):
                    acks += await asyncio.gather(*[c.bid(f"r{n}-{i}", step(n)) for i, c in enumerate(bidders)])
                accepted = [ack for ack in acks if ack["ok"]]
                refused = [ack for ack in acks if not ack["ok"]]
                assert refused and all(ack["errors"]["amount"] or ack["errors"]["lot"] for ack in refused)
                last = max(ack["result"]["seq"] for ack in accepted)
                for client in everyone:
                    await client.wait(lambda c=client: c.last_seq >= last)
                # then every client holds the same bids in the same order, and it is the database's order
                stored = await sync_to_async(stored_bids)(lot)
                for client in everyone:
                    assert client.bids() == stored
                    assert [e["seq"] for e in client.events] == list(range(1, client.last_seq + 1))
                assert {ack["result"]["seq"] for ack in accepted} <= {s for s, _, _ in stored}
                # names appear nowhere before the close
                assert not any(name in str(client.events) for client in everyone for name in names)
                # when the countdown's end passes (the record moved), a process's hall clock closes the lot
                await sync_to_async(f.countdown_ends)(lot)
                for client in everyone:
                    await client.wait_kind("closed", timeout=30)
                # the result documents are published by a task after the close and may follow it at any moment
                closed_event = next(e for e in observers[1].events if e["kind"] == "closed")
                closed = closed_event["payload"]
                assert closed["outcome"] == "sold" and closed["winner_name"] in names

                def until_closed(client):
                    # the events themselves: a live frame also carries its envelope (type, sent_at), an event a
                    # client caught up on after a gap (frames of two batches may cross) does not
                    return [(e["seq"], e["kind"], e["payload"], e["at"]) for e in client.events
                            if e["seq"] <= closed_event["seq"]]

                assert all(until_closed(c) == until_closed(observers[0]) for c in everyone)
                # and every client was warned by the server's clock before the end
                assert all(c.warnings and c.warnings[0]["remaining"] <= int(COUNTDOWN) for c in everyone)
            finally:
                for client in everyone:
                    await client.close()

        asyncio.run(run())


async def _scripted(lot_id: int, cookies: list[str], daphne_port, *, restart=None) -> list[dict]:
    """Bidders 0 and 1 take turns raising by one increment, 10 bids, acknowledged one by one; ``restart`` (a
    coroutine) runs after the 5th acknowledged bid and gives the port to reconnect to."""
    port = daphne_port
    clients = [await HallClient(port, lot_id, c).connect() for c in cookies[:2]]
    acks = []
    try:
        for n in range(1, 11):
            if n == 6 and restart is not None:
                before = clients[0].snapshot["lot"]["live_ends_at"] if clients[0].snapshot else None
                port = await restart()
                for client in clients:
                    await client.close()
                    client.port = port
                    await client.connect()  # since = the last seq it holds
                    await client.wait(lambda c=client: c.snapshot and c.snapshot["seq"] == c.last_seq)
                assert before is not None
            bidder = clients[(n + 1) % 2]
            ack = await bidder.bid(f"b{n}", step(n + 1))
            assert ack["ok"], ack
            acks.append(ack)
        return acks
    finally:
        for client in clients:
            await client.close()


def _outcome(lot: Lot, apps) -> dict:
    lot.refresh_from_db()
    position = {app.pk: i for i, app in enumerate(apps)}
    quotes = Quote.objects.filter(lot=lot).order_by("seq")
    return {"state": lot.state, "deal_price": lot.deal_price, "winner": position[lot.leading_id],
            "bids": [(position[q.application_id], q.amount) for q in quotes]}


def test_kill_9_of_daphne_mid_bidding_loses_no_acknowledged_bid_and_the_result_is_unchanged(tmp_path, hall_env):
    results = []
    for disturbed in (False, True):
        w, lot, apps = timed_bidding(bidders=2)
        cookies = [session_cookie(b) for b in w.bidders]
        daphne = Daphne(env=hall_env, log_path=tmp_path / f"{disturbed}-a.log").start()
        ends_before = []

        async def restart(daphne=daphne, lot=lot, ends_before=ends_before):
            ends_before.append((await sync_to_async(Lot.objects.get)(pk=lot.pk)).live_ends_at)
            daphne.kill()  # SIGKILL: no shutdown of any kind
            fresh = Daphne(env=hall_env, log_path=tmp_path / "restarted.log").start()
            restarted.append(fresh)
            return fresh.port

        restarted: list[Daphne] = []
        try:
            acks = asyncio.run(_scripted(lot.pk, cookies, daphne.port, restart=restart if disturbed else None))
            if disturbed:
                # the countdown is the record's: the restart neither reset nor lost it
                assert Lot.objects.get(pk=lot.pk).live_ends_at >= ends_before[0]
            stored = {q.seq for q in Quote.objects.filter(lot=lot)}
            assert {ack["result"]["seq"] for ack in acks} <= stored  # every acknowledged bid is there
            f.countdown_ends(lot)
            port = (restarted[0] if restarted else daphne).port

            async def watch(port=port, lot=lot, cookie=session_cookie(w.regulator)):
                client = await HallClient(port, lot.pk, cookie).connect()
                try:
                    return await client.wait_kind("closed", timeout=30)
                finally:
                    await client.close()

            asyncio.run(watch())
            results.append(_outcome(lot, apps))
        finally:
            daphne.kill()
            for fresh in restarted:
                fresh.kill()
    undisturbed, disturbed_run = results
    assert disturbed_run == undisturbed
    assert undisturbed["state"] == Lot.State.SOLD and undisturbed["deal_price"] == Decimal(step(11))
