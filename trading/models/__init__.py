"""The trading models, split by sub-domain. Import them from ``trading.models``."""

from .awards import Award, Candidate, Contract
from .bids import Bid, OpenedDocument
from .keys import BidderKey, Custodian, OpeningKey, UploadSession
from .notices import PORTAL_TYPE, Announcement, NoticeAttachment, PortalType, kinds_of
from .participation import DocumentDownload, Registration, TenderDocument
from .projects import (
    CATEGORY_CODE,
    BaseType,
    CancelReason,
    Category,
    EvaluationMethod,
    ProcurementMethod,
    ProcurementObject,
    Project,
    ProjectTransition,
    Section,
    Status,
)

__all__ = [
    "CATEGORY_CODE", "PORTAL_TYPE", "NoticeAttachment", "PortalType", "kinds_of",
    "Announcement", "Award", "BaseType", "Bid", "BidderKey", "Custodian", "OpeningKey",
    "UploadSession", "CancelReason", "Candidate", "Category", "Contract",
    "DocumentDownload", "OpenedDocument", "EvaluationMethod", "ProcurementMethod", "ProcurementObject", "Project",
    "ProjectTransition", "Registration", "Section", "Status", "TenderDocument",
]
