import datetime as dt

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from audit.services import audit_record

from .models import BlacklistEntry


@transaction.atomic
def blacklist_entry_create(*, reason: str, legal_basis: str, starts_on: dt.date, ends_on: dt.date,
                           organisation=None, person=None) -> BlacklistEntry:
    """Put an organisation or a person on the black list from ``starts_on`` to ``ends_on`` inclusive."""
    if (organisation is None) == (person is None):
        raise ValidationError(_("Name exactly one subject: an organisation or a person."))
    if ends_on < starts_on:
        raise ValidationError({"ends_on": _("The restriction cannot end before it starts.")})
    entry = BlacklistEntry.objects.create(
        organisation=organisation, person=person, reason=reason, legal_basis=legal_basis,
        starts_on=starts_on, ends_on=ends_on,
    )
    audit_record(action="credit.blacklist.create", obj=entry, payload={
        "organisation": organisation.credit_code if organisation else None,
        "person": person.username if person else None,
        "reason": reason, "legal_basis": legal_basis,
        "starts_on": starts_on, "ends_on": ends_on,
    })
    return entry
