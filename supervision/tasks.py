"""Celery tasks of supervision: they call a service."""

from celery import shared_task

from .services.cases import cases_flag_overdue, suspensions_lift_ended
from .services.complaints import complaints_flag_overdue
from .services.leads import leads_refresh


@shared_task
def complaints_sweep() -> int:
    """Periodic sweep: flag objections and complaints past a deadline for the regulator's board (decides nothing)."""
    return complaints_flag_overdue()


@shared_task
def supervision_sweep() -> dict:
    """Periodic sweep: compute the leads of newly opened sections, flag overdue cases, lift ended suspensions."""
    result = leads_refresh()
    return {"sections": result.sections, "created": result.created, "overdue_cases": cases_flag_overdue(),
            "suspensions_lifted": suspensions_lift_ended()}
