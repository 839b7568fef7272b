"""Reads about draws: who may see what, and the published record.

Names stay secret until the result is announced (ZB 37): before that only the
expert (their own seat), the system and regulators see who was drawn; the agency
and the tenderer see counts and confirmation states.
"""

from collections import Counter

from django.db.models import Q

from accounts.models import Role
from audit.selectors import protocol_events
from core import draw as draw_algorithm
from core.draw import utc_text
from core.witness import witness_record

from ..models import DrawRequest, Exclusion, Seat


def can_see_names(*, user, request: DrawRequest) -> bool:
    return request.state == DrawRequest.State.ANNOUNCED or user.role == Role.REGULATOR


def is_party_of(*, user, request: DrawRequest) -> bool:
    """The agency or tenderer staff of the request, or whoever requested it."""
    if user.pk == request.requested_by_id:
        return True
    org = user.organisation_id
    return org is not None and org in {request.tenderer_id, request.agency_id}


def requests_visible_to(user):
    """Draw requests a person may open."""
    queryset = DrawRequest.objects.select_related("tenderer", "agency")
    if user.role == Role.REGULATOR:
        return queryset
    if user.role == Role.EXPERT:
        # a reserve never called sees nothing of the draw (permissions._called_expert)
        called = Seat.objects.filter(expert__user=user).exclude(state=Seat.State.WAITING).values("request_id")
        return queryset.filter(pk__in=called)
    if user.organisation_id is None:
        return queryset.filter(requested_by=user)
    return queryset.filter(Q(requested_by=user) | Q(tenderer_id=user.organisation_id)
                           | Q(agency_id=user.organisation_id))


def committee_summary(*, request: DrawRequest) -> dict:
    """Counts any party may see: wanted, confirmed, waiting, declined, expired, replaced, short."""
    members = Seat.objects.filter(request=request, role=Seat.Role.MEMBER)
    states = Counter(members.values_list("state", flat=True))
    sitting = states[Seat.State.CONFIRMED] + states[Seat.State.NOTIFIED]
    return {
        "wanted": request.expert_count,
        "confirmed": states[Seat.State.CONFIRMED],
        "waiting": states[Seat.State.NOTIFIED],
        "declined": states[Seat.State.DECLINED],
        "expired": states[Seat.State.EXPIRED],
        "refused": states[Seat.State.REFUSED],
        "replaced": states[Seat.State.REPLACED],
        "short": max(0, request.expert_count - sitting) if request.state != DrawRequest.State.COMMITTED else 0,
        "reserves_left": Seat.objects.filter(request=request, role=Seat.Role.RESERVE,
                                             state=Seat.State.WAITING).count(),
    }


def committee_view(*, user, request: DrawRequest) -> list[dict]:
    """The member seats as ``user`` may see them: names only where allowed."""
    names = can_see_names(user=user, request=request)
    rows = []
    seats = (Seat.objects.filter(request=request, role=Seat.Role.MEMBER)
             .select_related("expert__user", "specialty").order_by("group", "position"))
    for seat in seats:
        own = seat.expert.user_id == user.pk
        if user.role == Role.EXPERT and not own:
            continue
        visible = names or own
        rows.append({
            "seat": seat.pk,
            "specialty": str(seat.specialty),
            "state": seat.state,
            "state_label": seat.get_state_display(),
            "is_leader": seat.is_leader,
            "replacement": seat.replaces_id is not None,
            "name": str(seat.expert.user) if visible else None,
            "expert_id": seat.expert_id if visible else None,
        })
    return rows


V2_EVENTS = ("expert_pool.draw.commit", "expert_pool.draw.witness_commit", "expert_pool.draw.pool_fix",
             "expert_pool.draw.witness_reveal", "expert_pool.draw.perform")


def _v2_witness(request: DrawRequest) -> dict:
    organisation = request.witness_organisation or request.regulator
    return witness_record(
        organisation=organisation.name if organisation else None, commitment=request.witness_commitment,
        committed_at=request.witness_committed_at, secret=request.witness_secret,
        revealed_at=request.witness_revealed_at,
        drawn=request.state not in (DrawRequest.State.COMMITTED, DrawRequest.State.POOL_FIXED,
                                    DrawRequest.State.CANCELLED))


def draw_record(*, request: DrawRequest) -> dict:
    """The published JSON record. Everything needed to replay appears once the seed is revealed."""
    v2 = request.draw_format == 2
    record = {
        "draw_request": request.pk,
        "title": request.title,
        "reference": request.reference,
        "deal_code": request.section.project.deal_code if request.section_id else None,
        "section": request.section.code if request.section_id else None,
        "state": request.state,
        "format": draw_algorithm.FORMAT_V2 if v2 else draw_algorithm.FORMAT_V1,
        "commitment": request.commitment,
        "committed_at": request.committed_at.isoformat(),
        "committed_at_utc": utc_text(request.committed_at),
        "algorithm": f"{draw_algorithm.FORMAT_V2 if v2 else draw_algorithm.FORMAT_V1} (docs/expert-draw.md)",
    }
    if v2:
        record["witness"] = _v2_witness(request)
    if request.state == DrawRequest.State.COMMITTED or (request.state == DrawRequest.State.CANCELLED
                                                       and not request.request_hash):
        return record
    record.update({
        "request": request.request_document,
        "request_hash": request.request_hash,
        "pool_hash": request.pool_hash,
        "pool_sizes": [len(group["candidates"]) for group in request.pool],
        "exclusions": dict(Counter(Exclusion.objects.filter(request=request).values_list("reason", flat=True))),
    })
    if v2:
        record.update({"fixing": request.fixing, "fixing_hash": request.fixing_hash,
                       "pool_fixed_at": request.pool_fixed_at.isoformat() if request.pool_fixed_at else None})
        if request.state == DrawRequest.State.POOL_FIXED:
            return record
    record.update({"drawn_at": request.drawn_at.isoformat() if request.drawn_at else None,
                   "drawn_at_utc": utc_text(request.drawn_at)})
    if request.state != DrawRequest.State.ANNOUNCED:
        return record
    seats = list(Seat.objects.filter(request=request).order_by("group", "position"))
    groups = []
    for index, wanted in enumerate(request.composition):
        in_group = [s for s in seats if s.group == index]
        count = int(wanted["count"])
        groups.append({
            "specialty": wanted["specialty"],
            "members": [s.expert_id for s in in_group[:count]],
            "reserves": [s.expert_id for s in in_group[count:]],
        })
    record.update({
        "announced_at": request.announced_at.isoformat(),
        "seed": request.seed,
        "pool": request.pool,
        "result": {"groups": groups},
        "answers": [
            {"expert": s.expert_id, "group": s.group, "position": s.position, "state": s.state,
             "replaces": next((o.expert_id for o in seats if o.pk == s.replaces_id), None)}
            for s in seats if s.state != Seat.State.WAITING
        ],
        "committee": [{"expert": s.expert_id, "specialty": s.specialty_id, "leader": s.is_leader}
                      for s in seats if s.sitting],
    })
    if v2:
        record["events"] = protocol_events(obj=request, actions=V2_EVENTS)
    return record
