"""Broadcasts from plain sync code (a Celery worker, a thread of the server) reach websocket groups over the real
Redis layer, on one long-lived loop per process instead of a new loop and Redis connection per send, and without
waiting for the server's own loop."""

import asyncio
import os
import threading
import uuid

import pytest
from asgiref.sync import sync_to_async
from channels.layers import get_channel_layer

from core import effects

pytestmark = pytest.mark.skipif(not os.environ.get("REDIS_URL"), reason="needs Redis (REDIS_URL), as make test sets")


@pytest.fixture
def redis_layer(settings):
    settings.CHANNEL_LAYERS = {"default": {
        "BACKEND": "channels_redis.pubsub.RedisPubSubChannelLayer",
        "CONFIG": {"hosts": [{"address": os.environ["REDIS_URL"]}], "prefix": f"test-{uuid.uuid4().hex[:8]}"}}}
    return get_channel_layer()


async def test_sends_from_a_worker_thread_share_one_loop_and_arrive_in_order(redis_layer):
    channel = await redis_layer.new_channel()
    await redis_layer.group_add("room-x", channel)
    try:
        # a plain thread, as a Celery worker's task: no server loop to borrow
        for n in range(3):
            await asyncio.to_thread(effects.layer_send, redis_layer, "room-x", {"type": "room.event", "n": n})
        loop = effects._sender.loop
        assert loop is not None and loop.is_running() and effects._sender.pid == os.getpid()
        received = [await asyncio.wait_for(redis_layer.receive(channel), timeout=5) for _ in range(3)]
        assert [m["n"] for m in received] == [0, 1, 2]
        await asyncio.to_thread(effects.layer_send, redis_layer, "room-x", {"type": "room.event", "n": 3})
        assert effects._sender.loop is loop  # the same loop (and its Redis connection) for the next send
        assert (await asyncio.wait_for(redis_layer.receive(channel), timeout=5))["n"] == 3
    finally:
        await redis_layer.group_discard("room-x", channel)


async def test_a_send_from_a_thread_of_the_running_server_does_not_wait_for_the_servers_loop(redis_layer):
    # given a server whose loop is busy (the auction hall's loop writing a frame to a thousand sockets): here it is
    # blocked outright until the broadcast made on one of its threads has left
    channel = await redis_layer.new_channel()
    await redis_layer.group_add("hall-x", channel)
    sent = threading.Event()

    def command():  # a websocket command's database work, on a thread of the server (asgiref's sync_to_async)
        effects.layer_send(redis_layer, "hall-x", {"type": "hall.event", "n": 1})
        sent.set()

    try:
        work = asyncio.ensure_future(sync_to_async(command, thread_sensitive=False)())
        await asyncio.sleep(0)  # the thread starts
        # when the loop is blocked, the send still leaves (on the process's sender loop, not the server's)
        assert sent.wait(timeout=30)
        await work
        assert effects._sender.loop is not asyncio.get_running_loop()
        assert (await asyncio.wait_for(redis_layer.receive(channel), timeout=5))["n"] == 1
    finally:
        await redis_layer.group_discard("hall-x", channel)
