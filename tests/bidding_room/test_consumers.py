"""The room over websockets: who may enter, events in seq order, catching up after a reconnect, commands once."""

import pytest
from channels.db import database_sync_to_async
from channels.routing import URLRouter
from channels.testing import WebsocketCommunicator

from bidding_room import services
from bidding_room.models import OpeningSession, RoomEvent, State
from bidding_room.routing import websocket_urlpatterns
from tests.bidding_room.factories import opening

pytestmark = pytest.mark.django_db(transaction=True)

app = URLRouter(websocket_urlpatterns)


async def connect(user, session_id: int, since: int | None = None, path: str | None = None):
    path = path or f"/ws/room/{session_id}/" + (f"?since={since}" if since is not None else "")
    communicator = WebsocketCommunicator(app, path)
    if user is not None:
        communicator.scope["user"] = user
    else:
        from django.contrib.auth.models import AnonymousUser

        communicator.scope["user"] = AnonymousUser()
    connected, code = await communicator.connect()
    return communicator, connected, code


async def until(communicator, kind: str, timeout: float = 5):
    """The next message of ``kind``, skipping others (snapshots arrive on their own schedule)."""
    while True:
        message = await communicator.receive_json_from(timeout=timeout)
        if message["type"] == kind:
            return message


@database_sync_to_async
def opened_world(bidders=3):
    world = opening(bidders=bidders)
    services.session_open_due(session_id=world.session.pk)
    return world


async def test_the_host_enters_sees_the_log_and_drives_a_step_everyone_receives_in_order():
    world = await opened_world()
    host, ok, _ = await connect(world.agency, world.session.pk)
    regulator, ok2, _ = await connect(world.regulator, world.session.pk)
    try:
        assert ok and ok2
        hello = await host.receive_json_from()
        assert hello["type"] == "hello" and hello["role"] == "host" and hello["server_time"]
        backlog = await until(host, "events")
        assert [(e["seq"], e["kind"]) for e in backlog["events"]] == [(1, "opened")]
        snap = await until(host, "snapshot")
        assert snap["state"] == State.SIGN_IN and len(snap["bidders"]) == 3
        await until(regulator, "snapshot")
        # when the host sends the decrypt instruction
        await host.send_json_to({"type": "command", "id": "a1", "action": "start_decryption"})
        ack = await until(host, "ack")
        assert ack == {"type": "ack", "id": "a1", "ok": True, "result": {}}
        # then both clients get the event with the next seq
        for client in (host, regulator):
            event = await until(client, "event")
            assert (event["seq"], event["kind"], event["payload"]["state"]) == (2, "decryption_started", "decrypting")
    finally:
        await host.disconnect()
        await regulator.disconnect()


async def test_a_refused_command_is_acknowledged_with_the_reason_and_changes_nothing():
    world = await opened_world()
    bidder, ok, _ = await connect(world.bidders[0], world.session.pk)
    try:
        assert ok
        snap = await until(bidder, "snapshot")
        assert "bidders" not in snap and snap["me"]["signed_in"] is False and snap["counts"]["bidders"] == 3
        await bidder.send_json_to({"type": "command", "id": "b1", "action": "start_decryption"})
        ack = await until(bidder, "ack")
        assert ack["ok"] is False
        assert ack["errors"] == {"__all__": ["Only the host of the opening (the agency) may do this."]}
        state = await database_sync_to_async(lambda: OpeningSession.objects.get(pk=world.session.pk).state)()
        assert state == State.SIGN_IN
    finally:
        await bidder.disconnect()


async def test_a_reconnecting_client_receives_only_what_it_missed():
    world = await opened_world()
    await database_sync_to_async(services.decryption_start)(session=world.session, user=world.agency)
    client, ok, _ = await connect(world.regulator, world.session.pk, since=1)
    try:
        backlog = await until(client, "events")
        assert [(e["seq"], e["kind"]) for e in backlog["events"]] == [(2, "decryption_started")]
        # and asking again for everything after 0 fills any gap from the database log
        await client.send_json_to({"type": "sync", "since": 0})
        again = await until(client, "events")
        assert [e["seq"] for e in again["events"]] == [1, 2]
    finally:
        await client.disconnect()


async def test_a_retried_command_is_applied_once_over_the_socket():
    world = await opened_world()
    host, _, _ = await connect(world.agency, world.session.pk)
    try:
        for _ in range(2):
            await host.send_json_to({"type": "command", "id": "same-id", "action": "start_decryption"})
        first = await until(host, "ack")
        second = await until(host, "ack")
        assert first["ok"] and second["ok"] and second["result"] == {"replayed": True}
        count = await database_sync_to_async(
            lambda: RoomEvent.objects.filter(session=world.session, kind="decryption_started").count())()
        assert count == 1
    finally:
        await host.disconnect()


async def test_strangers_are_kept_out_until_the_results_are_published():
    world = await opened_world()
    other = await database_sync_to_async(opening)(bidders=3)
    for user in (other.bidders[0], other.agency, None):
        client, ok, code = await connect(user, world.session.pk)
        assert not ok and code == 4403
        await client.disconnect()


async def test_the_public_view_is_read_only_after_publication():
    world = await opened_world()
    await database_sync_to_async(OpeningSession.objects.filter(pk=world.session.pk).update)(state=State.CONFIRMING)
    client, ok, _ = await connect(None, world.session.pk)
    try:
        assert ok
        hello = await client.receive_json_from()
        assert hello["role"] == "public"
        await client.send_json_to({"type": "command", "id": "p1", "action": "confirm"})
        ack = await until(client, "ack")
        assert ack["ok"] is False and ack["errors"] == {"__all__": ["This view is read-only."]}
    finally:
        await client.disconnect()


async def test_the_regulators_board_lists_rooms_in_progress_with_alerts():
    world = await opened_world()
    communicator = WebsocketCommunicator(app, "/ws/board/")
    communicator.scope["user"] = world.regulator
    connected, _ = await communicator.connect()
    try:
        assert connected
        board = await until(communicator, "board")
        row = next(r for r in board["rooms"] if r["id"] == world.session.pk)
        assert row["state"] == State.SIGN_IN and row["bidders"] == 3 and row["signed_in"] == 0
        assert {"kind": "not_signed_in", "text": "3 bidder(s) not signed in"} in row["alerts"]
    finally:
        await communicator.disconnect()
    refused = WebsocketCommunicator(app, "/ws/board/")
    refused.scope["user"] = world.bidders[0]
    connected, code = await refused.connect()
    assert not connected and code == 4403
    await refused.disconnect()
