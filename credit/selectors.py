"""What other apps ask of credit. Credit never imports trading."""

import datetime as dt
from dataclasses import dataclass

from django.utils.translation import gettext as _

from core.workdays import today

from .models import BlacklistEntry


@dataclass(frozen=True)
class Refusal:
    """Why a subject is refused, in words to show the subject, with the legal basis."""

    reason: str
    legal_basis: str
    until: dt.date

    @property
    def message(self) -> str:
        return _("Refused under joint punishment (联合惩戒): %(reason)s (%(basis)s), restricted until %(until)s.") % {
            "reason": self.reason, "basis": self.legal_basis, "until": self.until.isoformat(),
        }


def _refusal(entries) -> Refusal | None:
    entry = entries.order_by("-ends_on").first()
    if entry is None:
        return None
    return Refusal(reason=entry.reason, legal_basis=entry.legal_basis, until=entry.ends_on)


def organisation_refusal(*, organisation, on: dt.date | None = None) -> Refusal | None:
    """Return why ``organisation`` may not register or bid on ``on`` (default: today), or None."""
    on = on or today()
    return _refusal(BlacklistEntry.objects.filter(organisation=organisation, starts_on__lte=on, ends_on__gte=on))


def person_refusal(*, person, on: dt.date | None = None) -> Refusal | None:
    """Return why ``person`` (an expert) may not be drawn on ``on`` (default: today), or None."""
    on = on or today()
    return _refusal(BlacklistEntry.objects.filter(person=person, starts_on__lte=on, ends_on__gte=on))
