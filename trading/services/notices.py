"""Announcements: the tender notice, clarifications and amendments, publicity and results."""

import datetime as dt

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from audit.services import audit_record
from core.effects import task_on_commit

from ..bonds import bonds_sync_deadline
from ..models import Announcement, Project, Status


def announcement_publish(*, project: Project, kind: str, title: str, body: str,
                         publicity_ends_at: dt.datetime | None = None) -> Announcement:
    """Publish a notice on the portal now (called inside the service that causes it)."""
    announcement = Announcement.objects.create(
        project=project, kind=kind, title=title[:300], body=body, published_at=timezone.now(),
        publicity_ends_at=publicity_ends_at,
    )
    audit_record(action="trading.announcement.publish", obj=announcement, payload={
        "deal_code": project.deal_code, "kind": kind, "title": announcement.title,
    })
    _index_on_commit(announcement.pk)
    return announcement


def announcement_reindex_project(*, project: Project) -> None:
    """Refresh the search index of a project's notices (their status filter changed)."""
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
