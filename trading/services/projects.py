"""Registering projects and their sections, checking them for publication, re-tendering a failed one."""

import datetime as dt
import re
from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Organisation, Role
from audit.services import audit_record
from deposits.services import bond_amount_check

from ..models import (
    CATEGORY_CODE,
    Category,
    EvaluationMethod,
    ProcurementObject,
    Project,
    Section,
    Status,
)
from ..selectors import is_party

# Fields of a project that may be set at creation and changed while it is a draft.
EDITABLE_FIELDS = (
    "title", "description", "category", "region", "procurement_method", "procurement_object",
    "evaluation_method", "evaluation_criteria", "documents_start", "documents_end", "clarification_deadline",
    "bid_deadline", "decryption_window_minutes", "objection_window_minutes", "allow_backup_decryption",
    "key_files_allowed",
)
SCHEDULE_FIELDS = ("documents_start", "documents_end", "clarification_deadline", "bid_deadline")

# Minimum price weight in comprehensive scoring for government procurement, in percent (87号令 art. 55).
MIN_PRICE_WEIGHT = {ProcurementObject.GOODS: Decimal(30), ProcurementObject.SERVICES: Decimal(10)}


def deal_code_check_digit(digits: str) -> str:
    """ISO 7064 MOD 11-10 check digit over a string of digits."""
    product = 10
    for ch in digits:
        total = (int(ch) + product) % 10 or 10
        product = (2 * total) % 11
    return str((11 - product) % 10)


def deal_code_make(*, region: str, category: str, year: int, serial: int) -> str:
    """The unified deal code (统一交易标识码): region(6) category(2) year(4) serial(7) check(1)."""
    body = f"{region}{CATEGORY_CODE[Category(category)]}{year:04d}{serial:07d}"
    return body + deal_code_check_digit(body)


def deal_code_is_valid(code: str) -> bool:
    return bool(re.fullmatch(r"\d{20,}", code)) and deal_code_check_digit(code[:-1]) == code[-1]


def criteria_problems(*, evaluation_method: str, criteria, category: str, procurement_object: str) -> list[str]:
    """Why the evaluation criteria are not acceptable, or an empty list."""
    if not isinstance(criteria, list) or not all(isinstance(c, dict) for c in criteria):
        return [_('Criteria are a list of {"name", "weight", "kind"} entries.')]
    problems = []
    weights = []
    for c in criteria:
        try:
            weight = Decimal(str(c.get("weight")))
        except (InvalidOperation, TypeError):
            problems.append(_("Criterion “%(name)s” needs a numeric weight.") % {"name": c.get("name", "?")})
            continue
        if not str(c.get("name", "")).strip():
            problems.append(_("Every criterion needs a name."))
        if weight <= 0:
            problems.append(_("Criterion “%(name)s” needs a weight above 0.") % {"name": c.get("name", "?")})
        weights.append((c.get("kind"), weight))
    if problems or evaluation_method != EvaluationMethod.COMPREHENSIVE:
        return problems
    if not criteria:
        return [_("Comprehensive scoring needs its criteria and weights.")]
    total = sum(w for _kind, w in weights)
    if total != 100:
        problems.append(_("The weights of comprehensive scoring must add up to 100; they add up to %(total)s.")
                        % {"total": total})
    price = [w for kind, w in weights if kind == "price"]
    if len(price) != 1:
        problems.append(_('Comprehensive scoring needs exactly one criterion of kind "price".'))
    elif category == Category.GOVERNMENT and procurement_object in MIN_PRICE_WEIGHT:
        minimum = MIN_PRICE_WEIGHT[ProcurementObject(procurement_object)]
        if price[0] < minimum:
            problems.append(_("In government procurement of %(object)s the price weight must be at least "
                              "%(min)s%%; it is %(weight)s%%.") % {
                "object": ProcurementObject(procurement_object).label, "min": minimum, "weight": price[0]})
    return problems


def _validate(project: Project) -> None:
    errors: dict[str, list[str]] = {}
    try:
        project.full_clean(exclude=["deal_code", "created_by", "tenderer", "agency", "retender_of"])
    except ValidationError as exc:
        errors.update(exc.message_dict)
    if not re.fullmatch(r"\d{6}", project.region or ""):
        errors.setdefault("region", []).append(_("The region code is the 6-digit administrative division code."))
    if project.category == Category.GOVERNMENT and not project.procurement_object:
        errors.setdefault("procurement_object", []).append(
            _("Government procurement must say whether it buys goods, services or works."))
    problems = criteria_problems(evaluation_method=project.evaluation_method, criteria=project.evaluation_criteria,
                                 category=project.category, procurement_object=project.procurement_object)
    if problems:
        errors.setdefault("evaluation_criteria", []).extend(problems)
    if errors:
        raise ValidationError(errors)


def _section_build(*, project: Project, data: dict) -> Section:
    section = Section(
        project=project, code=str(data.get("code", "")).strip(), name=str(data.get("name", "")).strip(),
        base_amount=data.get("base_amount"), base_type=data.get("base_type", ""),
        announced_items=data.get("announced_items") or [],
    )
    try:
        section.full_clean(exclude=["project"])
    except ValidationError as exc:
        raise ValidationError({f"sections.{k}": v for k, v in exc.message_dict.items()}) from exc
    if section.base_amount <= 0:
        raise ValidationError({"sections.base_amount": _("The base amount must be above 0 yuan.")})
    section.bond_amount = bond_amount_check(amount=data.get("bond_amount"), estimate=section.base_amount,
                                            field_name="sections.bond_amount")
    return section


def _tenderer_and_agency(*, user, tenderer: Organisation | None, agency: Organisation | None):
    if user.role == Role.TENDERER:
        tenderer = user.organisation
    elif user.role == Role.AGENCY:
        agency = user.organisation
    else:
        raise PermissionDenied(_("Only a tenderer or a tendering agency registers projects."))
    if tenderer is None or tenderer.org_type != Organisation.Type.TENDERER:
        raise ValidationError({"tenderer": _("Name the tenderer: an organisation registered as tenderer.")})
    if agency is not None and agency.org_type != Organisation.Type.AGENCY:
        raise ValidationError({"agency": _("The agency must be an organisation registered as tendering agency.")})
    return tenderer, agency


@transaction.atomic
def project_create(*, user, sections: list[dict], tenderer: Organisation | None = None,
                   agency: Organisation | None = None, **fields) -> Project:
    """Register a project in draft with its sections and assign its unified deal code.

    A tenderer registers its own project (optionally naming an agency); an agency
    registers one for a named tenderer. ``fields`` are any of EDITABLE_FIELDS.
    """
    unknown = set(fields) - set(EDITABLE_FIELDS)
    if unknown:
        raise ValidationError({k: _("This field cannot be set.") for k in sorted(unknown)})
    tenderer, agency = _tenderer_and_agency(user=user, tenderer=tenderer, agency=agency)
    project = Project(tenderer=tenderer, agency=agency, created_by=user, **fields)
    if project.evaluation_criteria is None:
        project.evaluation_criteria = []
    _validate(project)
    if not sections:
        raise ValidationError({"sections": _("A project has at least one section (标段).")})
    built = [_section_build(project=project, data=data) for data in sections]
    codes = [s.code for s in built]
    if len(set(codes)) != len(codes):
        raise ValidationError({"sections.code": _("Each section needs its own code.")})
    project.save()
    project.deal_code = deal_code_make(region=project.region, category=project.category,
                                       year=timezone.localdate().year, serial=project.pk)
    project.save(update_fields=["deal_code"])
    for section in built:
        section.project = project
        section.save()
    audit_record(action="trading.project.create", obj=project, payload={
        "deal_code": project.deal_code, "title": project.title, "category": project.category,
        "tenderer": tenderer.credit_code, "agency": agency.credit_code if agency else None,
        "sections": [{"code": s.code, "base_amount": s.base_amount, "base_type": s.base_type} for s in built],
    })
    return project


def _require_draft_party(*, project: Project, user) -> None:
    if not is_party(user=user, project=project):
        raise PermissionDenied(_("Only the tenderer or its agency may change this project."))
    if project.status != Status.DRAFT:
        raise ValidationError({"status": _("Only a draft can be changed; after publication publish a clarification "
                                           "or amendment instead.")})


@transaction.atomic
def project_update(*, project: Project, user, **fields) -> Project:
    """Change a draft project's fields (any of EDITABLE_FIELDS)."""
    locked = Project.objects.select_for_update(no_key=True).get(pk=project.pk)
    _require_draft_party(project=locked, user=user)
    unknown = set(fields) - set(EDITABLE_FIELDS)
    if unknown:
        raise ValidationError({k: _("This field cannot be changed.") for k in sorted(unknown)})
    for name, value in fields.items():
        setattr(locked, name, value)
    _validate(locked)
    locked.save()
    audit_record(action="trading.project.update", obj=locked, payload={"deal_code": locked.deal_code, **fields})
    project.refresh_from_db()
    return project


@transaction.atomic
def section_add(*, project: Project, user, code: str, name: str, base_amount: Decimal, base_type: str,
                announced_items: list | None = None, bond_amount: Decimal | None = None) -> Section:
    """Add a section to a draft project (with the bid bond it asks for, if any)."""
    locked = Project.objects.select_for_update(no_key=True).get(pk=project.pk)
    _require_draft_party(project=locked, user=user)
    section = _section_build(project=locked, data={"code": code, "name": name, "base_amount": base_amount,
                                                   "base_type": base_type, "announced_items": announced_items,
                                                   "bond_amount": bond_amount})
    if locked.sections.filter(code=section.code).exists():
        raise ValidationError({"code": _("This project already has a section with this code.")})
    section.save()
    audit_record(action="trading.section.add", obj=section, payload={
        "deal_code": locked.deal_code, "code": code, "base_amount": section.base_amount, "base_type": base_type,
        "bond_amount": section.bond_amount})
    return section


def project_publish_problems(*, project: Project, now: dt.datetime) -> list[str]:
    """Everything that keeps a draft from being published, in words that say what to fix."""
    problems = []
    if not project.sections.exists():
        problems.append(_("Add at least one section."))
    if not project.documents.exists():
        problems.append(_("Upload the tender document (招标文件) before publishing: the tender notice offers it to "
                          "every bidder from the day it is published."))
    deadline = project.bid_deadline
    if deadline is None:
        problems.append(_("Set the bid deadline (which is also the opening time)."))
        return problems
    min_days = getattr(settings, "TRADING_MIN_BID_PERIOD_DAYS", 20)
    if deadline <= now + dt.timedelta(days=min_days):
        problems.append(_("The bid deadline must be more than %(days)d days after publication (ZB 24); "
                          "move it after %(when)s.") % {
            "days": min_days, "when": timezone.localtime(now + dt.timedelta(days=min_days)).strftime("%Y-%m-%d %H:%M")})
    if project.documents_start and project.documents_end and project.documents_end < project.documents_start:
        problems.append(_("The document period ends before it starts."))
    if project.documents_end and project.documents_end > deadline:
        problems.append(_("The document period must end by the bid deadline."))
    if project.clarification_deadline and project.clarification_deadline >= deadline:
        problems.append(_("The clarification deadline must come before the bid deadline."))
    problems.extend(criteria_problems(
        evaluation_method=project.evaluation_method, criteria=project.evaluation_criteria,
        category=project.category, procurement_object=project.procurement_object))
    return problems


@transaction.atomic
def project_retender(*, project: Project, user) -> Project:
    """Start a re-tender of a failed project (流标后重新招标): a new linked draft with its failed sections.

    The schedule keeps its periods and starts from now (the bid period at least the legal minimum); the new
    draft is checked again when it is published.
    """
    locked = Project.objects.select_for_update(no_key=True).get(pk=project.pk)
    if not is_party(user=user, project=locked):
        raise PermissionDenied(_("Only the tenderer or its agency may re-tender this project."))
    if locked.status != Status.FAILED:
        raise ValidationError({"status": _("Only a failed project (流标) can be re-tendered; this one is “%(s)s”.")
                               % {"s": locked.get_status_display()}})
    if locked.retenders.exclude(status=Status.CANCELLED).exists():
        raise ValidationError({"status": _("This project is already being re-tendered as %(code)s.") % {
            "code": locked.retenders.exclude(status=Status.CANCELLED).first().deal_code}})
    origin = locked.announcement_at or timezone.now()
    now = timezone.now()
    fields = {name: getattr(locked, name) for name in EDITABLE_FIELDS}
    for name in SCHEDULE_FIELDS:
        if fields[name] is not None:
            fields[name] = now + (fields[name] - origin)
    # A lawful deadline came more than the minimum period after the notice; where the record says otherwise
    # (a deadline moved by hand), the new draft gets the shortest period it could be published with.
    shortest = now + dt.timedelta(days=getattr(settings, "TRADING_MIN_BID_PERIOD_DAYS", 20) + 1)
    if fields["bid_deadline"] is not None and fields["bid_deadline"] < shortest:
        fields["bid_deadline"] = shortest
    sections = [
        {"code": s.code, "name": s.name, "base_amount": s.base_amount, "base_type": s.base_type,
         "announced_items": s.announced_items, "bond_amount": s.bond_amount}
        for s in locked.sections.filter(failed_at__isnull=False)
    ] or [
        {"code": s.code, "name": s.name, "base_amount": s.base_amount, "base_type": s.base_type,
         "announced_items": s.announced_items, "bond_amount": s.bond_amount}
        for s in locked.sections.all()
    ]
    creator = user
    new = Project(tenderer=locked.tenderer, agency=locked.agency, created_by=creator, retender_of=locked, **fields)
    new.save()
    new.deal_code = deal_code_make(region=new.region, category=new.category, year=now.year, serial=new.pk)
    new.save(update_fields=["deal_code"])
    for data in sections:
        Section.objects.create(project=new, **data)
    audit_record(action="trading.project.retender", obj=new, payload={
        "deal_code": new.deal_code, "retender_of": locked.deal_code, "sections": [s["code"] for s in sections]})
    return new

