"""Celery tasks of stats: they take ids, load rows and call a service."""

from celery import shared_task
from django.utils import translation

from audit.context import Actor, acting_as

from .models import ImportJob
from .services import history_import_apply, history_import_check, history_import_refuse


@shared_task
def history_import_run(job_id: int) -> str:
    """Check every row of an uploaded file of past deals, then import it whole, or refuse it with its problems."""
    job = ImportJob.objects.select_related("uploaded_by").get(pk=job_id)
    if job.state != ImportJob.State.CHECKING:
        return job.state
    actor = Actor(label=job.uploaded_by.get_username(), source="task", user=job.uploaded_by)
    with acting_as(actor), translation.override(job.language):
        deals = history_import_check(job=job)
        job = history_import_apply(job=job) if deals else history_import_refuse(job=job)
    return job.state


@shared_task
def statistics_index() -> int:
    """Periodic, where Elasticsearch is configured: the rollup into its aggregation index (stats.elastic)."""
    from .elastic import statistics_index as index

    return index()
