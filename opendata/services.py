"""Publishing OCDS releases: build each project's releases and store the ones not yet published (append-only).

``releases_publish`` is idempotent: a release id is stored once, whatever runs it — the periodic sweep
(``opendata.tasks.opendata_publish_sweep``, every minute: projects changed in the last hour), the command
``manage.py opendata_publish [--all]`` or the demo seed. A release is never changed; later events publish new
releases, and the record compiles them.
"""

import datetime as dt

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from audit.services import audit_record
from trading.models import Project, Status

from .models import Release
from .ocds import ocid_for, project_releases

SWEEP_WINDOW = dt.timedelta(hours=1)
BATCH = 200


def _publishable():
    return Project.objects.exclude(status=Status.DRAFT).exclude(deal_code__isnull=True).select_related(
        "tenderer", "agency")


@transaction.atomic
def releases_publish(*, projects, now: dt.datetime | None = None) -> int:
    """Store every release of ``projects`` not stored yet, in event order; returns how many were stored."""
    now = now or timezone.now()
    projects = list(projects)
    have = set(Release.objects.filter(ocid__in=[ocid_for(p.deal_code) for p in projects])
               .values_list("release_id", flat=True))
    rows = []
    for project in projects:
        for event, data in project_releases(project, now=now):
            if data["id"] not in have:
                rows.append(Release(release_id=data["id"], ocid=data["ocid"], deal_code=project.deal_code,
                                    tag=event.tag, date=event.at, published_at=now, imported=project.imported,
                                    data=data))
    Release.objects.bulk_create(rows, ignore_conflicts=True)
    if rows:
        audit_record(action="opendata.publish", object_type="opendata.release", payload={
            "releases": len(rows), "ocids": sorted({r.ocid for r in rows})[:50]})
    return len(rows)


def releases_publish_recent(*, now: dt.datetime | None = None) -> int:
    """The sweep: projects changed in the last hour (a transaction still open at the previous sweep is seen by a
    later one), plus those whose award, contract, contract termination or notice is that recent."""
    now = now or timezone.now()
    since = now - SWEEP_WINDOW
    changed = _publishable().filter(
        Q(updated_at__gte=since) | Q(sections__award__awarded_at__gte=since)
        | Q(sections__award__contract__recorded_at__gte=since) | Q(announcements__published_at__gte=since)
        | Q(sections__award__refused_at__gte=since) | Q(sections__award__contract__terminated_at__gte=since)).distinct()
    return _in_batches(changed, now)


def releases_publish_all(*, now: dt.datetime | None = None) -> int:
    """Every project (the first publication, or after a gap)."""
    return _in_batches(_publishable(), now or timezone.now())


def _in_batches(qs, now: dt.datetime) -> int:
    stored, last = 0, 0
    while True:
        batch = list(qs.filter(pk__gt=last).order_by("pk")[:BATCH])
        if not batch:
            return stored
        stored += releases_publish(projects=batch, now=now)
        last = batch[-1].pk
