"""Broadcasts from plain sync code (a Celery worker) reach websocket groups over the real Redis layer, on one
long-lived loop per process instead of a new loop and Redis connection per send."""

import asyncio
import os
import uuid

import pytest
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
