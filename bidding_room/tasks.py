"""Celery tasks of the opening room: they take ids, load rows and call a service.

Services never import this module: they queue a task by its name through ``core.effects.task_on_commit``.
"""

from celery import shared_task

from .record import record_generate
from .services import bid_decrypt_run, session_open_due, sessions_sweep, window_due


@shared_task
def room_open_due(session_id: int) -> str:
    """Queued for the bid deadline: open the room (or fail it)."""
    return session_open_due(session_id=session_id)


@shared_task
def room_window_due(session_id: int) -> str:
    """Queued for the end of the decryption or objection window."""
    return window_due(session_id=session_id)


@shared_task(acks_late=True)
def room_decrypt(entry_id: int) -> str:
    """Decrypt one released bid with the opening service, reporting progress."""
    return bid_decrypt_run(entry_id=entry_id)


@shared_task
def room_record(session_id: int) -> str:
    """Render, sign and publish the opening record."""
    return record_generate(session_id=session_id).sha256


@shared_task
def room_sweep() -> dict:
    """Periodic sweep: nothing timed in the room depends on a single task arriving."""
    return sessions_sweep()
