"""Credit test helpers: events recorded through the services, files to attach."""

import datetime as dt

from django.core.files.uploadedfile import SimpleUploadedFile

from core.workdays import today
from credit.models import CreditEvent
from credit.services import credit_event_record


def days_ago(n: int) -> dt.date:
    return today() - dt.timedelta(days=n)


def pdf(name: str = "decision.pdf", content: bytes = b"%PDF-1.4 evidence") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="application/pdf")


def event(*, code: str = "bid-not-decrypted", organisation=None, person=None, occurred_on=None,
          deal_code: str = "A3100002026000001", by=None, **kwargs) -> CreditEvent:
    return credit_event_record(behaviour_code=code, organisation=organisation, person=person,
                               occurred_on=occurred_on, deal_code=deal_code,
                               evidence=kwargs.pop("evidence", "开标记录显示投标人未在规定时间内解密。"),
                               by=by, **kwargs)
