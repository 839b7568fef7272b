"""Side effects after commit: Celery tasks and websocket broadcasts.

Every service that wants a task run or a room told goes through these helpers,
so nothing is sent for a transaction that rolls back.
"""

import datetime as dt
import logging
from collections.abc import Callable

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.conf import settings
from django.db import transaction
from django.utils import timezone

logger = logging.getLogger(__name__)


def task_on_commit(task, *args, eta: dt.datetime | None = None, **kwargs) -> None:
    """Queue ``task`` after the current transaction commits.

    With ``eta`` in the future and Celery eager (the embedded default) nothing is
    queued: the periodic sweep that every timed task has picks the work up when
    it falls due, so timed work needs no broker.
    """

    def send():
        if eta is not None and settings.CELERY_TASK_ALWAYS_EAGER and eta > timezone.now():
            return
        task.apply_async(args=args, kwargs=kwargs, eta=eta)

    transaction.on_commit(send)


def broadcast_on_commit(group: str, message: dict | Callable[[], dict]) -> None:
    """Send ``message`` to a channel-layer group after the current transaction commits.

    ``message`` may be a callable that makes the message at that moment (to stamp the time it leaves)."""

    def send():
        layer = get_channel_layer()
        if layer is None:
            return
        try:
            async_to_sync(layer.group_send)(group, message() if callable(message) else message)
        except Exception:
            # A lost broadcast is recovered by clients asking for "everything after N".
            logger.exception("broadcast to %s failed", group)

    transaction.on_commit(send)
