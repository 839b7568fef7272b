"""Celery tasks: take ids, load rows, call a service."""

from celery import shared_task

from audit.context import Actor, acting_as

from .models import ImportJob, Seat
from .services import draws, registry

TASK_ACTOR = Actor(label="expert_pool", source="task")


@shared_task
def import_job_run_task(job_id: int) -> None:
    with acting_as(TASK_ACTOR):
        registry.import_job_run(job=ImportJob.objects.get(pk=job_id))


@shared_task(autoretry_for=(OSError, RuntimeError), retry_backoff=True, max_retries=5)
def seat_notify_task(seat_id: int) -> None:
    with acting_as(TASK_ACTOR):
        draws.seat_notify_send(seat=Seat.objects.get(pk=seat_id))


@shared_task
def seats_expire_task() -> int:
    """Periodic sweep (CELERY_BEAT_SCHEDULE) and the timed task at each deadline."""
    with acting_as(TASK_ACTOR):
        return draws.seats_expire_due()


@shared_task
def draws_fallback_task() -> int:
    """Periodic sweep and the timed task at each reveal deadline: draw fixed pools whose witness did not reveal."""
    from .services.draw_v2 import draws_fallback_due

    with acting_as(TASK_ACTOR):
        return draws_fallback_due()
