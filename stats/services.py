"""History import (历史成交数据导入): past deals become trading projects marked as imported, whole files or nothing.

``history_import_start`` reads the upload and queues the job; the task ``stats.tasks.history_import_run`` checks
every row (progress saved as it goes) and, when no row has a problem, writes the whole file in one transaction
(``history_import_apply``). A file with a bad row is refused with every problem listed and nothing written.
Importing the same file again changes nothing (idempotent by deal code); a corrected row updates its deal.
The statistics rollup follows through its triggers; open data publishes the deals like native ones.
"""

import datetime as dt
import hashlib

from django.conf import settings
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from accounts.models import Organisation
from audit.services import audit_record
from core.effects import task_on_commit
from trading.models import Award, Contract, EvaluationMethod, Project, Section, Status

from .history import ROW, PastDeal, RowError, column_header, row_check, rows_read
from .models import ImportJob
from .selectors import SHANGHAI

PROGRESS_EVERY = 25
SECTION_CODE = "001"


@transaction.atomic
def history_import_start(*, user, file_name: str, content: bytes) -> ImportJob:
    """Read an uploaded file and queue its check and import; ValidationError({"file": …}) if it cannot be read."""
    rows = rows_read(file_name=file_name, content=content)
    job = ImportJob.objects.create(file_name=file_name[:200], file_sha256=hashlib.sha256(content).hexdigest(),
                                   rows=rows, total=len(rows), uploaded_by=user,
                                   language=translation.get_language() or settings.LANGUAGE_CODE)
    audit_record(action="stats.history.upload", obj=job, payload={
        "file": job.file_name, "sha256": job.file_sha256, "rows": job.total})
    task_on_commit("stats.tasks.history_import_run", job.pk)
    return job


def history_import_check(*, job: ImportJob) -> list[PastDeal]:
    """Check every row, saving progress every few rows (each save its own short transaction, so the page sees it).
    Returns the checked deals; the problems are on ``job.errors``."""
    deals, errors = _check(job, save_progress=True)
    ImportJob.objects.filter(pk=job.pk).update(checked=job.total, errors=[e.as_dict() for e in errors])
    job.refresh_from_db()
    return deals if not errors else []


@transaction.atomic
def history_import_apply(*, job: ImportJob) -> ImportJob:
    """Write every deal of a checked file in one transaction, or none: the rows are checked again under the lock
    (the world may have moved since), and any problem refuses the whole file."""
    job = ImportJob.objects.select_for_update(no_key=True).get(pk=job.pk)
    if job.state != ImportJob.State.CHECKING:
        return job
    deals, errors = _check(job, save_progress=False)
    if errors or job.errors:
        return _refuse(job, errors or [RowError(**e) for e in job.errors])
    job.state = ImportJob.State.IMPORTING
    counts = {"created": 0, "updated": 0, "unchanged": 0}
    organisations = _organisations(deals)
    existing = {p.deal_code: p for p in Project.objects.filter(deal_code__in=[d.deal_code for d in deals])}
    for deal in deals:
        counts[_write(deal, existing.get(deal.deal_code), organisations, job.uploaded_by)] += 1
    job.state, job.finished_at = ImportJob.State.DONE, timezone.now()
    job.created, job.updated, job.unchanged = counts["created"], counts["updated"], counts["unchanged"]
    job.checked = job.total
    job.save()
    audit_record(action="stats.history.import", obj=job, payload={
        "file": job.file_name, "sha256": job.file_sha256, **counts,
        "deal_codes": [deal.deal_code for deal in deals]})
    return job


@transaction.atomic
def history_import_refuse(*, job: ImportJob) -> ImportJob:
    """Close a job whose check found problems: nothing of the file is written."""
    job = ImportJob.objects.select_for_update(no_key=True).get(pk=job.pk)
    return _refuse(job, [RowError(**e) for e in job.errors])


def _refuse(job: ImportJob, errors: list[RowError]) -> ImportJob:
    job.state, job.finished_at = ImportJob.State.REFUSED, timezone.now()
    job.errors = [e.as_dict() for e in errors]
    job.save()
    audit_record(action="stats.history.refuse", obj=job, payload={
        "file": job.file_name, "sha256": job.file_sha256, "problems": len(errors)})
    return job


def _check(job: ImportJob, *, save_progress: bool) -> tuple[list[PastDeal], list[RowError]]:
    deals, errors, seen = [], [], {}
    for index, row in enumerate(job.rows, start=1):
        deal, problems = row_check(row)
        errors += problems
        if deal is not None:
            if deal.deal_code in seen:
                errors.append(RowError(row=row[ROW], column=column_header(row, "deal_code"), message=_(
                    "The same deal code is on row %(row)d; each deal once.") % {"row": seen[deal.deal_code]}))
            else:
                seen[deal.deal_code] = row[ROW]
                deals.append(deal)
        if save_progress and index % PROGRESS_EVERY == 0:
            ImportJob.objects.filter(pk=job.pk).update(checked=index)
    errors += _database_problems(job, deals)
    errors.sort(key=lambda e: e.row)
    return deals, errors


def _database_problems(job: ImportJob, deals: list[PastDeal]) -> list[RowError]:
    rows = {row[ROW]: row for row in job.rows}
    problems = []
    native = set(Project.objects.filter(deal_code__in=[d.deal_code for d in deals], imported=False)
                 .values_list("deal_code", flat=True))
    codes = {d.tenderer_code for d in deals} | {d.winner_code for d in deals}
    known = set(Organisation.objects.filter(credit_code__in=codes).values_list("credit_code", flat=True))
    names = {(o.name, o.org_type): o.credit_code for o in Organisation.objects.filter(
        name__in={d.tenderer for d in deals} | {d.winner for d in deals})}
    for deal in deals:
        row = rows[deal.row]
        if deal.deal_code in native:
            problems.append(RowError(row=deal.row, column=column_header(row, "deal_code"), message=_(
                "This deal code belongs to a project run on this platform; import only past deals.")))
        for name, code, org_type, field in ((deal.tenderer, deal.tenderer_code, Organisation.Type.TENDERER, "tenderer"),
                                            (deal.winner, deal.winner_code, Organisation.Type.BIDDER, "winner")):
            other = names.get((name, org_type))
            if code not in known and other and other != code:
                problems.append(RowError(row=deal.row, column=column_header(row, field), message=_(
                    "“%(name)s” is registered with the credit code %(code)s; use that code or the registered "
                    "name.") % {"name": name, "code": other}))
    return problems


def _organisations(deals: list[PastDeal]) -> dict[str, Organisation]:
    """The tenderers and winners by credit code; those not yet registered are created (a past deal's parties)."""
    wanted = {}
    for deal in deals:
        wanted.setdefault(deal.tenderer_code, (deal.tenderer, Organisation.Type.TENDERER))
        wanted.setdefault(deal.winner_code, (deal.winner, Organisation.Type.BIDDER))
    found = {o.credit_code: o for o in Organisation.objects.filter(credit_code__in=wanted)}
    for code, (name, org_type) in wanted.items():
        if code not in found:
            found[code] = Organisation.objects.create(name=name, credit_code=code, org_type=org_type)
    return found


def _noon(day: dt.date | None) -> dt.datetime | None:
    """A past deal's day as a time: noon in Asia/Shanghai, so it counts on that day whatever the zone."""
    return dt.datetime.combine(day, dt.time(12), tzinfo=SHANGHAI) if day else None


def _write(deal: PastDeal, project: Project | None, organisations: dict, user) -> str:
    tenderer, winner = organisations[deal.tenderer_code], organisations[deal.winner_code]
    fields = {"title": deal.title, "category": deal.category, "region": deal.region,
              "procurement_method": deal.method, "tenderer": tenderer, "announcement_at": _noon(deal.announced_on)}
    award_fields = {"organisation": winner, "amount": deal.amount, "base_amount": deal.base_amount,
                    "base_type": deal.base_type, "awarded_at": _noon(deal.awarded_on)}
    if project is None:
        project = Project.objects.create(
            **fields, deal_code=deal.deal_code, imported=True, status=Status.ARCHIVED,
            evaluation_method=EvaluationMethod.LOWEST_PRICE if deal.base_type in ("budget", "price_cap") else "",
            description=_("Imported from earlier records (history import)."), created_by=user)
        section = Section.objects.create(project=project, code=SECTION_CODE, name=deal.title,
                                         base_amount=deal.base_amount, base_type=deal.base_type)
        award = Award.objects.create(section=section, awarded_by=user, **award_fields)
        if deal.contract_on:
            Contract.objects.create(award=award, signed_on=deal.contract_on, amount=deal.amount, recorded_by=user,
                                    recorded_at=timezone.now())
        return "created"
    section = project.sections.get(code=SECTION_CODE)
    award = section.award
    contract = Contract.objects.filter(award=award).first()
    same = (all(getattr(project, k) == v for k, v in fields.items())
            and section.base_amount == deal.base_amount and section.base_type == deal.base_type
            and all(getattr(award, k) == v for k, v in award_fields.items())
            and (contract.signed_on if contract else None) == deal.contract_on)
    if same:
        return "unchanged"
    Project.objects.filter(pk=project.pk).update(**fields, updated_at=timezone.now())
    Section.objects.filter(pk=section.pk).update(name=deal.title, base_amount=deal.base_amount,
                                                 base_type=deal.base_type)
    Award.objects.filter(pk=award.pk).update(**award_fields)
    if contract and not deal.contract_on:
        contract.delete()
    elif deal.contract_on:
        Contract.objects.update_or_create(award=award, defaults={
            "signed_on": deal.contract_on, "amount": deal.amount, "recorded_by": user, "recorded_at": timezone.now()})
    return "updated"
