"""Pages of objections, challenges and complaints: parse the form, check, call one service."""

import datetime as dt

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.models import Role
from accounts.permissions import can, permission_required, require
from marketplace.models import Purchase
from trading import storage
from trading.models import Project, Section
from trading.selectors import is_party

from .. import selectors as cs
from ..models import PROJECT_SUBJECTS, Complaint, ComplaintEvidence, Objection
from ..services import complaints
from ..services.purchase_complaints import purchase_complaint_file


def messages_from(request, exc: Exception) -> None:
    if isinstance(exc, ValidationError):
        for errors in exc.message_dict.values() if hasattr(exc, "error_dict") else [exc.messages]:
            for error in errors:
                messages.error(request, error)
    else:
        messages.error(request, str(exc))


def _run(request, call, success: str, back: str):
    try:
        call()
    except (ValidationError, PermissionDenied) as exc:
        messages_from(request, exc)
    else:
        messages.success(request, success)
    return redirect(back)


def _date(value: str | None) -> dt.date | None:
    if not value:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise ValidationError({"known_on": _("Pick the day from the calendar.")})


@permission_required("supervision.complaint.list")
def desk(request):
    """Objections and complaints of the person: filed (bidder), received (tenderer/agency), the board (regulator)."""
    user = request.user
    context = {"objections": cs.objections_for(user=user)[:200], "complaints": cs.complaints_for(user=user)[:200]}
    if user.role == Role.REGULATOR:
        context.update({"open_complaints": cs.open_complaints(), "overdue_complaints": cs.overdue_complaints(),
                        "overdue_objections": cs.overdue_objections()})
    return render(request, "supervision/desk.html", context)


@login_required
def project_complaints(request, pk: int):
    """A project's objections and complaints and the forms to file them."""
    project = get_object_or_404(Project, pk=pk)
    user = request.user
    if not (can(user, "trading.project.inspect", project) or user.role == Role.BIDDER):
        raise PermissionDenied(_("Only the parties, the bidders and the regulators see this page."))
    objections = cs.objections_for(user=user).filter(project=project)
    found = cs.complaints_for(user=user).filter(project=project)
    context = {
        "project": project, "objections": objections, "complaints": found,
        "subjects": PROJECT_SUBJECTS, "sections": project.sections.all(),
        "track": complaints.track_of(project),
        "can_file": can(user, "supervision.complaint.file"),
    }
    return render(request, "supervision/project.html", context)


def _file_from_form(request, pk: int, file_service, success: str):
    """Parse the filing form of project ``pk`` and file it with ``file_service`` (objection or complaint)."""
    project = get_object_or_404(Project, pk=pk)
    post = request.POST

    def call():
        require(request.user, "supervision.complaint.file")
        section = get_object_or_404(Section, pk=post["section"], project=project) if post.get("section") else None
        file_service(project=project, user=request.user, subject=post.get("subject", ""),
                     grounds=post.get("grounds", ""), section=section,
                     known_on=_date(post.get("known_on")), files=request.FILES.getlist("files"))

    return _run(request, call, success, f"/complaints/project/{pk}/")


@login_required
@require_POST
def objection_new(request, pk: int):
    return _file_from_form(request, pk, complaints.objection_file,
                           _("Filed. The tenderer must answer by the date shown."))


@login_required
@require_POST
def complaint_new(request, pk: int):
    return _file_from_form(request, pk, complaints.complaint_file, _("Complaint filed with the regulator."))


@login_required
def purchase_complaints(request, pk: int):
    """A marketplace purchase's complaints (投诉) on its selection result and the form to file one."""
    purchase = get_object_or_404(Purchase.objects.select_related("owner", "winner__organisation"), pk=pk)
    user = request.user
    found = cs.complaints_for(user=user).filter(purchase=purchase)
    return render(request, "supervision/purchase.html", {
        "purchase": purchase, "complaints": found,
        "can_file": user.role == Role.BIDDER and can(user, "supervision.complaint.file")
        and purchase.state == Purchase.State.PUBLICISED,
        "grounds": request.POST.get("grounds", "") if request.method == "POST" else ""})


@login_required
@require_POST
def purchase_complaint_new(request, pk: int):
    purchase = get_object_or_404(Purchase, pk=pk)

    def call():
        require(request.user, "supervision.complaint.file")
        purchase_complaint_file(purchase=purchase, user=request.user, grounds=request.POST.get("grounds", ""),
                                files=request.FILES.getlist("files"))

    return _run(request, call, _("Complaint filed with the regulator; the contract waits for its decision."),
                reverse("supervision:purchase_complaints", args=[pk]))


@login_required
def objection_detail(request, pk: int):
    objection = get_object_or_404(Objection.objects.select_related("project", "organisation"), pk=pk)
    if not cs.may_see(user=request.user, project=objection.project, organisation_id=objection.organisation_id):
        raise Http404
    return render(request, "supervision/objection.html", {
        "objection": objection, "timeline": cs.objection_timeline(objection),
        "may_answer": is_party(user=request.user, project=objection.project)
        and objection.state == Objection.State.OPEN})


@login_required
@require_POST
def objection_answer(request, pk: int):
    objection = get_object_or_404(Objection, pk=pk)
    return _run(request, lambda: complaints.objection_answer(
        objection=objection, user=request.user, answer=request.POST.get("answer", ""),
        files=request.FILES.getlist("files")), _("Answer recorded."), f"/objections/{pk}/")


@login_required
def complaint_detail(request, pk: int):
    complaint = get_object_or_404(Complaint.objects.select_related("project", "purchase", "organisation"), pk=pk)
    if not cs.may_see_complaint(user=request.user, complaint=complaint):
        raise Http404
    return render(request, "supervision/complaint.html", {
        "complaint": complaint, "timeline": cs.complaint_timeline(complaint),
        "regulator": can(request.user, "supervision.complaint.handle"), "outcomes": Complaint.Outcome.choices[:2]})


@login_required
@require_POST
def complaint_action(request, pk: int, action: str):
    complaint = get_object_or_404(Complaint, pk=pk)
    post, user = request.POST, request.user
    calls = {
        "accept": lambda: complaints.complaint_accept(complaint=complaint, user=user),
        "reject": lambda: complaints.complaint_reject(complaint=complaint, user=user, reasons=post.get("text", "")),
        "pause": lambda: complaints.complaint_pause(complaint=complaint, user=user, reason=post.get("text", "")),
        "resume": lambda: complaints.complaint_resume(complaint=complaint, user=user),
        "decide": lambda: complaints.complaint_decide(complaint=complaint, user=user, outcome=post.get("outcome", ""),
                                                      decision=post.get("text", ""),
                                                      malicious=post.get("malicious") == "on"),
        "suspend": lambda: complaints.complaint_suspend_procedure(complaint=complaint, user=user,
                                                                  note=post.get("text", "")),
        "lift": lambda: complaints.complaint_lift_suspension(complaint=complaint, user=user,
                                                             note=post.get("text", "")),
    }
    if action not in calls:
        raise Http404
    return _run(request, calls[action], _("Done."), f"/complaints/{pk}/")


@login_required
def evidence_download(request, pk: int):
    evidence = get_object_or_404(ComplaintEvidence.objects.select_related("objection__project",
                                                                          "complaint__project"), pk=pk)
    owner = evidence.objection or evidence.complaint
    if evidence.complaint_id:
        visible = cs.may_see_complaint(user=request.user, complaint=evidence.complaint)
    else:
        visible = cs.may_see(user=request.user, project=owner.project, organisation_id=owner.organisation_id)
    if not visible:
        raise Http404
    return FileResponse(storage.protected_path(evidence.path).open("rb"), as_attachment=True, filename=evidence.name)
