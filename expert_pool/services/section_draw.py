"""A draw request made from a trading section: the parties come from the section, not from a form.

- tenderer and agency: the project's;
- bidders: every organisation with a bid (any state) in the section, so that anyone who
  bid is screened even if its bid was later withdrawn;
- government procurement: the project's category; budget: the section's base amount
  (the ≥ 7 members rule applies at 10 million yuan and above);
- supervising regulator: settings EXPERT_SUPERVISING_REGULATORS maps a region code
  prefix to the regulator's credit code; the longest prefix of the project's region wins.
  No match: no regulator is named (the request page says so).
"""

import datetime as dt

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from accounts.models import Organisation, User
from audit.services import audit_record
from trading.models import Bid, Category, Section, Status
from trading.selectors import is_party

from .. import conf
from ..models import DrawRequest
from .draws import draw_request_create

# A section's committee can be drawn once its bidders are known and before the evaluation ends.
DRAWABLE = (Status.DEADLINE_PASSED, Status.OPENING, Status.EVALUATION)


def supervising_regulator(*, region: str) -> Organisation | None:
    mapping = conf.get("EXPERT_SUPERVISING_REGULATORS") or {}
    for length in range(len(region), 0, -1):
        code = mapping.get(region[:length])
        if code:
            return Organisation.objects.filter(credit_code=code, org_type=Organisation.Type.REGULATOR).first()
    return None


def section_bidders(*, section: Section) -> list[Organisation]:
    ids = Bid.objects.filter(section=section).values_list("organisation_id", flat=True).distinct()
    return list(Organisation.objects.filter(pk__in=ids).order_by("pk"))


@transaction.atomic
def section_draw_request_create(*, section: Section, requested_by: User, composition: list[dict], regions: list[str],
                                evaluation_starts_at: dt.datetime, evaluation_ends_at: dt.datetime, place: str = "",
                                mode: str = DrawRequest.Mode.REMOTE, tenderer_representatives: int = 0,
                                reserve_size: int = 2) -> DrawRequest:
    """Request the committee of ``section``; the host of its project asks."""
    project = section.project
    if not is_party(user=requested_by, project=project):
        raise PermissionDenied(_("Only the tenderer or its agency may request the committee of this section."))
    if project.status not in DRAWABLE:
        raise ValidationError({"section": _(
            "The committee is drawn once the bid deadline has passed and before the evaluation ends; "
            "the project is “%(s)s”.") % {"s": project.get_status_display()}})
    if section.failed_at is not None:
        raise ValidationError({"section": _("This section failed (流标); it needs no committee.")})
    live = DrawRequest.objects.filter(section=section).exclude(state=DrawRequest.State.CANCELLED)
    if live.exists():
        raise ValidationError({"section": _("This section already has a committee request (no. %(pk)d).")
                               % {"pk": live.first().pk}})
    request = draw_request_create(
        requested_by=requested_by, title=f"{project.title} {section.name}", reference=section.full_code,
        tenderer=project.tenderer, agency=project.agency, regulator=supervising_regulator(region=project.region),
        bidders=section_bidders(section=section), government_procurement=project.category == Category.GOVERNMENT,
        budget=section.base_amount, composition=composition, regions=regions,
        evaluation_starts_at=evaluation_starts_at, evaluation_ends_at=evaluation_ends_at, place=place, mode=mode,
        tenderer_representatives=tenderer_representatives, reserve_size=reserve_size,
    )
    request.section = section
    request.save(update_fields=["section"])
    audit_record(action="expert_pool.draw.section", obj=request, payload={
        "deal_code": project.deal_code, "section": section.code,
        "bidders": [b.credit_code for b in request.bidders.all()],
        "regulator": request.regulator.credit_code if request.regulator else None,
        "government_procurement": request.government_procurement, "budget": request.budget})
    return request
