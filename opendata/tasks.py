"""Celery tasks of opendata."""

from celery import shared_task

from .services import releases_publish_recent


@shared_task
def opendata_publish_sweep() -> int:
    """Every minute: publish the releases of recent events (idempotent)."""
    return releases_publish_recent()
