"""Side effects after commit: Celery tasks and websocket broadcasts.

Every service that wants a task run or a room told goes through these helpers,
so nothing is sent for a transaction that rolls back.
"""

import asyncio
import datetime as dt
import logging
import os
import threading
from collections.abc import Callable
from importlib import import_module

from asgiref.sync import async_to_sync
from channels.layers import InMemoryChannelLayer, get_channel_layer
from django.conf import settings
from django.db import transaction
from django.utils import timezone

logger = logging.getLogger(__name__)


def task_on_commit(task_name: str, *args, eta: dt.datetime | None = None, **kwargs) -> None:
    """Queue the Celery task named ``task_name`` (``"app.tasks.function"``) after the current transaction commits.

    Services name their tasks instead of importing them, so a service module and the tasks module that calls it
    never import each other. With ``eta`` in the future and Celery eager (the embedded default) nothing is
    queued: the periodic sweep that every timed task has picks the work up when it falls due, so timed work
    needs no broker.
    """

    def send():
        if eta is not None and settings.CELERY_TASK_ALWAYS_EAGER and eta > timezone.now():
            return
        task_get(task_name).apply_async(args=args, kwargs=kwargs, eta=eta)

    transaction.on_commit(send)


def task_get(task_name: str):
    """The registered Celery task ``task_name``, importing its module first (a web process may not have yet)."""
    from celery import current_app

    if task_name not in current_app.tasks:
        import_module(task_name.rpartition(".")[0])
    return current_app.tasks[task_name]


def broadcast_on_commit(group: str, message: dict | Callable[[], dict]) -> None:
    """Send ``message`` to a channel-layer group after the current transaction commits.

    ``message`` may be a callable that makes the message at that moment (to stamp the time it leaves)."""

    def send():
        layer = get_channel_layer()
        if layer is None:
            return
        try:
            layer_send(layer, group, message() if callable(message) else message)
        except Exception:
            # A lost broadcast is recovered by clients asking for "everything after N".
            logger.exception("broadcast to %s failed", group)

    transaction.on_commit(send)


class _SenderLoop:
    """One long-lived event loop per process for channel-layer sends made outside any server loop.

    ``async_to_sync`` called from plain sync code (a Celery worker, a management command) runs each send on a new
    event loop, and the Redis layer, which keeps its connections per loop, connects again for every broadcast:
    tens of milliseconds added to every event the worker publishes (the opening table above all). Sends from here
    share one loop and its connection. Made lazily per process id, so a forked worker child gets its own.
    """

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.pid: int | None = None
        self.loop: asyncio.AbstractEventLoop | None = None

    def run(self, coroutine_function, *args, timeout: float = 30):
        with self.lock:
            if self.pid != os.getpid():
                self.loop = asyncio.new_event_loop()
                threading.Thread(target=self.loop.run_forever, name="channel-layer-sender", daemon=True).start()
                self.pid = os.getpid()
        return asyncio.run_coroutine_threadsafe(coroutine_function(*args), self.loop).result(timeout)


_sender = _SenderLoop()


def layer_send(layer, group: str, message: dict) -> None:
    """``layer.group_send`` from sync code, on the process's long-lived sender loop: from a thread of a running server
    too (asgiref's ``sync_to_async``, e.g. a websocket command in Daphne), where the server's own loop may be busy
    writing the previous frame to a thousand sockets (the auction hall) and the broadcast would wait for it.

    The in-memory layer (the embedded default) keeps asyncio queues tied to the server's loop: always asgiref."""
    if isinstance(layer, InMemoryChannelLayer):
        async_to_sync(layer.group_send)(group, message)
    else:
        _sender.run(layer.group_send, group, message)
