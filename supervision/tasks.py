"""Celery tasks of supervision: they call a service."""

from celery import shared_task

from .services.complaints import complaints_flag_overdue


@shared_task
def complaints_sweep() -> int:
    """Periodic sweep: flag objections and complaints past a deadline for the regulator's board (decides nothing)."""
    return complaints_flag_overdue()
