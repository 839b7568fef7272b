"""Celery tasks of the opening room: they take ids, load rows and call a service."""

import logging

from celery import shared_task

logger = logging.getLogger(__name__)


@shared_task
def room_open_due(session_id: int) -> str:
    """Queued for the bid deadline: open the room (or fail it)."""
    from .services import session_open_due

    return session_open_due(session_id=session_id)


@shared_task
def room_window_due(session_id: int) -> str:
    """Queued for the end of the decryption or objection window."""
    from .services import window_due

    return window_due(session_id=session_id)


@shared_task(acks_late=True)
def room_decrypt(entry_id: int) -> str:
    """Decrypt one released bid with the opening service, reporting progress."""
    from .services import bid_decrypt_run

    return bid_decrypt_run(entry_id=entry_id)


@shared_task
def room_record(session_id: int) -> str:
    """Render, sign and publish the opening record."""
    from .record import record_generate

    return record_generate(session_id=session_id).sha256


@shared_task
def room_sweep() -> dict:
    """Periodic sweep: nothing timed in the room depends on a single task arriving."""
    from .services import sessions_sweep

    return sessions_sweep()
