"""Publishing OCDS releases: build each project's releases and store the ones not yet published (append-only).

``releases_publish`` is idempotent: a release id is stored once, whatever runs it — the periodic sweep
(``opendata.tasks.opendata_publish_sweep``, every minute: projects changed in the last hour), the command
``manage.py opendata_publish [--all]`` or the demo seed. A release is never changed; later events publish new
releases, and the record compiles them.

Three kinds of procedure are published: trading's projects (``opendata.ocds``), the sales of land, mining rights and
state property (``opendata.sales``) and the intermediary marketplace's purchases (``opendata.purchases``).
"""

import datetime as dt

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from auctions.models import Lot, LotDocument, Sale
from audit.models import AuditEvent
from audit.services import audit_record
from marketplace.models import Contract as PurchaseContract
from marketplace.models import Purchase
from trading.models import Announcement, Project, Status

from .models import Release
from .ocds import ocid_for, project_releases
from .purchases import STEPS as PURCHASE_ACTIONS
from .purchases import purchase_code, purchase_releases
from .sales import sale_releases

SWEEP_WINDOW = dt.timedelta(hours=1)
SALE_STEPS = ("auctions.notice.publish", "auctions.lot.close", "auctions.approval.decide", "auctions.deal.refuse",
              "auctions.deal.confirm", "auctions.document.publish", "auctions.sale.suspend", "auctions.sale.resume")
PURCHASE_STEPS = list(PURCHASE_ACTIONS)
BATCH = 200


def _publishable():
    return Project.objects.exclude(status=Status.DRAFT).exclude(deal_code__isnull=True).select_related(
        "tenderer", "agency")


def _publishable_sales():
    return Sale.objects.exclude(notice_published_at__isnull=True).exclude(deal_code__isnull=True).select_related(
        "seller", "agency")


def _publishable_purchases():
    return Purchase.objects.select_related("owner")


@transaction.atomic
def releases_publish(*, projects=(), sales=(), purchases=(), now: dt.datetime | None = None) -> int:
    """Store every release of ``projects``, ``sales`` and ``purchases`` not stored yet, in event order; returns how
    many were stored."""
    now = now or timezone.now()
    procedures = [(p.deal_code, p.imported, lambda p=p: project_releases(p, now=now)) for p in projects]
    procedures += [(s.deal_code, False, lambda s=s: sale_releases(s, now=now)) for s in sales]
    procedures += [(purchase_code(p), False, lambda p=p: purchase_releases(p, now=now)) for p in purchases]
    have = set(Release.objects.filter(ocid__in=[ocid_for(code) for code, _i, _r in procedures])
               .values_list("release_id", flat=True))
    rows = []
    for code, imported, releases in procedures:
        for event, data in releases():
            if data["id"] not in have:
                rows.append(Release(release_id=data["id"], ocid=data["ocid"], deal_code=code, tag=event.tag,
                                    date=event.at, published_at=now, imported=imported, data=data))
    Release.objects.bulk_create(rows, ignore_conflicts=True)
    if rows:
        audit_record(action="opendata.publish", object_type="opendata.release", payload={
            "releases": len(rows), "ocids": sorted({r.ocid for r in rows})[:50]})
    return len(rows)


def releases_publish_recent(*, now: dt.datetime | None = None) -> int:
    """The sweep: projects changed in the last hour (a transaction still open at the previous sweep is seen by a
    later one), plus those whose award, contract, contract termination, notice or opening record is that recent;
    sales and purchases with a published step (notice, close, decision, refusal, 成交确认书, signed document,
    suspension, a notice on the portal; selection, contract, delivery …) recorded in the audit chain that recently."""
    now = now or timezone.now()
    since = now - SWEEP_WINDOW
    changed = _publishable().filter(
        Q(updated_at__gte=since) | Q(sections__award__awarded_at__gte=since)
        | Q(sections__award__contract__recorded_at__gte=since) | Q(announcements__published_at__gte=since)
        | Q(sections__award__refused_at__gte=since) | Q(sections__award__contract__terminated_at__gte=since)
        | Q(sections__opening__record__created_at__gte=since)).distinct()
    stored = _in_batches(changed, now, "projects")
    # Sales and purchases: their steps as the audit chain recorded them when they happened (by the indexed action,
    # so the sweep never scans the chain or the halls' bid logs).
    sale_steps = _audited(SALE_STEPS, since)
    lots = [int(pk) for kind, pk in sale_steps if kind == "auctions.lot"]
    lots += LotDocument.objects.filter(pk__in=[int(pk) for kind, pk in sale_steps if kind == "auctions.lotdocument"]
                                       ).values_list("lot_id", flat=True)
    sales = {int(pk) for kind, pk in sale_steps if kind == "auctions.sale"}
    sales |= set(Lot.objects.filter(pk__in=lots).values_list("sale_id", flat=True))
    # a sale's notices (the result notice is published by a task after the close): by their deal code
    sales |= set(Sale.objects.filter(deal_code__in=Announcement.objects.filter(
        project__isnull=True, published_at__gte=since).exclude(deal_code="").values("deal_code"))
        .values_list("pk", flat=True))
    stored += _in_batches(_publishable_sales().filter(pk__in=sales), now, "sales")
    purchase_steps = _audited(PURCHASE_STEPS, since)
    touched = {int(pk) for kind, pk in purchase_steps if kind == "marketplace.purchase"}
    contracts = [int(pk) for kind, pk in purchase_steps if kind == "marketplace.contract"]
    touched |= set(PurchaseContract.objects.filter(pk__in=contracts).values_list("purchase_id", flat=True))
    return stored + _in_batches(_publishable_purchases().filter(pk__in=touched), now, "purchases")


def _audited(actions, since: dt.datetime) -> list[tuple[str, str]]:
    return list(AuditEvent.objects.filter(action__in=actions, created_at__gte=since).values_list("object_type",
                                                                                                  "object_id"))


def releases_publish_all(*, now: dt.datetime | None = None) -> int:
    """Every procedure (the first publication, or after a gap)."""
    now = now or timezone.now()
    return (_in_batches(_publishable(), now, "projects") + _in_batches(_publishable_sales(), now, "sales")
            + _in_batches(_publishable_purchases(), now, "purchases"))


def _in_batches(qs, now: dt.datetime, kind: str) -> int:
    stored, last = 0, 0
    while True:
        batch = list(qs.filter(pk__gt=last).order_by("pk")[:BATCH])
        if not batch:
            return stored
        stored += releases_publish(**{kind: batch}, now=now)
        last = batch[-1].pk
