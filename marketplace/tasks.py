"""Celery tasks of the marketplace: take ids (or sweep), call a service."""

from celery import shared_task

from audit.context import Actor, acting_as

TASK_ACTOR = Actor(label="marketplace", source="task")


@shared_task
def draws_fallback_task() -> int:
    """Periodic sweep and the timed task at each reveal deadline: draw fixed pools whose witness did not reveal."""
    from .services.draws import draws_fallback_due

    with acting_as(TASK_ACTOR):
        return draws_fallback_due()
