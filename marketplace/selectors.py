"""What the marketplace's pages, API and other apps read: eligibility, pools, visible quotes, public records."""

import datetime as dt

from django.db.models import QuerySet
from django.utils import timezone

from accounts.models import Role
from audit.selectors import protocol_events
from core import draw as core_draw
from core.regions import region_prefix
from core.witness import witness_record
from core.workdays import today
from credit.selectors import organisation_refusal

from .models import Application, Exclusion, Intermediary, Method, Purchase, Qualification

REASON_ORDER = [r.value for r in Exclusion.Reason]


def intermediary_of(user) -> Intermediary | None:
    if not user.is_authenticated or user.role != Role.BIDDER or user.organisation_id is None:
        return None
    return Intermediary.objects.filter(organisation_id=user.organisation_id).first()


def serves_region(intermediary: Intermediary, region: str) -> bool:
    """An intermediary serves a region it names or one inside a region it names (3101 serves 310104)."""
    return any(region.startswith(region_prefix(code)) for code in intermediary.regions)


def intermediary_reasons(*, intermediary: Intermediary, service_type: str,
                         on: dt.date | None = None) -> tuple[list[str], str]:
    """Why ``intermediary`` may not be selected for ``service_type`` on ``on``: (reason codes, detail in words)."""
    on = on or today()
    reasons, details = [], []
    if intermediary.status == Intermediary.Status.SUSPENDED:
        reasons.append(Exclusion.Reason.SUSPENDED.value)
        details.append(intermediary.status_reason)
    refusal = organisation_refusal(organisation=intermediary.organisation, on=on)
    if refusal is not None:
        reasons.append(Exclusion.Reason.BLACKLISTED.value)
        details.append(refusal.message)
    qualifications = [q for q in intermediary.qualifications.all() if q.service_type == service_type]
    if not qualifications:
        reasons.append(Exclusion.Reason.NO_QUALIFICATION.value)
    elif not any(q.valid_from <= on <= q.valid_until for q in qualifications):
        reasons.append(Exclusion.Reason.QUALIFICATION_EXPIRED.value)
        last = max(qualifications, key=lambda q: q.valid_until)
        details.append(f"{last.name} {last.number} {last.valid_from.isoformat()}–{last.valid_until.isoformat()}")
    return reasons, "；".join(d for d in details if d)


def candidates(*, purchase: Purchase) -> list[Intermediary]:
    """Intermediaries registered for the purchase's service type and serving its region, ascending id."""
    everyone = (Intermediary.objects.select_related("organisation").prefetch_related("qualifications")
                .order_by("pk"))
    return [i for i in everyone if purchase.service_type in i.service_types and serves_region(i, purchase.region)]


def screen_pool(*, purchase: Purchase, on: dt.date | None = None) -> tuple[list[int], dict[int, tuple[list, str]]]:
    """(eligible ids ascending, {excluded id: (reasons, detail)}) among the purchase's candidates."""
    eligible, excluded = [], {}
    for intermediary in candidates(purchase=purchase):
        reasons, detail = intermediary_reasons(intermediary=intermediary, service_type=purchase.service_type, on=on)
        if reasons:
            excluded[intermediary.pk] = (reasons, detail)
        else:
            eligible.append(intermediary.pk)
    return eligible, excluded


def applications_live(purchase: Purchase) -> QuerySet:
    return (purchase.applications.filter(state=Application.State.APPLIED)
            .select_related("intermediary__organisation").order_by("applied_at", "pk"))


def quotes_visible(*, purchase: Purchase) -> bool:
    """Sealed quotes stay hidden from everyone (owner too) until the deadline has passed."""
    if purchase.method == Method.BIDDING and purchase.quote_mode == Purchase.QuoteMode.OPEN:
        return True
    return timezone.now() >= purchase.deadline


def lowest_open_quote(purchase: Purchase):
    if purchase.method != Method.BIDDING or purchase.quote_mode != Purchase.QuoteMode.OPEN:
        return None
    quotes = [a.quote for a in applications_live(purchase) if a.quote is not None]
    return min(quotes) if quotes else None


def purchases_public() -> QuerySet:
    return Purchase.objects.exclude(state=Purchase.State.CANCELLED).select_related("owner", "winner__organisation")


def purchases_of_owner(user) -> QuerySet:
    return Purchase.objects.filter(owner_id=user.organisation_id).select_related("winner__organisation")


def is_owner(*, user, purchase: Purchase) -> bool:
    return user.is_authenticated and user.role == Role.TENDERER and user.organisation_id == purchase.owner_id


DRAW_EVENTS = ("marketplace.purchase.post", "marketplace.draw.witness_commit", "marketplace.draw.pool_fix",
               "marketplace.draw.witness_reveal", "marketplace.select.draw")


def draw_record(*, purchase: Purchase) -> dict:
    """The published record of a purchase's random draw (docs/marketplace.md, "The random draw"): the commitments
    from the start, the request, the hashes and the fixing statement once the pool is fixed, the seeds, the pool
    and the drawn order once drawn (the result is publicised at once)."""
    draw = getattr(purchase, "draw", None)
    if draw is None:
        return {}
    v2 = draw.draw_format == 2
    record = {"purchase": purchase.pk, "number": purchase.number,
              "format": core_draw.FORMAT_V2 if v2 else core_draw.FORMAT_V1,
              "commitment": draw.commitment, "committed_at": draw.committed_at.isoformat(),
              "committed_at_utc": core_draw.utc_text(draw.committed_at)}
    if v2:
        record["witness"] = witness_record(
            organisation=draw.witness_organisation.name if draw.witness_organisation_id else None,
            commitment=draw.witness_commitment, committed_at=draw.witness_committed_at, secret=draw.witness_secret,
            revealed_at=draw.witness_revealed_at, drawn=draw.drawn_at is not None)
    if not draw.request_hash:
        return record
    counts: dict[str, int] = {}
    for exclusion in purchase.exclusions.all():
        counts[exclusion.reasons[0]] = counts.get(exclusion.reasons[0], 0) + 1
    record.update({"request": draw.request_document, "request_hash": draw.request_hash, "pool_hash": draw.pool_hash,
                   "pool_size": len(draw.pool[0]["candidates"]), "exclusions": counts})
    if v2:
        record.update({"fixing": draw.fixing, "fixing_hash": draw.fixing_hash,
                       "pool_fixed_at": draw.pool_fixed_at.isoformat() if draw.pool_fixed_at else None,
                       "reveal_deadline": draw.reveal_deadline.isoformat() if draw.reveal_deadline else None})
    if draw.drawn_at is None:
        return record
    record.update({
        "drawn_at": draw.drawn_at.isoformat(), "drawn_at_utc": core_draw.utc_text(draw.drawn_at),
        "seed": draw.seed, "pool": draw.pool, "result": {"groups": [{
            "specialty": purchase.service_type, "members": draw.order[:1], "reserves": draw.order[1:]}]},
        "refused": list(purchase.refused),
        "voided": list(purchase.voided),
        "selected": purchase.winner_id,
    })
    if v2:
        record["events"] = protocol_events(obj=purchase, actions=DRAW_EVENTS)
    return record


def purchase_participants(purchase: Purchase) -> set[int]:
    """The organisations that took part in a purchase's selection (利害关系人): its applicants (withdrawn ones
    excepted), the candidates of its draw's pool and those screened out of it, the selected intermediary."""
    organisations = set(purchase.applications.exclude(state=Application.State.WITHDRAWN)
                        .values_list("intermediary__organisation_id", flat=True))
    organisations |= set(purchase.exclusions.values_list("intermediary__organisation_id", flat=True))
    draw = getattr(purchase, "draw", None)
    if draw is not None and draw.pool:
        organisations |= set(Intermediary.objects.filter(pk__in=draw.pool[0]["candidates"])
                             .values_list("organisation_id", flat=True))
    if purchase.winner_id:
        organisations.add(purchase.winner.organisation_id)
    return organisations


def qualification_current(*, intermediary: Intermediary, service_type: str, on: dt.date | None = None):
    on = on or today()
    return (Qualification.objects.filter(intermediary=intermediary, service_type=service_type,
                                         valid_from__lte=on, valid_until__gte=on).order_by("-valid_until").first())
