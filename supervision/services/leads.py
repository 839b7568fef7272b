"""Computing leads (signals and red flags) and handling them: open a case from one, or dismiss it with a reason.

``leads_refresh`` is incremental: it extracts the facts of the sections whose opening is over and that were never
scanned or changed since their last scan (``SectionScan``), and computes their indicators from them; ``full=True``
computes every eligible section's indicators from the stored facts, ``rebuild=True`` extracts every section's facts
again first. A finding is
stored once under its key; a lead a regulator has handled is never changed or removed by a later run, a new one
that is no longer found is removed.
"""

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Role
from audit.services import audit_record
from core.workdays import today
from trading.models import Project, Section

from .. import conf
from ..indicators import facts, flags, signals, sql
from ..indicators.catalogue import BY_CODE
from ..models import Lead, SectionScan

BATCH = 5000  # sections per incremental pass (one array parameter)
VALUE_PLACES = Decimal("0.000001")  # Lead.value's decimal places


@dataclass(frozen=True)
class RefreshResult:
    sections: int
    found: int
    created: int
    removed: int


def _stale_sections(now: dt.datetime, *, rebuild: bool) -> list[int]:
    """The eligible sections whose facts are to be extracted: never scanned, their project changed since their
    scan, their facts from another extraction (or every eligible section, ``rebuild``): one query."""
    query = sql.eligible_sections(now) if rebuild else sql.eligible_sections(now, unscanned=facts.version())
    return sorted(row[0] for row in sql.fetch(*query))


def _findings_of(sections_sql: str, params: list, *, per_bid: bool = False) -> list[signals.Finding]:
    """Every signal and section/project flag of the sections ``sections_sql`` selects (``per_bid``: every section's
    outcome from its bids, not from its section facts — the same leads, found the slow way)."""
    found = signals.shared_values(sections=sections_sql, section_params=params)
    outcomes = flags.section_outcomes(sections=sections_sql, section_params=params, per_bid=per_bid)
    found += signals.prices(ladders=[row["section"] for row in outcomes if row["ladder"]],
                            identical=[row["section"] for row in outcomes if row["same"]])
    found += signals.bond_accounts(sections=sections_sql, section_params=params)
    found += flags.section_flags(outcomes)
    return found + flags.project_flags(sql.projects_of(sections_sql, params))


def _findings(section_ids: list[int], *, now: dt.datetime, full: bool, per_bid: bool) -> list[signals.Finding]:
    """A full run reads the facts of every eligible section; an incremental one those of the sections just
    extracted (eligible by construction), in batches, and the repeated winners of their awards."""
    if full:
        return (_findings_of(*sql.eligible_sections(now), per_bid=per_bid)
                + flags.platform_flags(today=today()))
    found = []
    for start in range(0, len(section_ids), BATCH):
        found += _findings_of(*sql.id_rows(section_ids[start:start + BATCH]), per_bid=per_bid)
    return found + flags.platform_flags(today=today(), sections=section_ids)


def _chunks(items: list, size: int = 5000):
    for start in range(0, len(items), size):
        yield items[start:start + size]


def _stored(by_key: dict[str, signals.Finding]) -> dict[str, tuple]:
    """key → (pk, state, unchanged) of the stored leads under these keys; unchanged: the lead's value and evidence
    say what the finding says (the value as the column keeps it; the evidence compared as JSON by the database, so
    that tens of thousands of stored leads are never decoded here)."""
    stored = {}
    for chunk in _chunks(list(by_key)):
        documents = DjangoJSONEncoder().encode({key: by_key[key].evidence for key in chunk})
        for key, pk, state, value, same in sql.json_compared(Lead._meta.db_table, ("id", "state", "value"),
                                                             documents):
            finding = by_key[key].value
            stored[key] = (pk, state, bool(same) and value == (
                None if finding is None else finding.quantize(VALUE_PLACES)))
    return stored


def _placed(new: list[signals.Finding]) -> dict[int, str]:
    """Name the project of the new section findings that lack it; project → region of the new findings."""
    section_project = {}
    for chunk in _chunks(sorted({f.section_id for f in new if f.section_id and not f.project_id})):
        section_project.update(Section.objects.filter(pk__in=chunk).values_list("pk", "project_id"))
    for finding in new:
        if finding.section_id and not finding.project_id:
            finding.project_id = section_project[finding.section_id]
    regions = {}
    for chunk in _chunks(sorted({f.project_id for f in new if f.project_id})):
        regions.update(Project.objects.filter(pk__in=chunk).values_list("pk", "region"))
    return regions


def _store(found: list[signals.Finding], *, section_ids: list[int], now: dt.datetime,
           full: bool) -> tuple[int, int]:
    """Create the new leads, refresh the unhandled ones, remove unhandled ones of these sections no longer found."""
    by_key = {f.key: f for f in found}
    existing = _stored(by_key)  # key → (pk, state, unchanged)
    # An unhandled lead found again is rewritten only when its value or evidence changed.
    refreshed = [Lead(pk=pk, value=by_key[key].value, evidence=by_key[key].evidence)
                 for key, (pk, state, unchanged) in existing.items() if state == Lead.State.NEW and not unchanged]
    Lead.objects.bulk_update(refreshed, ["value", "evidence"], batch_size=1000)
    new = [f for f in found if f.key not in existing]
    created = _create(new, regions=_placed(new), now=now)
    # What a run no longer finds goes, unless a regulator handled it: every platform-wide flag, and the leads of
    # the sections (and their projects) the run computed.
    platform_codes = ["REPEAT_WINNER", "FAILURE_RATE"]
    unhandled = Lead.objects.filter(state=Lead.State.NEW)
    if full:
        # Every unhandled lead is found again or new, unless some are no longer found: only then read them all.
        again = sum(1 for _, state, _ in existing.values() if state == Lead.State.NEW)
        candidates = [] if unhandled.count() == again + created else list(
            unhandled.values_list("pk", "key").iterator(5000))
    else:
        candidates = []
        for chunk in _chunks(section_ids, BATCH):
            candidates += unhandled.filter(Q(section_id__in=chunk) | Q(section__isnull=True,
                                                                       project__sections__in=chunk)).values_list(
                "pk", "key")
        candidates += unhandled.filter(code__in=platform_codes).values_list("pk", "key")
    stale = sorted({pk for pk, key in candidates if key not in by_key})
    removed = 0
    for chunk in _chunks(stale):
        removed += Lead.objects.filter(pk__in=chunk).delete()[1].get("supervision.Lead", 0)
    return created, removed


def _create(new: list[signals.Finding], *, regions: dict, now: dt.datetime) -> int:
    """Store new leads and the organisations they name: COPY on PostgreSQL (a first run stores tens of thousands;
    building a model instance per row costs more than finding them), the ORM elsewhere."""
    if not new:
        return 0
    rows = [(BY_CODE[f.code].family, f.code, f.key, conf.severity(f.code), f.project_id, f.section_id,
             f.organisation_id, f.value, f.evidence, regions.get(f.project_id, ""), now) for f in new]
    columns = ["family", "code", "key", "severity", "project_id", "section_id", "organisation_id", "value",
               "evidence", "region", "detected_at"]
    through = Lead.organisations.through
    if not sql.postgres():
        created = Lead.objects.bulk_create([Lead(**dict(zip(columns, row, strict=True))) for row in rows],
                                           batch_size=500)
        keyed = {lead.key: lead.pk for lead in created}
        through.objects.bulk_create([through(lead_id=keyed[f.key], organisation_id=org) for f in new
                                     for org in f.organisation_ids], batch_size=500, ignore_conflicts=True)
        return len(created)
    encode = DjangoJSONEncoder().encode
    sql.copy_rows(Lead._meta.db_table, [*columns, "state", "reason"],
                  [(*row[:8], encode(row[8]), *row[9:], Lead.State.NEW, "") for row in rows])
    keyed = {}
    for chunk in _chunks([f.key for f in new]):
        keyed.update(Lead.objects.filter(key__in=chunk).values_list("key", "pk"))
    sql.copy_rows(through._meta.db_table, ["lead_id", "organisation_id"],
                  [(keyed[f.key], org) for f in new for org in sorted(set(f.organisation_ids))])
    return len(new)


def _scanned(section_ids: list[int], now: dt.datetime) -> None:
    """Record the scan of these sections and the extraction their facts come from (one upsert on PostgreSQL)."""
    version = facts.version()
    if sql.postgres():
        sql.fetch(f"INSERT INTO {SectionScan._meta.db_table} (section_id, scanned_at, facts) "
                  f"SELECT unnest(%s::bigint[]), %s, %s "
                  f"ON CONFLICT (section_id) DO UPDATE SET scanned_at = EXCLUDED.scanned_at, facts = EXCLUDED.facts "
                  f"RETURNING 1", [section_ids, now, version])
        return
    SectionScan.objects.bulk_create([SectionScan(section_id=pk, scanned_at=now, facts=version) for pk in section_ids],
                                    update_conflicts=True, unique_fields=["section"],
                                    update_fields=["scanned_at", "facts"], batch_size=500)


@transaction.atomic
def leads_refresh(*, full: bool = False, rebuild: bool = False, now: dt.datetime | None = None,
                  per_bid: bool = False) -> RefreshResult:
    """Compute the signals and red flags of the sections whose opening is over and store them as leads.

    First the facts of the sections new or changed since their scan are extracted from their bids (``rebuild``:
    of every eligible section); then the indicators are computed from the stored facts — of those sections only,
    or of every eligible section (``full``). ``per_bid`` computes every section's red flags from its bids instead
    of its section facts (the same leads, slower: the check of the fast path)."""
    now = now or timezone.now()
    sql.analytic_session()
    section_ids = _stale_sections(now, rebuild=rebuild)
    facts.extract(section_ids)
    found = _findings(section_ids, now=now, full=full or rebuild, per_bid=per_bid)
    created, removed = _store(found, section_ids=section_ids, now=now, full=full or rebuild)
    _scanned(section_ids, now)
    result = RefreshResult(sections=len(section_ids), found=len(found), created=created, removed=removed)
    if created or removed:
        audit_record(action="supervision.leads.refresh", obj=None, payload={
            "full": full or rebuild, "sections": result.sections, "found": result.found, "created": created,
            "removed": removed})
    return result


def _require_regulator(user) -> None:
    if user.role != Role.REGULATOR:
        raise PermissionDenied(_("Only a regulator handles signals and red flags."))


@transaction.atomic
def lead_dismiss(*, lead: Lead, user, reason: str) -> Lead:
    """Dismiss a lead with the reason (it stays, marked dismissed; a later run never raises it again)."""
    _require_regulator(user)
    lead = Lead.objects.select_for_update(no_key=True).get(pk=lead.pk)
    if lead.state != Lead.State.NEW:
        raise ValidationError({"state": _("This lead was already handled (%(state)s).")
                               % {"state": lead.get_state_display()}})
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Say why this lead needs no case; the reason is kept in the record.")})
    lead.state, lead.reason, lead.handled_by, lead.handled_at = Lead.State.DISMISSED, reason, user, timezone.now()
    lead.save(update_fields=["state", "reason", "handled_by", "handled_at"])
    audit_record(action="supervision.lead.dismiss", obj=lead, payload={"code": lead.code, "key": lead.key,
                                                                        "reason": reason})
    return lead
