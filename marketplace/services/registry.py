"""Intermediaries register (入驻): the organisation, its services and regions, contacts, qualifications."""

import datetime as dt
import re

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from accounts.models import Organisation
from audit.services import audit_record
from core.regions import region_is_valid
from credit.selectors import organisation_refusal

from .. import conf
from ..models import Intermediary, Qualification

PHONE = re.compile(r"^[0-9+\-() ]{7,20}$")


def _clean_profile(*, service_types, regions, contact_name: str, contact_phone: str) -> tuple[list, list, dict]:
    errors: dict[str, str] = {}
    known = conf.service_types()
    service_types = sorted({str(code).strip() for code in service_types if str(code).strip()})
    unknown = [code for code in service_types if code not in known]
    if not service_types:
        errors["service_types"] = _("Choose at least one service type you offer.")
    elif unknown:
        errors["service_types"] = _("Unknown service type %(codes)s; choose from the list.") % {
            "codes": ", ".join(unknown)}
    regions = sorted({str(code).strip() for code in regions if str(code).strip()})
    if not regions:
        errors["regions"] = _("Name at least one region you serve.")
    elif not all(region_is_valid(code) for code in regions):
        errors["regions"] = _("Pick the regions you serve from the list of administrative divisions.")
    if not contact_name.strip():
        errors["contact_name"] = _("Name the contact person owners can call.")
    if not PHONE.match(contact_phone.strip()):
        errors["contact_phone"] = _("Give a telephone number of 7 to 20 digits (with area code for a landline).")
    return service_types, regions, errors


@transaction.atomic
def intermediary_register(*, organisation: Organisation, service_types, regions, contact_name: str,
                          contact_phone: str, contact_email: str = "", introduction: str = "") -> Intermediary:
    """Register ``organisation`` in the marketplace; a black-listed organisation may not register."""
    if organisation.org_type != Organisation.Type.BIDDER:
        raise ValidationError(_("Only a supplier organisation (供应商) can register as an intermediary."))
    if Intermediary.objects.filter(organisation=organisation).exists():
        raise ValidationError(_("Your organisation is already registered in the marketplace; edit its profile."))
    refusal = organisation_refusal(organisation=organisation)
    if refusal is not None:
        raise ValidationError(refusal.message)
    service_types, regions, errors = _clean_profile(service_types=service_types, regions=regions,
                                                    contact_name=contact_name, contact_phone=contact_phone)
    if errors:
        raise ValidationError(errors)
    intermediary = Intermediary(organisation=organisation, service_types=service_types, regions=regions,
                                contact_name=contact_name.strip(), contact_phone=contact_phone.strip(),
                                contact_email=contact_email.strip(), introduction=introduction.strip())
    intermediary.full_clean()
    intermediary.save()
    audit_record(action="marketplace.intermediary.register", obj=intermediary, payload={
        "organisation": organisation.pk, "service_types": service_types, "regions": regions})
    return intermediary


@transaction.atomic
def intermediary_update(*, intermediary: Intermediary, service_types, regions, contact_name: str,
                        contact_phone: str, contact_email: str = "", introduction: str = "") -> Intermediary:
    service_types, regions, errors = _clean_profile(service_types=service_types, regions=regions,
                                                    contact_name=contact_name, contact_phone=contact_phone)
    if errors:
        raise ValidationError(errors)
    intermediary = Intermediary.objects.select_for_update().get(pk=intermediary.pk)
    intermediary.service_types, intermediary.regions = service_types, regions
    intermediary.contact_name, intermediary.contact_phone = contact_name.strip(), contact_phone.strip()
    intermediary.contact_email, intermediary.introduction = contact_email.strip(), introduction.strip()
    intermediary.full_clean()
    intermediary.save()
    audit_record(action="marketplace.intermediary.update", obj=intermediary, payload={
        "service_types": service_types, "regions": regions})
    return intermediary


@transaction.atomic
def qualification_add(*, intermediary: Intermediary, service_type: str, name: str, number: str,
                      valid_from: dt.date, valid_until: dt.date, level: str = "", issuer: str = "") -> Qualification:
    """Record a qualification certificate; it counts for selection only between its dates."""
    errors = {}
    if service_type not in intermediary.service_types:
        errors["service_type"] = _("Add the service type to your profile first, then its qualification.")
    if not name.strip():
        errors["name"] = _("Give the qualification's name as on the certificate.")
    if not number.strip():
        errors["number"] = _("Give the certificate number.")
    elif Qualification.objects.filter(intermediary=intermediary, number=number.strip()).exists():
        errors["number"] = _("A certificate with this number is already recorded.")
    if valid_from and valid_until and valid_until < valid_from:
        errors["valid_until"] = _("The certificate must be valid until a day after it becomes valid.")
    if errors:
        raise ValidationError(errors)
    qualification = Qualification.objects.create(
        intermediary=intermediary, service_type=service_type, name=name.strip(), number=number.strip(),
        level=level.strip(), issuer=issuer.strip(), valid_from=valid_from, valid_until=valid_until)
    audit_record(action="marketplace.qualification.add", obj=qualification, payload={
        "intermediary": intermediary.pk, "service_type": service_type, "number": qualification.number,
        "valid_from": valid_from, "valid_until": valid_until})
    return qualification


@transaction.atomic
def intermediary_status_set(*, intermediary: Intermediary, status: str, reason: str) -> Intermediary:
    """Suspend (暂停) an intermediary from selection, or restore it; a regulator's act, with the reason."""
    if status not in Intermediary.Status.values:
        raise ValidationError({"status": _("Choose active or suspended.")})
    if not reason.strip():
        raise ValidationError({"reason": _("Give the reason; the intermediary and owners will read it.")})
    intermediary = Intermediary.objects.select_for_update().get(pk=intermediary.pk)
    intermediary.status, intermediary.status_reason = status, reason.strip()
    intermediary.save(update_fields=["status", "status_reason"])
    audit_record(action="marketplace.intermediary.status", obj=intermediary,
                 payload={"status": status, "reason": intermediary.status_reason})
    return intermediary
