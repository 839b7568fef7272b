"""Pages of the expert pool. Each parses input, checks permission and calls one service."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.http import Http404, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from accounts.models import Role
from accounts.permissions import permission_required, require
from core.forms import form_add_service_errors
from core.witness import witness_post

from .forms import AnswerForm, DrawRequestForm, ImportForm, LeaveForm, ProfileForm, RelationForm
from .models import DrawRequest, Evaluation, Expert, ImportJob, Leave, Relation, Seat, Specialty
from .selectors.draws import committee_summary, committee_view, draw_record, requests_visible_to
from .services import draw_v2, draws, registry
from .services.draw_v2 import witness_may_act


def _own_expert(request) -> Expert:
    expert = Expert.objects.filter(user=request.user).first()
    if expert is None:
        raise Http404(_("You are not registered in the expert pool yet; ask the pool's managers to add you."))
    return expert


def _profile_add(request, form, add_service, expert: Expert, success: str):
    """Add what the bound ``form`` of the profile page holds to ``expert`` with ``add_service``.

    Returns the redirect back to the profile once added; None when the form or the service refused it
    (the service's errors are then on the form).
    """
    if form.is_valid():
        try:
            add_service(expert=expert, **form.cleaned_data)
        except ValidationError as exc:
            form_add_service_errors(form, exc)
        else:
            messages.success(request, success)
            return redirect("expert_pool:profile")
    return None


@permission_required("expert_pool.profile.edit")
@require_http_methods(["GET", "POST"])
def profile(request):
    expert = _own_expert(request)
    initial = {
        "primary_specialty": expert.primary_specialty_id,
        "secondary_specialties": list(expert.secondary_specialties.values_list("code", flat=True)),
        "title": expert.title, "years_of_practice": expert.years_of_practice,
        "employer_name": expert.employer_name,
        "employer_credit_code": expert.employer.credit_code if expert.employer else "", "region": expert.region,
    }
    form = ProfileForm(request.POST or None, initial=initial, prefix="profile")
    relation_form, leave_form = RelationForm(prefix="relation"), LeaveForm(prefix="leave")
    action = request.POST.get("action")
    if request.method == "POST" and action == "profile" and form.is_valid():
        data = form.cleaned_data
        try:
            registry.expert_profile_update(
                expert=expert, primary_specialty=data["primary_specialty"],
                secondary_specialties=data["secondary_specialties"], title=data["title"],
                years_of_practice=data["years_of_practice"], employer_name=data["employer_name"],
                employer_credit_code=data["employer_credit_code"], region=data["region"],
            )
        except ValidationError as exc:
            form_add_service_errors(form, exc)
        else:
            messages.success(request, _("Your profile is saved."))
            return redirect("expert_pool:profile")
    elif request.method == "POST" and action == "relation":
        form = ProfileForm(initial=initial, prefix="profile")
        relation_form = RelationForm(request.POST, prefix="relation")
        if done := _profile_add(request, relation_form, registry.relation_declare, expert,
                                _("The relation is declared.")):
            return done
    elif request.method == "POST" and action == "leave":
        form = ProfileForm(initial=initial, prefix="profile")
        leave_form = LeaveForm(request.POST, prefix="leave")
        if done := _profile_add(request, leave_form, registry.leave_add, expert,
                                _("Your leave is recorded; you will not be drawn in that period.")):
            return done
    return render(request, "expert_pool/profile.html", {
        "expert": expert, "form": form, "relation_form": relation_form, "leave_form": leave_form,
        "relations": expert.relations.all(), "leaves": expert.leaves.all(),
        "specialties": Specialty.objects.all(),
    })


@permission_required("expert_pool.profile.edit")
@require_POST
def relation_withdraw(request, pk: int):
    relation = get_object_or_404(Relation, pk=pk, expert__user=request.user)
    registry.relation_withdraw(relation=relation)
    messages.success(request, _("The declaration is withdrawn."))
    return redirect("expert_pool:profile")


@permission_required("expert_pool.profile.edit")
@require_POST
def leave_remove(request, pk: int):
    leave = get_object_or_404(Leave, pk=pk, expert__user=request.user)
    registry.leave_remove(leave=leave)
    messages.success(request, _("The leave is removed."))
    return redirect("expert_pool:profile")


@permission_required("expert_pool.profile.edit")
def my_seats(request):
    seats = (Seat.objects.filter(expert__user=request.user).exclude(state=Seat.State.WAITING)
             .select_related("request", "specialty").order_by("-request__evaluation_starts_at"))
    return render(request, "expert_pool/my_seats.html", {"seats": seats})


@require_http_methods(["GET", "POST"])
def seat_answer(request, token):
    """The link in the notification: the token itself identifies the seat, so no log-in is needed."""
    seat = get_object_or_404(Seat.objects.select_related("request", "specialty", "expert__user"), token=token)
    form = AnswerForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            draws.seat_answer(seat=seat, accept=form.cleaned_data["accept"], note=form.cleaned_data["note"])
        except ValidationError as exc:
            form_add_service_errors(form, exc)
        else:
            messages.success(request, _("Thank you, your answer is recorded."))
            return redirect("expert_pool:seat_answer", token=token)
        seat.refresh_from_db()
    return render(request, "expert_pool/seat_answer.html", {"seat": seat, "form": form})


@permission_required("expert_pool.draw.view")
@require_http_methods(["GET", "POST"])
def draw_list(request):
    form = None
    if request.user.role in (Role.AGENCY, Role.TENDERER):
        form = DrawRequestForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            data = form.cleaned_data
            agency = request.user.organisation if request.user.role == Role.AGENCY else None
            try:
                created = draws.draw_request_create(
                    requested_by=request.user, agency=agency, bidders=list(data.pop("bidders")), **data,
                )
            except ValidationError as exc:
                form_add_service_errors(form, exc)
            else:
                messages.success(request, _("Request recorded; the commitment is published."))
                return redirect("expert_pool:draw_detail", pk=created.pk)
    sections = []
    if request.user.role in (Role.AGENCY, Role.TENDERER):
        from trading.models import Section

        from .services.section_draw import DRAWABLE

        sections = (Section.objects.filter(project__status__in=DRAWABLE, failed_at__isnull=True)
                    .filter(Q(project__tenderer_id=request.user.organisation_id)
                            | Q(project__agency_id=request.user.organisation_id))
                    .select_related("project")[:50])
    return render(request, "expert_pool/draw_list.html", {
        "requests": requests_visible_to(request.user)[:100], "form": form, "sections": sections,
    })


@login_required
@require_http_methods(["GET", "POST"])
def draw_detail(request, pk: int):
    draw_request = get_object_or_404(DrawRequest.objects.select_related("tenderer", "agency", "regulator"), pk=pk)
    require(request.user, "expert_pool.draw.view", draw_request)
    if request.method == "POST":
        action = request.POST.get("action")
        if action in ("witness_commit", "witness_reveal"):
            return _witness_action(request, draw_request)
        if action not in ("perform", "announce"):
            raise Http404
        require(request.user, f"expert_pool.draw.{action}", draw_request)
        try:
            if action == "perform":
                draws.draw_perform(request=draw_request)
                messages.success(request, _("The committee is drawn; the experts are being notified."))
            else:
                draws.draw_announce(request=draw_request)
                messages.success(request, _("Announced: the names and the seed are now public."))
        except ValidationError as exc:
            for message in exc.messages:
                messages.error(request, message)
        return redirect("expert_pool:draw_detail", pk=pk)
    return _draw_detail_render(request, draw_request)


def _draw_detail_render(request, draw_request: DrawRequest, *, witness_errors: dict | None = None):
    witness = draw_request.draw_format == 2 and witness_may_act(user=request.user, request=draw_request)
    summary = committee_summary(request=draw_request)
    return render(request, "expert_pool/draw_detail.html", {
        "draw": draw_request, "summary": summary,
        "committee_complete": summary["confirmed"] >= summary["wanted"] and not summary["waiting"],
        "can_commit": witness and draw_request.state == DrawRequest.State.COMMITTED
        and not draw_request.witness_commitment,
        "can_reveal": witness and draw_request.state == DrawRequest.State.POOL_FIXED,
        "witness_errors": witness_errors or {},
        "seats": committee_view(user=request.user, request=draw_request),
        "can_perform": draw_request.state == DrawRequest.State.COMMITTED
        and request.user.role != Role.EXPERT,
        "can_announce": draw_request.state in (DrawRequest.State.DRAWN, DrawRequest.State.CONFIRMED)
        and request.user.role != Role.EXPERT,
        "evaluation": Evaluation.objects.filter(section_id=draw_request.section_id).first()
        if draw_request.section_id else None,
        "can_open": draw_request.section_id is not None and request.user.role in (Role.AGENCY, Role.TENDERER),
    })


def _witness_action(request, draw_request: DrawRequest):
    """The regulator's commitment (before the pool is fixed) or reveal (after): errors shown beside the field."""
    errors = witness_post(
        request, commit=lambda value: draw_v2.witness_commit(request=draw_request, user=request.user,
                                                             commitment=value),
        reveal=lambda value: draw_v2.witness_reveal(request=draw_request, user=request.user, secret=value),
        revealed_message=_("Your secret matches your commitment; the committee is drawn."))
    if errors:
        draw_request.refresh_from_db()
        return _draw_detail_render(request, draw_request, witness_errors=errors)
    return redirect("expert_pool:draw_detail", pk=draw_request.pk)


def draw_record_json(request, pk: int):
    """The published record, public: commitment before the draw, everything after the announcement."""
    draw_request = get_object_or_404(DrawRequest, pk=pk)
    return JsonResponse(draw_record(request=draw_request), json_dumps_params={"ensure_ascii": False})


@permission_required("expert_pool.manage")
@require_http_methods(["GET", "POST"])
def import_upload(request):
    form = ImportForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            job = registry.import_job_create(uploaded_by=request.user, file_name=upload.name, data=upload.read())
        except ValidationError as exc:
            form_add_service_errors(form, exc)
        else:
            return redirect("expert_pool:import_job", pk=job.pk)
    return render(request, "expert_pool/import.html", {
        "form": form, "jobs": ImportJob.objects.all()[:20], "columns": registry.IMPORT_COLUMNS,
    })


@permission_required("expert_pool.manage")
def import_job(request, pk: int):
    return render(request, "expert_pool/import_job.html", {"job": get_object_or_404(ImportJob, pk=pk)})


@permission_required("expert_pool.manage")
def import_job_status(request, pk: int):
    job = get_object_or_404(ImportJob, pk=pk)
    return JsonResponse({"state": job.state, "total": job.total, "processed": job.processed,
                         "created": job.created, "percent": job.percent, "errors": job.errors})

