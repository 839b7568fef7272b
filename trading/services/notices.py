"""Announcements: the tender notice, clarifications and amendments, publicity and results."""

import datetime as dt
import hashlib
import uuid

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from audit.services import audit_record
from core.effects import task_on_commit

from ..bonds import bonds_sync_deadline
from ..models import Announcement, Category, NoticeAttachment, Project, Status
from ..search.cache import search_generation_bump
from ..storage import protected_path


def notice_publish(*, kind: str, title: str, body: str, category: str, region: str = "", deal_code: str = "",
                   link: str = "", project: Project | None = None, publicity_ends_at: dt.datetime | None = None,
                   attachments=()) -> Announcement:
    """Publish a notice on the public portal now: the one way any app publishes one (docs/portal.md).

    Call it inside the service (and transaction) that causes the notice. ``kind`` is an ``Announcement.Kind``; the
    portal files it under its national notice type (``PORTAL_TYPE``: 交易公告, 变更公告, 中标候选人公示, 中标结果公告,
    合同公示) and ``category`` (工程建设, 政府采购, 土地矿业, 国有产权, 其他). A notice of a trading project passes
    ``project``; another app's passes ``region``, ``deal_code`` and ``link`` (its own public page) instead.
    ``attachments`` are ``(file name, bytes)`` published with it (公告附件), stored with their SHA-256. A notice is
    never edited: a change is a new notice.
    """
    if project is not None:
        category, region, deal_code = project.category, project.region, project.deal_code or ""
    if kind not in Announcement.Kind.values or category not in Category.values:
        raise ValueError(f"unknown notice kind {kind!r} or category {category!r}")
    announcement = Announcement.objects.create(
        project=project, kind=kind, title=title[:300], body=body, published_at=timezone.now(),
        publicity_ends_at=publicity_ends_at, category=category, region=region, deal_code=deal_code, link=link,
    )
    stored = []
    for name, data in attachments:
        relative = f"notices/{announcement.pk}/{uuid.uuid4().hex}.bin"
        path = protected_path(relative)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        stored.append(NoticeAttachment.objects.create(announcement=announcement, name=name[:200],
                                                      storage_path=relative, size=len(data),
                                                      sha256=hashlib.sha256(data).hexdigest()))
    audit_record(action="trading.announcement.publish", obj=announcement, payload={
        "deal_code": deal_code, "kind": kind, "category": category, "title": announcement.title,
        "attachments": [{"name": a.name, "sha256": a.sha256} for a in stored],
    })
    _index_on_commit(announcement.pk)
    return announcement


def announcement_publish(*, project: Project, kind: str, title: str, body: str,
                         publicity_ends_at: dt.datetime | None = None, attachments=()) -> Announcement:
    """Publish a notice of a trading project (``notice_publish`` with the project's facts)."""
    return notice_publish(project=project, kind=kind, title=title, body=body, category=project.category,
                          publicity_ends_at=publicity_ends_at, attachments=attachments)


def announcement_reindex_project(*, project: Project) -> None:
    """Refresh the search of a project's notices (their status filter changed): the search page's cache, and the
    Elasticsearch index when there is one."""
    search_generation_bump()
    if getattr(settings, "ELASTICSEARCH_URL", None):
        for pk in project.announcements.values_list("pk", flat=True):
            _index_on_commit(pk)


def _index_on_commit(announcement_id: int) -> None:
    if getattr(settings, "ELASTICSEARCH_URL", None):
        task_on_commit("trading.tasks.announcement_index", announcement_id)


@transaction.atomic
def announcement_amend(*, project: Project, user, kind: str, title: str, body: str,
                       new_bid_deadline: dt.datetime | None = None) -> Announcement:
    """Publish a clarification (澄清) or amendment (变更) of the tender documents.

    ZB 23: one issued less than TRADING_AMENDMENT_MIN_DAYS (15) days before the
    bid deadline must move the deadline to at least that many days after it.
    """
    from ..selectors import is_party

    project = Project.objects.select_for_update(no_key=True).get(pk=project.pk)
    if kind not in (Announcement.Kind.CLARIFICATION, Announcement.Kind.AMENDMENT):
        raise ValidationError({"kind": _("Choose clarification or amendment.")})
    if not is_party(user=user, project=project):
        raise PermissionDenied(_("Only the tenderer or its agency may clarify or amend the tender documents."))
    if project.status != Status.PUBLISHED:
        raise ValidationError({"status": _("Clarifications and amendments are published while the project accepts "
                                           "bids; this project is “%(s)s”.") % {"s": project.get_status_display()}})
    if not title.strip() or not body.strip():
        raise ValidationError({"title": _("Give the notice a title and a body.")})
    now = timezone.now()
    min_days = getattr(settings, "TRADING_AMENDMENT_MIN_DAYS", 15)
    earliest = now + dt.timedelta(days=min_days)
    when = timezone.localtime(earliest).strftime("%Y-%m-%d %H:%M")
    if new_bid_deadline is not None and new_bid_deadline < earliest:
        raise ValidationError({"new_bid_deadline": _(
            "The new bid deadline must be at least %(days)d days after this notice, i.e. not before %(when)s."
        ) % {"days": min_days, "when": when}})
    if new_bid_deadline is None and project.bid_deadline < earliest:
        raise ValidationError({"new_bid_deadline": _(
            "This notice comes less than %(days)d days before the bid deadline (%(deadline)s), so the deadline must "
            "move: give a new bid deadline not before %(when)s."
        ) % {"days": min_days, "deadline": timezone.localtime(project.bid_deadline).strftime("%Y-%m-%d %H:%M"),
             "when": when}})
    old_deadline = project.bid_deadline
    if new_bid_deadline is not None:
        project.bid_deadline = new_bid_deadline
        if project.documents_end and project.documents_end > new_bid_deadline:
            project.documents_end = new_bid_deadline
        project.save(update_fields=["bid_deadline", "documents_end", "updated_at"])
        body = body + "\n" + _("The bid deadline and opening time move from %(old)s to %(new)s.") % {
            "old": timezone.localtime(old_deadline).strftime("%Y-%m-%d %H:%M"),
            "new": timezone.localtime(new_bid_deadline).strftime("%Y-%m-%d %H:%M"),
        }
        task_on_commit("trading.tasks.project_due", project.pk, eta=new_bid_deadline)
        bonds_sync_deadline(project)  # bonds must arrive by the new deadline
    announcement = announcement_publish(project=project, kind=kind, title=title, body=body)
    audit_record(action=f"trading.project.{kind}", obj=project, payload={
        "deal_code": project.deal_code, "announcement": announcement.pk,
        "old_deadline": old_deadline, "new_deadline": new_bid_deadline,
    })
    return announcement
