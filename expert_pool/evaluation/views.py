"""Pages of the evaluation room (refresh to follow progress; no websocket needed).

Each view parses input, checks who may act and calls one service; the services check
again (member, leader, bidder) so a forged form gets the same refusal.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from accounts.permissions import require
from core.forms import form_add_service_errors
from trading.models import Section
from trading.summary import summary_items

from ..forms import SectionDrawForm
from ..models import Evaluation, LowPriceCheck, PriceAdjustment
from ..services.section_draw import section_draw_request_create
from . import selectors, services
from .report import member_name, tie_rule


def _errors(request, exc: ValidationError) -> None:
    for message in exc.messages:
        messages.error(request, message)


@login_required
@require_http_methods(["GET", "POST"])
def section_draw(request, section_id: int):
    """The committee request page starts from a section: the parties come from it."""
    section = get_object_or_404(Section.objects.select_related("project"), pk=section_id)
    require(request.user, "expert_pool.section.draw", section)
    form = SectionDrawForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            created = section_draw_request_create(section=section, requested_by=request.user, **form.cleaned_data)
        except ValidationError as exc:
            form_add_service_errors(form, exc)
        else:
            messages.success(request, _("Request recorded; the commitment is published."))
            return redirect("expert_pool:draw_detail", pk=created.pk)
    from ..services.section_draw import section_bidders, supervising_regulator

    return render(request, "expert_pool/section_draw.html", {
        "section": section, "form": form, "bidders": section_bidders(section=section),
        "regulator": supervising_regulator(region=section.project.region),
    })


@login_required
@require_http_methods(["POST"])
def evaluation_open(request, section_id: int):
    section = get_object_or_404(Section.objects.select_related("project"), pk=section_id)
    try:
        evaluation = services.evaluation_open(section=section, user=request.user)
    except ValidationError as exc:
        _errors(request, exc)
        draw = section.draw_requests.first()
        return redirect("expert_pool:draw_detail", pk=draw.pk) if draw else redirect("expert_pool:draws")
    return redirect("expert_pool:evaluation", pk=evaluation.pk)


def _scores_from_post(post, evaluation: Evaluation) -> dict:
    scores = {}
    for b in evaluation.bids:
        for c in evaluation.criteria:
            if c.get("kind") == "price":
                continue
            value = post.get(f"score-{b['bid']}-{c['name']}")
            if value is not None:
                scores.setdefault(str(b["bid"]), {})[c["name"]] = value.strip()
    return scores


@login_required
@require_http_methods(["GET", "POST"])
def evaluation_room(request, pk: int):
    evaluation = get_object_or_404(Evaluation.objects.select_related("section__project", "draw_request"), pk=pk)
    if not selectors.can_watch(user=request.user, evaluation=evaluation):
        raise PermissionDenied(_("Only the committee, regulators and the host may open this evaluation room."))
    user = request.user
    if request.method == "POST":
        action = request.POST.get("action", "")
        try:
            if action in ("save", "submit"):
                scores = _scores_from_post(request.POST, evaluation)
                services.score_save(evaluation=evaluation, user=user, scores=scores)
                if action == "submit":
                    services.score_submit(evaluation=evaluation, user=user)
                messages.success(request, _("Your scores are submitted.") if action == "submit"
                                 else _("Your scores are saved."))
            elif action == "adjust":
                services.adjustment_add(evaluation=evaluation, user=user, bid_id=int(request.POST.get("bid", 0)),
                                        amount=request.POST.get("amount", ""), reason=request.POST.get("reason", ""))
            elif action == "low_price":
                services.low_price_check_run(evaluation=evaluation, user=user)
            elif action in ("accept", "reject"):
                check = get_object_or_404(LowPriceCheck, pk=request.POST.get("check"), evaluation=evaluation)
                services.low_price_decide(check=check, user=user, accept=action == "accept",
                                          note=request.POST.get("note", ""))
            elif action == "aggregate":
                services.evaluation_aggregate(evaluation=evaluation, user=user)
            elif action == "report":
                services.evaluation_report(evaluation=evaluation, user=user)
                messages.success(request, _("The report is signed and the candidates are sent to publicity."))
            else:
                raise Http404
        except ValidationError as exc:
            _errors(request, exc)
        return redirect("expert_pool:evaluation", pk=pk)
    seat = selectors.member_seat(user=user, evaluation=evaluation)
    sheets = selectors.sheets_visible(user=user, evaluation=evaluation)
    own = next((s for s in sheets if seat and s.seat_id == seat.pk), None)
    labels = selectors.member_labels(evaluation=evaluation)
    host_only = seat is None and user.role != "regulator"
    show_result = evaluation.state != Evaluation.State.SCORING and (
        not host_only or evaluation.state == Evaluation.State.REPORTED)
    scored = [c["name"] for c in evaluation.criteria if c.get("kind") != "price"]
    rows = []
    documents = selectors.may_read_documents(user=user, evaluation=evaluation)
    for b in evaluation.bids:
        mine = own.scores.get(str(b["bid"]), {}) if own else {}
        rows.append({**b, "fields": [(name, mine.get(name, "")) for name in scored],
                     "summary_items": summary_items(b.get("summary")),
                     "documents": selectors.bid_documents(evaluation=evaluation, bid_id=b["bid"]) if documents else []})
    context = {
        "evaluation": evaluation, "seat": seat, "is_leader": selectors.is_leader(user=user, evaluation=evaluation),
        "rows": rows, "criteria": evaluation.criteria, "scored": scored, "own": own,
        "checks": LowPriceCheck.objects.filter(evaluation=evaluation) if not host_only or show_result else [],
        "adjustments": PriceAdjustment.objects.filter(evaluation=evaluation),
        "host_only": host_only, "comprehensive": evaluation.method == "comprehensive",
    }
    return render(request, "expert_pool/evaluation_room.html", {**context, **_named(
        evaluation, labels=labels, sheets=[s for s in sheets if s is not own], scored=scored,
        checks=context["checks"], adjustments=context["adjustments"],
        result=evaluation.result if show_result else None)})


def _named(evaluation: Evaluation, *, labels, sheets, scored, checks, adjustments, result) -> dict:
    """What the room shows by name, not by number: members as 评委1（组长）, bidders by name, tie rules in words."""
    names = {str(b["bid"]): b["name"] for b in evaluation.bids}
    leader = selectors.leader_seat(evaluation=evaluation)

    def member(seat_id) -> str:
        name = member_name(labels.get(seat_id, ""))
        return _("%(member)s (leader)") % {"member": name} if leader and seat_id == leader.pk else name

    progress = selectors.progress(evaluation=evaluation)
    progress["members"] = [{**m, "label": member(m["seat"])} for m in progress["members"]]
    other_sheets = [{"member": member(sheet.seat_id), "submitted": sheet.submitted_at is not None,
                     "rows": [(names.get(bid, "—"), [(c, row.get(c, "")) for c in scored])
                              for bid, row in sheet.scores.items()]} for sheet in sheets]
    if result:
        result = {**result, "ranking": [{**r, "tie_break": tie_rule(r.get("tie_break")) if r.get("tie_break")
                                         else ""} for r in result.get("ranking", [])]}
    return {"progress": progress, "sheets": other_sheets, "result": result,
            "checks": [(check, names.get(str(check.bid_id), "—")) for check in checks],
            "adjustments": [(a, names.get(str(a.bid_id), "—")) for a in adjustments]}


@login_required
def bid_document(request, pk: int, bid_id: int, name: str):
    """One document of an opened bid, for the committee and regulators."""
    evaluation = get_object_or_404(Evaluation, pk=pk)
    if not selectors.may_read_documents(user=request.user, evaluation=evaluation):
        raise Http404
    found = next((d for d in selectors.bid_documents(evaluation=evaluation, bid_id=bid_id) if d["name"] == name), None)
    if found is None:
        raise Http404
    return FileResponse(found["path"].open("rb"), as_attachment=True, filename=found["name"])


@login_required
def evaluation_report_pdf(request, pk: int):
    evaluation = get_object_or_404(Evaluation, pk=pk)
    if not selectors.can_watch(user=request.user, evaluation=evaluation) or not evaluation.report_sha256:
        raise Http404
    response = HttpResponse(bytes(evaluation.report_pdf), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="evaluation-{evaluation.pk}.pdf"'
    return response


@login_required
@require_http_methods(["GET", "POST"])
def low_price_explain(request, pk: int):
    """The flagged bidder's page: the grounds, and the written explanation."""
    check = get_object_or_404(selectors.checks_of_bidder(user=request.user), pk=pk)
    if request.method == "POST":
        try:
            services.low_price_explain(check=check, user=request.user, explanation=request.POST.get("explanation", ""))
        except ValidationError as exc:
            _errors(request, exc)
        else:
            messages.success(request, _("Your explanation is sent to the committee."))
        return redirect("expert_pool:low_price_explain", pk=pk)
    return render(request, "expert_pool/low_price_explain.html", {"check": check})


@login_required
def my_low_price_checks(request):
    return render(request, "expert_pool/low_price_list.html", {"checks": selectors.checks_of_bidder(user=request.user)})


