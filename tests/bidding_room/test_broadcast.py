"""What the room sends, and how much: steps of one transaction in one frame; observers' snapshots as deltas."""

import datetime as dt

import pytest
from channels.db import database_sync_to_async

from bidding_room import selectors, services
from bidding_room.models import State
from tests.bidding_room.factories import sealed_opening
from tests.bidding_room.live import snapshot_merge
from tests.bidding_room.test_consumers import connect, until
from tests.bidding_room.test_opening import release, sign_in

pytestmark = pytest.mark.django_db(transaction=True)


@database_sync_to_async
def signed_in_world(bidders: int, signed: int):
    world = sealed_opening(bidders=bidders)
    services.session_open_due(session_id=world.session.pk)
    for person in world.bidders[:signed]:
        sign_in(world, person)
    return world


async def test_the_table_and_the_confirmation_window_reach_each_client_in_one_frame():
    world = await signed_in_world(bidders=3, signed=3)
    await database_sync_to_async(services.decryption_start)(session=world.session, user=world.agency)
    regulator, ok, _ = await connect(world.regulator, world.session.pk, since=2)
    try:
        assert ok
        for person, bid in zip(world.bidders, world.bids, strict=True):
            await database_sync_to_async(release)(world, person, bid)  # eager Celery decrypts after commit
        while True:
            frame = await regulator.receive_json_from(timeout=20)
            if frame["type"] == "event" or (frame["type"] == "events" and frame["events"]):
                break  # (the first "events" frame is the empty catch-up: nothing after seq 2 yet)
        # one frame, as the catch-up is: 唱标 and the window that follows it, in seq order
        assert frame["type"] == "events"
        assert [(e["seq"], e["kind"]) for e in frame["events"]] == [(3, "published"), (4, "confirmation_opened")]
        assert len(frame["events"][0]["payload"]["table"]) == 3
        assert frame["events"][1]["payload"]["state"] == State.CONFIRMING
        # stamped when it left, after the commit: never before the events it carries
        assert dt.datetime.fromisoformat(frame["sent_at"]) >= dt.datetime.fromisoformat(frame["events"][1]["at"])
    finally:
        await regulator.disconnect()


async def test_observers_get_the_changed_rows_only_and_a_late_joiner_gets_every_row(settings):
    settings.ROOM_SNAPSHOT_SECONDS = 0.1
    world = await signed_in_world(bidders=4, signed=0)
    regulator, ok, _ = await connect(world.regulator, world.session.pk)
    try:
        assert ok
        first = await until(regulator, "snapshot")
        assert "delta" not in first and len(first["bidders"]) == 4
        assert not any(row["signed_in"] for row in first["bidders"])
        # when one bidder signs in
        await database_sync_to_async(sign_in)(world, world.bidders[1])
        delta = await until(regulator, "snapshot")
        # then the regulator receives that bidder's row alone, and merged it is the whole current table
        assert delta["delta"] is True
        assert [(row["bidder"], row["signed_in"]) for row in delta["bidders"]] == [
            (world.bidders[1].organisation.name, True)]
        assert delta["counts"]["signed_in"] == 1
        merged = snapshot_merge(first, delta)
        current = await database_sync_to_async(selectors.snapshots)(session_id=world.session.pk)
        assert merged["bidders"] == current["observer"]["bidders"]
        # and a regulator entering now gets every row, not a delta it could not apply
        late, ok, _ = await connect(world.regulator, world.session.pk)
        try:
            whole = await until(late, "snapshot")
            assert "delta" not in whole and whole["bidders"] == current["observer"]["bidders"]
        finally:
            await late.disconnect()
    finally:
        await regulator.disconnect()


async def test_a_snapshot_round_gives_way_to_an_event_and_the_clients_left_out_get_the_next_one():
    from bidding_room import consumers

    rooms = consumers.LiveRooms()
    received, events = [], [1]

    class Client:
        """Stands for a RoomConsumer: the round only calls send_snapshot."""

        session_id = 7

        def __init__(self, n):
            self.n = n

        async def send_snapshot(self, snapshot, now, *, delta=None):
            received.append(self.n)
            if self.n == 3 and events:  # meanwhile an event frame reaches this process's consumers (once)
                events.pop()
                rooms.event_arrived(7)

    rooms.rooms[7] = [Client(n) for n in range(consumers.SNAPSHOT_SLICE * 3)]
    snapshot = consumers.RoomSnapshot(head=(5, 9, "decrypting"), variants={})
    complete = await rooms._send(7, snapshot, None)
    # the round stops at the next slice boundary, well before every client had it
    assert complete is False and 3 in received and len(received) == consumers.SNAPSHOT_SLICE
    # and a round with no event in between reaches every client
    received.clear()
    assert await rooms._send(7, snapshot, None) is True and len(received) == consumers.SNAPSHOT_SLICE * 3
