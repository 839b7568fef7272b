"""Celery tasks of trading: they take ids, load rows and call a service."""

import logging

from celery import shared_task

logger = logging.getLogger(__name__)


@shared_task
def project_due(project_id: int) -> str:
    """Take the time-driven steps of one project that are due (queued for its deadline or publicity end)."""
    from .lifecycle import project_advance_due

    return project_advance_due(project_id=project_id)


@shared_task
def trading_sweep() -> int:
    """Periodic sweep: advance every project with a due step, so a lost timed task cannot leave one stuck."""
    from .lifecycle import project_advance_due, projects_due

    done = 0
    for project_id in projects_due():
        try:
            project_advance_due(project_id=project_id)
            done += 1
        except Exception:
            logger.exception("trading sweep: project %s could not advance", project_id)
    return done


@shared_task
def announcement_index(announcement_id: int) -> None:
    """Index (or re-index) one announcement in Elasticsearch."""
    from .search import elastic

    elastic.index_announcement(announcement_id=announcement_id)


@shared_task
def complaints_sweep() -> int:
    """Periodic sweep: flag objections and complaints past a deadline for the regulator's board (decides nothing)."""
    from .services.complaints import complaints_flag_overdue

    return complaints_flag_overdue()


@shared_task
def uploads_sweep() -> int:
    """Abandon bid uploads left unfinished at the deadline (EB 27) and drop finished uploads' temporary bytes."""
    from .services.uploads import uploads_sweep as sweep

    return sweep()
