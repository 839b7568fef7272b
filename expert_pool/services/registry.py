"""The expert registry: profiles, declared relations, leave, CSV import."""

import csv
import datetime as dt
import io
import secrets

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.credit_code import CreditCodeError, normalise
from accounts.credit_code import validate as validate_code
from accounts.models import Organisation, Role, User
from accounts.services import user_create
from audit.services import audit_record
from core.effects import task_on_commit

from ..models import Expert, ImportJob, Leave, Relation, Specialty, Title


def _specialty(code: str, field: str) -> Specialty:
    specialty = Specialty.objects.filter(code=code.strip()).first()
    if specialty is None:
        raise ValidationError({field: _("Specialty code “%(code)s” is not in the taxonomy. "
                                        "Use a code listed on the specialties page, e.g. A0801.") % {"code": code}})
    return specialty


def _employer(*, credit_code: str) -> Organisation | None:
    if not credit_code:
        return None
    return Organisation.objects.filter(credit_code=normalise(credit_code)).first()


def _validate_profile(*, title: str, years_of_practice: int, region: str) -> None:
    errors = {}
    if title not in Title.values:
        errors["title"] = _("Choose a title: %(choices)s.") % {"choices": ", ".join(Title.values)}
    if not 0 <= years_of_practice <= 70:
        errors["years_of_practice"] = _("Years of practice must be between 0 and 70.")
    if len(region) != 6 or not region.isdigit():
        errors["region"] = _("The region is a 6-digit administrative division code, e.g. 310000.")
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def expert_create(*, user: User, id_number: str, primary_specialty: str, secondary_specialties: list[str],
                  title: str, years_of_practice: int, employer_name: str, region: str,
                  employer_credit_code: str = "", status: str = Expert.Status.ACTIVE) -> Expert:
    """Register ``user`` (role expert) in the pool."""
    if user.role != Role.EXPERT:
        raise ValidationError({"user": _("Only a person with the expert role can be registered as an expert.")})
    if Expert.objects.filter(user=user).exists():
        raise ValidationError({"user": _("This person is already in the expert pool.")})
    if Expert.objects.filter(id_number=id_number).exists():
        raise ValidationError({"id_number": _("Certificate number %(no)s is already registered. "
                                              "Check the number on the expert certificate.") % {"no": id_number}})
    if status not in Expert.Status.values:
        raise ValidationError({"status": _("Status must be active, suspended or retired.")})
    _validate_profile(title=title, years_of_practice=years_of_practice, region=region)
    primary = _specialty(primary_specialty, "primary_specialty")
    secondaries = [_specialty(code, "secondary_specialties") for code in secondary_specialties if code.strip()]
    expert = Expert.objects.create(
        user=user, id_number=id_number, primary_specialty=primary, title=title,
        years_of_practice=years_of_practice, employer=_employer(credit_code=employer_credit_code),
        employer_name=employer_name.strip(), region=region, status=status,
    )
    expert.secondary_specialties.set([s for s in secondaries if s.pk != primary.pk])
    audit_record(action="expert_pool.expert.create", obj=expert, payload={
        "user": user.username, "id_number": id_number, "primary": primary.pk,
        "secondary": sorted(s.pk for s in secondaries), "employer": employer_name, "region": region, "status": status,
    })
    return expert


@transaction.atomic
def expert_profile_update(*, expert: Expert, primary_specialty: str, secondary_specialties: list[str], title: str,
                          years_of_practice: int, employer_name: str, employer_credit_code: str,
                          region: str) -> Expert:
    """The expert keeps their own profile up to date."""
    _validate_profile(title=title, years_of_practice=years_of_practice, region=region)
    primary = _specialty(primary_specialty, "primary_specialty")
    secondaries = [_specialty(code, "secondary_specialties") for code in secondary_specialties if code.strip()]
    expert.primary_specialty = primary
    expert.title = title
    expert.years_of_practice = years_of_practice
    expert.employer_name = employer_name.strip()
    expert.employer = _employer(credit_code=employer_credit_code)
    expert.region = region
    expert.save()
    expert.secondary_specialties.set([s for s in secondaries if s.pk != primary.pk])
    audit_record(action="expert_pool.expert.update", obj=expert, payload={
        "primary": primary.pk, "secondary": sorted(s.pk for s in secondaries), "title": title,
        "years": years_of_practice, "employer": employer_name, "region": region,
    })
    return expert


@transaction.atomic
def expert_status_set(*, expert: Expert, status: str, reason: str) -> Expert:
    """Suspend, retire or reactivate an expert (the pool's managers do this)."""
    if status not in Expert.Status.values:
        raise ValidationError({"status": _("Status must be active, suspended or retired.")})
    if not reason.strip():
        raise ValidationError({"reason": _("Give the reason for the change of status.")})
    before = expert.status
    expert.status = status
    expert.save(update_fields=["status", "updated_at"])
    audit_record(action="expert_pool.expert.status", obj=expert,
                 payload={"from": before, "to": status, "reason": reason})
    return expert


@transaction.atomic
def relation_declare(*, expert: Expert, kind: str, organisation_name: str, credit_code: str = "",
                     starts_on: dt.date | None = None, ends_on: dt.date | None = None) -> Relation:
    """Record a tie the expert declares with an organisation."""
    errors = {}
    if kind not in Relation.Kind.values:
        errors["kind"] = _("Choose the kind of relation: relative, employment, director or shareholder.")
    if not organisation_name.strip():
        errors["organisation_name"] = _("Name the organisation.")
    code = ""
    if credit_code.strip():
        try:
            code = validate_code(normalise(credit_code))
        except CreditCodeError:
            errors["credit_code"] = _("“%(code)s” is not a valid unified social credit code. "
                                      "Copy it from the business licence or leave it empty.") % {"code": credit_code}
    if starts_on and ends_on and ends_on < starts_on:
        errors["ends_on"] = _("The relation cannot end before it starts.")
    if errors:
        raise ValidationError(errors)
    organisation = Organisation.objects.filter(credit_code=code).first() if code else None
    relation = Relation.objects.create(
        expert=expert, kind=kind, organisation=organisation, organisation_name=organisation_name.strip(),
        credit_code=code, starts_on=starts_on, ends_on=ends_on,
    )
    audit_record(action="expert_pool.relation.declare", obj=relation, payload={
        "expert": expert.pk, "kind": kind, "organisation": organisation_name, "credit_code": code,
        "starts_on": starts_on, "ends_on": ends_on,
    })
    return relation


@transaction.atomic
def relation_withdraw(*, relation: Relation) -> None:
    """Remove a declaration made in error (the audit chain keeps it)."""
    audit_record(action="expert_pool.relation.withdraw", obj=relation,
                 payload={"expert": relation.expert_id, "kind": relation.kind,
                          "organisation": relation.organisation_name})
    relation.delete()


@transaction.atomic
def leave_add(*, expert: Expert, starts_at: dt.datetime, ends_at: dt.datetime, reason: str = "") -> Leave:
    """Declare a period in which the expert cannot evaluate."""
    if ends_at <= starts_at:
        raise ValidationError({"ends_at": _("The leave must end after it starts.")})
    if ends_at <= timezone.now():
        raise ValidationError({"ends_at": _("This period is already over; declare leave that is still to come.")})
    leave = Leave.objects.create(expert=expert, starts_at=starts_at, ends_at=ends_at, reason=reason.strip())
    audit_record(action="expert_pool.leave.add", obj=leave,
                 payload={"expert": expert.pk, "starts_at": starts_at, "ends_at": ends_at, "reason": reason})
    return leave


@transaction.atomic
def leave_remove(*, leave: Leave) -> None:
    audit_record(action="expert_pool.leave.remove", obj=leave,
                 payload={"expert": leave.expert_id, "starts_at": leave.starts_at, "ends_at": leave.ends_at})
    leave.delete()


# CSV import ---------------------------------------------------------------------------------------

IMPORT_COLUMNS = [
    "username", "display_name", "phone", "email", "id_number", "primary_specialty", "secondary_specialties",
    "title", "years_of_practice", "employer_name", "employer_credit_code", "region", "status",
]
REQUIRED_COLUMNS = ["username", "display_name", "id_number", "primary_specialty", "title", "years_of_practice",
                    "employer_name", "region"]
PROGRESS_EVERY = 20


@transaction.atomic
def import_job_create(*, uploaded_by: User, file_name: str, data: bytes) -> ImportJob:
    """Accept a CSV file (UTF-8, header row) and queue it; the header is checked at once."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ValidationError({"file": _("The file is not UTF-8 text. Save it as “CSV UTF-8” and upload it again.")})
    reader = csv.reader(io.StringIO(text))
    header = [column.strip() for column in next(reader, [])]
    missing = [column for column in REQUIRED_COLUMNS if column not in header]
    if missing:
        raise ValidationError({"file": _(
            "The header row lacks the columns: %(cols)s. Download the template and keep its first row."
        ) % {"cols": ", ".join(missing)}})
    total = sum(1 for row in reader if any(cell.strip() for cell in row))
    if total == 0:
        raise ValidationError({"file": _("The file has a header row but no experts.")})
    job = ImportJob.objects.create(uploaded_by=uploaded_by, file_name=file_name, content=text, total=total)
    audit_record(action="expert_pool.import.create", obj=job, payload={"file": file_name, "rows": total})
    task_on_commit("expert_pool.tasks.import_job_run_task", job.pk)
    return job


def _import_row(row: dict) -> Expert:
    errors = {}
    for column in REQUIRED_COLUMNS:
        if not row.get(column, "").strip():
            errors[column] = _("This column is empty; fill it in.")
    years = row.get("years_of_practice", "").strip()
    if years and not years.isdigit():
        errors["years_of_practice"] = _("Write the years of practice as a whole number, e.g. 12.")
    if User.objects.filter(username=row.get("username", "").strip()).exists():
        errors["username"] = _("User name “%(name)s” is taken; choose another.") % {"name": row["username"]}
    if errors:
        raise ValidationError(errors)
    user = user_create(
        username=row["username"].strip(), password=secrets.token_urlsafe(24), role=Role.EXPERT,
        display_name=row["display_name"].strip(), email=row.get("email", "").strip(),
        phone=row.get("phone", "").strip(),
    )
    return expert_create(
        user=user, id_number=row["id_number"].strip(), primary_specialty=row["primary_specialty"],
        secondary_specialties=row.get("secondary_specialties", "").replace(",", ";").split(";"),
        title=row["title"].strip(), years_of_practice=int(years), employer_name=row["employer_name"],
        employer_credit_code=row.get("employer_credit_code", "").strip(), region=row["region"].strip(),
        status=row.get("status", "").strip() or Expert.Status.ACTIVE,
    )


def import_job_run(*, job: ImportJob) -> ImportJob:
    """Import every row in its own transaction; a bad row is reported and the others go on.

    Row numbers are those a spreadsheet shows: the header is row 1. Progress is
    saved every few rows so the page's progress bar moves.
    """
    if job.state == ImportJob.State.FINISHED:
        return job
    ImportJob.objects.filter(pk=job.pk).update(state=ImportJob.State.RUNNING)
    reader = csv.DictReader(io.StringIO(job.content))
    processed, created, errors = 0, 0, []
    for row_number, row in enumerate(reader, start=2):
        if not any((value or "").strip() for value in row.values()):
            continue
        row = {(key or "").strip(): (value or "") for key, value in row.items()}
        try:
            with transaction.atomic():
                _import_row(row)
            created += 1
        except ValidationError as exc:
            for field, messages in exc.message_dict.items():
                errors.extend({"row": row_number, "field": field, "message": m} for m in messages)
        processed += 1
        if processed % PROGRESS_EVERY == 0:
            ImportJob.objects.filter(pk=job.pk).update(processed=processed, created=created, errors=errors)
    with transaction.atomic():
        ImportJob.objects.filter(pk=job.pk).update(
            processed=processed, created=created, errors=errors, state=ImportJob.State.FINISHED,
            finished_at=timezone.now(),
        )
        job.refresh_from_db()
        audit_record(action="expert_pool.import.finish", obj=job,
                     payload={"rows": processed, "created": created, "errors": len(errors)})
    return job
