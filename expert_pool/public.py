"""The public page of an expert draw record: the published JSON (``selectors.draws.draw_record``) as people read it.

The JSON at /api/experts/draws/<pk>/record/ stays for machines (and for replaying the draw); this page shows the
same facts with names for codes — state, specialties, exclusion reasons, answers — and never an expert's identity
(the record itself holds only pool positions and internal numbers until the law allows names).
"""

from collections import Counter

from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, render
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _

from .models import DrawRequest, Exclusion, Seat
from .selectors.draws import draw_record
from .selectors.specialties import specialty_names


def _when(value: str | None):
    return parse_datetime(value) if value else None


def record_view(record: dict, request: DrawRequest) -> dict:
    """The facts of ``record`` with their labels, ready for the template."""
    names = specialty_names()
    groups = []
    result = (record.get("result") or {}).get("groups") or []
    for index, wanted in enumerate(request.composition or []):
        code = wanted.get("specialty", "")
        drawn = result[index] if index < len(result) else None
        sizes = record.get("pool_sizes") or []
        groups.append({
            "specialty": names.get(code, code), "count": wanted.get("count"),
            "pool": sizes[index] if index < len(sizes) else None,
            "members": len(drawn["members"]) if drawn else None, "reserves": len(drawn["reserves"]) if drawn else None,
        })
    reasons = dict(Exclusion.Reason.choices)
    exclusions = [(reasons.get(reason, reason), n) for reason, n in (record.get("exclusions") or {}).items()]
    states = dict(Seat.State.choices)
    answers = Counter(states.get(a["state"], a["state"]) for a in record.get("answers") or [])
    return {
        "state": DrawRequest.State(record["state"]).label, "groups": groups, "exclusions": exclusions,
        "answers": sorted(answers.items()), "committee": len(record.get("committee") or []),
        "committed_at": _when(record.get("committed_at")), "drawn_at": _when(record.get("drawn_at")),
        "announced_at": _when(record.get("announced_at")), "pool_fixed_at": _when(record.get("pool_fixed_at")),
        "leaders": sum(1 for c in record.get("committee") or [] if c.get("leader")),
    }


def record_list(request):
    """Every published draw record, newest first (public)."""
    draws = DrawRequest.objects.select_related("section__project").order_by("-committed_at", "-pk")
    return render(request, "expert_pool/records.html", {"page": Paginator(draws, 25).get_page(
        request.GET.get("page"))})


def record_page(request, pk: int):
    """One draw record as people read it (public); the JSON beside it for machines."""
    draw_request = get_object_or_404(DrawRequest.objects.select_related("section__project"), pk=pk)
    record = draw_record(request=draw_request)
    return render(request, "expert_pool/record.html", {
        "draw": draw_request, "record": record, "view": record_view(record, draw_request),
        "title": _("Expert draw record: %(title)s") % {"title": draw_request.title}})
