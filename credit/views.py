"""Credit pages: public lists, a subject's own page, regulators' management pages. Thin:
parse, check permission, call one service."""

import datetime as dt

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from accounts.models import Organisation
from accounts.permissions import can, permission_required, require
from core.forms import form_add_service_errors
from core.workdays import today

from . import selectors, services
from .forms import (
    AppealDecideForm,
    BehaviourCreateForm,
    BehaviourReviseForm,
    CorrectForm,
    DecideForm,
    RecordForm,
    StatementForm,
)
from .models import Appeal, Behaviour, BlacklistEntry, CreditEvent, EvidenceDocument, RepairApplication

User = get_user_model()


def _parse_day(value: str | None) -> dt.date:
    try:
        return dt.date.fromisoformat(value) if value else today()
    except ValueError:
        return today()


# --- public ----------------------------------------------------------------------------------


def lists(request):
    """Public red and black lists (current, public entries), searchable by name or credit code."""
    q = request.GET.get("q", "").strip()
    which = "red" if request.GET.get("list") == "red" else "black"
    entries = selectors.redlist_current(q=q) if which == "red" else selectors.blacklist_public(q=q)
    return render(request, "credit/lists.html", {"entries": entries[:200], "q": q, "which": which})


# --- the subject's own page ----------------------------------------------------------------------------


def _subject_context(*, organisation=None, person=None, on: dt.date) -> dict:
    return {
        "standing": selectors.subject_standing(organisation=organisation, person=person, on=on),
        "record": selectors.subject_record(organisation=organisation, person=person),
        "subject": organisation or person,
    }


@permission_required("credit.own")
def mine(request):
    """The signed-in subject's own credit page: score, grade, history, appeal and repair forms."""
    on = _parse_day(request.GET.get("on"))
    subjects = selectors.subjects_of(request.user)
    sections = []
    if subjects["organisation"] is not None:
        sections.append(_subject_context(organisation=subjects["organisation"], on=on))
    if request.user.role == "expert" or CreditEvent.objects.filter(person=request.user).exists():
        sections.append(_subject_context(person=request.user, on=on))
    return render(request, "credit/mine.html", {"sections": sections, "on": on, "own": True,
                                                "statement_form": StatementForm()})


def _file_statement(request, *, target, file_service, title, filed_message):
    """Parse the statement form and file it for ``target`` with ``file_service`` (appeal or repair)."""
    require(request.user, "credit.subject", target)
    form = StatementForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            file_service(target, statement=form.cleaned_data["statement"], by=request.user,
                         documents=form.cleaned_data["documents"])
        except ValidationError as exc:
            form_add_service_errors(form, exc)
        else:
            messages.success(request, filed_message)
            return redirect("credit:mine")
    return render(request, "credit/statement.html", {"form": form, "title": title, "target": target}, status=400)


@require_POST
@permission_required("credit.own")
def appeal(request, pk: int):
    return _file_statement(
        request, target=get_object_or_404(CreditEvent, pk=pk),
        file_service=lambda event, **kw: services.appeal_file(event=event, **kw),
        title=_("Appeal against a credit record"),
        filed_message=_("Your appeal was filed; the regulator will decide it."))


@require_POST
@permission_required("credit.own")
def repair(request, pk: int):
    return _file_statement(
        request, target=get_object_or_404(BlacklistEntry, pk=pk),
        file_service=lambda entry, **kw: services.repair_apply(entry=entry, **kw),
        title=_("Apply for credit repair"),
        filed_message=_("Your credit repair application was filed; the regulator will decide it."))


def document(request, pk: int):
    """An evidence file, for regulators and for the subject it concerns."""
    doc = get_object_or_404(EvidenceDocument.objects.select_related("event", "appeal__event", "repair__entry"), pk=pk)
    owner = doc.event or (doc.appeal and doc.appeal.event) or doc.repair.entry
    if not (can(request.user, "credit.manage") or can(request.user, "credit.subject", owner)):
        raise Http404
    return FileResponse(doc.file.open("rb"), as_attachment=True, filename=doc.name)


# --- regulators ---------------------------------------------------------------------------------------


@permission_required("credit.manage")
def manage(request):
    q = request.GET.get("q", "").strip()
    found = []
    if q:
        found = list(Organisation.objects.filter(Q(name__icontains=q) | Q(credit_code__iexact=q))[:20])
        found += list(User.objects.filter(Q(username__iexact=q) | Q(display_name__icontains=q), role="expert")[:20])
    return render(request, "credit/manage.html", {
        "appeals": selectors.pending_appeals(), "repairs": selectors.pending_repairs(),
        "events": CreditEvent.objects.select_related("organisation", "person", "behaviour_version")[:30],
        "q": q, "found": found,
    })


@permission_required("credit.manage")
def manage_subject(request, kind: str, pk: int):
    on = _parse_day(request.GET.get("on"))
    if kind == "organisation":
        context = _subject_context(organisation=get_object_or_404(Organisation, pk=pk), on=on)
    elif kind == "person":
        context = _subject_context(person=get_object_or_404(User, pk=pk), on=on)
    else:
        raise Http404
    return render(request, "credit/mine.html", {"sections": [context], "on": on, "own": False})


def _subject_from(value: str) -> dict:
    value = value.strip()
    organisation = selectors.organisation_by_code(credit_code=value)
    if organisation is not None:
        return {"organisation": organisation}
    person = User.objects.filter(username=value).first()
    if person is not None:
        return {"person": person}
    raise ValidationError({"subject": _("No organisation with this unified social credit code and no person with "
                                        "this user name; check the code on the business licence.")})


@require_http_methods(["GET", "POST"])
@permission_required("credit.manage")
def manage_record(request):
    """Record a regulator's decision with its evidence documents."""
    form = RecordForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            event = services.credit_event_record(
                behaviour_code=data["behaviour"], evidence=data["evidence"], deal_code=data["deal_code"],
                source=CreditEvent.Source.REGULATOR, occurred_on=data["occurred_on"],
                decision_number=data["decision_number"], documents=data["documents"], by=request.user,
                **_subject_from(data["subject"]),
            )
        except ValidationError as exc:
            form_add_service_errors(form, exc)
        else:
            messages.success(request, _("The decision was recorded."))
            return redirect("credit:manage_event", pk=event.pk)
    return render(request, "credit/form.html", {"form": form, "title": _("Record a decision"), "multipart": True},
                  status=400 if form.errors else 200)


@require_http_methods(["GET", "POST"])
@permission_required("credit.manage")
def manage_event(request, pk: int):
    """One event, with the form to correct it (annul or amend)."""
    event = get_object_or_404(CreditEvent.objects.select_related("behaviour_version__behaviour"), pk=pk)
    form = CorrectForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            result = services.credit_event_correct(event=event, reason=form.cleaned_data["reason"], by=request.user,
                                                   behaviour_code=form.cleaned_data["behaviour"])
        except ValidationError as exc:
            form_add_service_errors(form, exc)
        else:
            messages.success(request, _("The event was corrected."))
            return redirect("credit:manage_event", pk=result.pk)
    return render(request, "credit/event.html", {"event": event, "form": form}, status=400 if form.errors else 200)


def _decide(request, *, obj, form_class, decide, template_title):
    form = form_class(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            decide(form.cleaned_data)
        except ValidationError as exc:
            form_add_service_errors(form, exc)
        else:
            messages.success(request, _("The decision was recorded."))
            return redirect("credit:manage")
    return render(request, "credit/decide.html", {"form": form, "obj": obj, "title": template_title},
                  status=400 if form.errors else 200)


@require_http_methods(["GET", "POST"])
@permission_required("credit.manage")
def manage_appeal(request, pk: int):
    appeal_obj = get_object_or_404(Appeal.objects.select_related("event__behaviour_version"), pk=pk)
    return _decide(request, obj=appeal_obj, form_class=AppealDecideForm, template_title=_("Decide an appeal"),
                   decide=lambda data: services.appeal_decide(
                       appeal=appeal_obj, uphold=data["decision"] == "approve", reason=data["reason"],
                       by=request.user, behaviour_code=data["behaviour"]))


@require_http_methods(["GET", "POST"])
@permission_required("credit.manage")
def manage_repair(request, pk: int):
    application = get_object_or_404(RepairApplication.objects.select_related("entry"), pk=pk)
    return _decide(request, obj=application, form_class=DecideForm,
                   template_title=_("Decide a credit repair application"),
                   decide=lambda data: services.repair_decide(
                       application=application, approve=data["decision"] == "approve", reason=data["reason"],
                       by=request.user))


@require_http_methods(["GET", "POST"])
@permission_required("credit.manage")
def manage_catalogue(request):
    """The catalogue with every version, and the form to add a behaviour."""
    form = BehaviourCreateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.behaviour_create(**form.cleaned_data, by=request.user)
        except ValidationError as exc:
            form_add_service_errors(form, exc)
        else:
            messages.success(request, _("The behaviour was added to the catalogue."))
            return redirect("credit:manage_catalogue")
    return render(request, "credit/catalogue.html", {"behaviours": selectors.behaviours(), "form": form},
                  status=400 if form.errors else 200)


@require_http_methods(["GET", "POST"])
@permission_required("credit.manage")
def manage_behaviour(request, code: str):
    """Edit a behaviour's rule: saving makes a new version."""
    behaviour = get_object_or_404(Behaviour, code=code)
    current = behaviour.current
    initial = {name: getattr(current, name) for name in ("title", "description", "points", "effect", "months",
                                                         "applies_to", "legal_basis", "legal_basis_tendering",
                                                         "legal_basis_procurement", "active")}
    form = BehaviourReviseForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.behaviour_revise(behaviour=behaviour, **form.cleaned_data, by=request.user)
        except ValidationError as exc:
            form_add_service_errors(form, exc)
        else:
            messages.success(request, _("A new version of the rule was saved; earlier events keep theirs."))
            return redirect("credit:manage_catalogue")
    return render(request, "credit/form.html", {
        "form": form, "title": _("Edit rule “%(title)s” (now version %(version)s)") % {
            "title": current.title, "version": current.version},
    }, status=400 if form.errors else 200)
