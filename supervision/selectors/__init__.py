"""Reads of supervision, split by sub-domain: complaints, enforcement (cases, leads, the desk), the yearly report."""

from .complaints import (
    Step,
    complaint_timeline,
    complaints_for,
    may_see,
    may_see_complaint,
    objection_holds,
    objection_timeline,
    objections_for,
    open_complaints,
    overdue_complaints,
    overdue_objections,
    working_days_left,
)
from .enforcement import in_region, regulator_due

__all__ = ["Step", "complaint_timeline", "complaints_for", "in_region", "may_see", "may_see_complaint",
           "objection_holds",
           "objection_timeline", "objections_for", "open_complaints", "overdue_complaints", "overdue_objections",
           "regulator_due", "working_days_left"]
