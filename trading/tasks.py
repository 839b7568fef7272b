"""Celery tasks of trading: they take ids, load rows and call a service.

Services never import this module: they queue a task by its name through ``core.effects.task_on_commit``.
"""

import logging

from celery import shared_task

from .lifecycle import project_advance_due, projects_due
from .services.uploads import uploads_sweep as sweep_uploads

logger = logging.getLogger(__name__)


@shared_task
def project_due(project_id: int) -> str:
    """Take the time-driven steps of one project that are due (queued for its deadline or publicity end)."""
    return project_advance_due(project_id=project_id)


@shared_task
def trading_sweep() -> int:
    """Periodic sweep: advance every project with a due step, so a lost timed task cannot leave one stuck."""
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
    """Index (or re-index) one announcement in Elasticsearch (imported here: only deployments with it load it)."""
    from .search import elastic

    elastic.index_announcement(announcement_id=announcement_id)


@shared_task
def uploads_sweep() -> int:
    """Abandon bid uploads left unfinished at the deadline (EB 27) and drop finished uploads' temporary bytes."""
    return sweep_uploads()
