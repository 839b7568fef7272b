"""The supervision models, split by sub-domain. Import them from ``supervision.models``."""

from .complaints import Complaint, ComplaintEvidence, ComplaintPause, Objection, Subject, Track

__all__ = ["Complaint", "ComplaintEvidence", "ComplaintPause", "Objection", "Subject", "Track"]
