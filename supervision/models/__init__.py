"""The supervision models, split by sub-domain. Import them from ``supervision.models``."""

from .complaints import PROJECT_SUBJECTS, Complaint, ComplaintEvidence, ComplaintPause, Objection, Subject, Track
from .enforcement import Case, CaseEvidence, CaseParty, Measure
from .indicators import SEVERITY_ORDER, BidFact, BidValue, Lead, SectionFact, SectionScan, Severity

__all__ = ["PROJECT_SUBJECTS", "SEVERITY_ORDER", "BidFact", "BidValue", "Case", "CaseEvidence", "CaseParty",
           "Complaint", "ComplaintEvidence", "ComplaintPause", "Lead", "Measure", "Objection", "SectionFact",
           "SectionScan", "Severity", "Subject", "Track"]
