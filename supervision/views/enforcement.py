"""The regulator's desk and the pages of enforcement: leads, cases, decisions, the yearly report.

Parse the form, check permission, call one service. Regulators see their own region (``SUPERVISION_REGION_SCOPE``);
a party sees the decisions addressed to it; everyone sees published decisions.
"""

import datetime as dt

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.permissions import can, permission_required
from core.workdays import today
from credit.selectors import catalogue_current
from expert_pool.models import Expert
from trading import storage
from trading.models import Award, Bid, Project

from ..documents import decision_path, report_pdf
from ..indicators.catalogue import BY_CODE, INDICATORS
from ..models import Case, CaseParty, Lead, Measure, Severity
from ..selectors import complaints as complaint_selectors
from ..selectors import enforcement as es
from ..selectors.report import COLUMNS, column_labels, enforcement_report, report_csv
from ..services import cases, leads
from .complaints import messages_from

PAGE = 50


def _run(request, call, success: str, back: str):
    try:
        result = call()
    except (ValidationError, PermissionDenied) as exc:
        messages_from(request, exc)
        return redirect(back)
    messages.success(request, success)
    return redirect(result if isinstance(result, str) else back)


@permission_required("supervision.enforce")
def desk(request):
    """The regulator's desk: live rooms, leads by severity, cases by deadline, what is due."""
    user = request.user
    new_leads = es.leads_for(user=user)
    context = {
        "rooms": es.live_rooms(user=user)[:20],
        "counts": {(family, severity): new_leads.filter(family=family, severity=severity).count()
                   for family in Lead.Family.values for severity in Severity.values},
        "families": Lead.Family.choices, "severities": Severity.choices,
        "top_leads": new_leads[:10],
        "cases": es.cases_for(user=user, state=Case.State.OPEN)[:20],
        "due": es.regulator_due(user=user, limit=20),
        "overdue_complaints": complaint_selectors.overdue_complaints().count(),
        "today": today(),
    }
    return render(request, "supervision/enforcement/desk.html", context)


def _lead_filter(request) -> es.LeadFilter:
    get = request.GET
    state = get.get("state", Lead.State.NEW)
    return es.LeadFilter(
        family=get.get("family", "") if get.get("family") in Lead.Family.values else "",
        severity=get.get("severity", "") if get.get("severity") in Severity.values else "",
        code=get.get("code", "") if get.get("code") in BY_CODE else "",
        state=state if state in Lead.State.values else "", q=get.get("q", "").strip()[:100])


@permission_required("supervision.enforce")
def lead_list(request):
    flt = _lead_filter(request)
    page = Paginator(es.leads_for(user=request.user, flt=flt).prefetch_related("organisations"), PAGE).get_page(
        request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(request, "supervision/enforcement/leads.html", {
        "page": page, "flt": flt, "indicators": INDICATORS, "families": Lead.Family.choices,
        "severities": Severity.choices, "states": Lead.State.choices, "query": query.urlencode()})


def _lead_bids(lead: Lead) -> list[Bid]:
    ids = lead.evidence.get("bids") or []
    return list(Bid.objects.filter(pk__in=ids).select_related("organisation").order_by("pk"))


@permission_required("supervision.enforce")
def lead_detail(request, pk: int):
    lead = get_object_or_404(es.leads_for(user=request.user, flt=es.LeadFilter(state="")), pk=pk)
    return render(request, "supervision/enforcement/lead.html", {
        "lead": lead, "indicator": BY_CODE.get(lead.code), "bids": _lead_bids(lead),
        "organisations": lead.organisations.all()})


@permission_required("supervision.enforce")
@require_POST
def lead_action(request, pk: int, action: str):
    lead = get_object_or_404(es.leads_for(user=request.user, flt=es.LeadFilter(state="")), pk=pk)
    back = f"/supervision/leads/{pk}/"
    if action == "dismiss":
        return _run(request, lambda: leads.lead_dismiss(lead=lead, user=request.user,
                                                        reason=request.POST.get("reason", "")),
                    _("Dismissed; the reason is recorded."), back)
    if action == "case":
        def open_case() -> str:
            return f"/supervision/cases/{cases.case_open_from_lead(lead=lead, user=request.user).pk}/"

        return _run(request, open_case, _("Case opened."), back)
    raise Http404


@permission_required("supervision.enforce")
def case_list(request):
    state = request.GET.get("state", "")
    state = state if state in Case.State.values else ""
    q = request.GET.get("q", "").strip()[:100]
    page = Paginator(es.cases_for(user=request.user, state=state, q=q), PAGE).get_page(request.GET.get("page"))
    return render(request, "supervision/enforcement/cases.html", {
        "page": page, "state": state, "q": q, "states": Case.State.choices, "today": today(),
        "origins": [c for c in Case.Origin.choices if c[0] != Case.Origin.LEAD]})


@permission_required("supervision.enforce")
@require_POST
def case_new(request):
    post = request.POST

    def call():
        deal_code = post.get("deal_code", "").strip()
        project = None
        if deal_code:
            project = Project.objects.filter(deal_code=deal_code).first()
            if project is None:
                raise ValidationError({"deal_code": _("No project has the deal code %(code)s; copy it from the "
                                                      "project page.") % {"code": deal_code}})
        case = cases.case_open(user=request.user, title=post.get("title", ""), facts=post.get("facts", ""),
                               origin=post.get("origin", ""), project=project)
        return f"/supervision/cases/{case.pk}/"

    return _run(request, call, _("Case opened."), "/supervision/cases/")


def _case(request, pk: int) -> Case:
    return get_object_or_404(es.cases_for(user=request.user), pk=pk)


@permission_required("supervision.enforce")
def case_detail(request, pk: int):
    case = _case(request, pk)
    project = case.project
    awards = Award.objects.filter(section__project=project).select_related("organisation", "section") \
        if project else Award.objects.none()
    organisations = {p.organisation for p in case.parties.select_related("organisation") if p.organisation_id}
    if project:
        organisations |= {b.organisation for b in Bid.objects.filter(section__project=project).select_related(
            "organisation")}
    return render(request, "supervision/enforcement/case.html", {
        "case": case, "parties": case.parties.select_related("organisation", "person"),
        "evidence": case.evidence.select_related("bid__organisation"), "measures": case.measures.select_related(
            "organisation", "person", "credit_event"), "kinds": Measure.Kind.choices,
        "organisations": sorted(organisations, key=lambda o: o.name), "awards": awards,
        "experts": Expert.objects.select_related("user").order_by("user__display_name")[:500],
        "behaviours": [v for v in catalogue_current(active_only=True) if v.points or v.effect != "none"],
        "evidence_kinds": [("note", _("Finding or reference")), ("file", _("File"))],
        "bids": Bid.objects.filter(section__project=project).select_related("organisation") if project else [],
        "overdue": es.case_is_overdue(case), "today": today(), "roles": CaseParty.Role.choices})


def _date(value: str, field: str) -> dt.date | None:
    if not value:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise ValidationError({field: _("Give the date as YYYY-MM-DD.")})


def _int(value: str, field: str) -> int | None:
    if not value:
        return None
    try:
        return int(value)
    except ValueError:
        raise ValidationError({field: _("Give a whole number.")})


def measure_arguments(post, files=None) -> dict:
    """The service arguments of a measure from a form or API payload (names as the API's)."""
    from accounts.models import Organisation

    kind = post.get("kind", "")
    names = post.getlist("talked_name") if hasattr(post, "getlist") else []
    positions = post.getlist("talked_position") if hasattr(post, "getlist") else []
    talked = post.get("talked_to") or [{"name": n, "position": p} for n, p in zip(names, positions, strict=False)]
    organisation = post.get("organisation")
    return {
        "kind": kind, "legal_basis": post.get("legal_basis", ""), "findings": post.get("findings", ""),
        "behaviour_code": post.get("behaviour_code", ""),
        "organisation": Organisation.objects.filter(pk=organisation).first() if organisation else None,
        "talked_to": talked, "talk_on": _date(post.get("talk_on", ""), "talk_on") if isinstance(
            post.get("talk_on"), str) else post.get("talk_on"),
        "amount": post.get("amount") or None,
        "expert": Expert.objects.filter(pk=post.get("expert")).first() if post.get("expert") else None,
        "months": _int(str(post.get("months") or ""), "months"),
        "award": Award.objects.filter(pk=post.get("award")).select_related("section").first()
        if post.get("award") else None,
        "referred_to": post.get("referred_to", ""), "publish": post.get("publish") in ("on", True, "true"),
    }


@permission_required("supervision.enforce")
@require_POST
def case_action(request, pk: int, action: str):
    case = _case(request, pk)
    post, user = request.POST, request.user
    back = f"/supervision/cases/{pk}/"
    calls = {
        "measure": (lambda: cases.measure_issue(case=case, user=user, **measure_arguments(post)),
                    _("Decision issued; the signed document and the credit record are made.")),
        "evidence": (lambda: cases.case_evidence_add(
            case=case, user=user, kind=post.get("kind", ""), note=post.get("note", ""),
            bid=Bid.objects.filter(pk=post.get("bid") or 0, section__project=case.project).first(),
            file=request.FILES.get("file")), _("Evidence added.")),
        "close": (lambda: cases.case_close(case=case, user=user, note=post.get("note", "")), _("Case closed.")),
        "payment": (lambda: cases.fine_payment_record(
            measure=get_object_or_404(Measure, pk=post.get("measure"), case=case), user=user,
            amount=post.get("amount"), paid_on=_date(post.get("paid_on", ""), "paid_on"),
            reference=post.get("reference", "")), _("Payment recorded.")),
        "publish": (lambda: cases.measure_publish(measure=get_object_or_404(Measure, pk=post.get("measure"),
                                                                            case=case), user=user),
                    _("Decision published.")),
    }
    if action not in calls:
        raise Http404
    call, success = calls[action]
    return _run(request, call, success, back)


@permission_required("supervision.enforce")
def evidence_download(request, pk: int):
    from ..models import CaseEvidence

    item = get_object_or_404(CaseEvidence, pk=pk, kind="file")
    _case(request, item.case_id)
    return FileResponse(storage.protected_path(item.path).open("rb"), as_attachment=True, filename=item.name)


def _year(request) -> int:
    try:
        year = int(request.GET.get("year") or today().year)
    except ValueError:
        year = today().year
    return min(max(year, 2000), today().year)


@permission_required("supervision.enforce")
def report(request):
    year = _year(request)
    data = enforcement_report(year=year, user=request.user)
    labels = column_labels()
    return render(request, "supervision/enforcement/report.html", {
        "report": data, "columns": [(c, labels[c]) for c in COLUMNS], "year": year,
        "years": list(range(today().year, today().year - 6, -1))})


@permission_required("supervision.enforce")
def report_export_csv(request):
    year = _year(request)
    response = HttpResponse("\ufeff" + report_csv(enforcement_report(year=year, user=request.user)),
                            content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="enforcement-{year}.csv"'
    return response


@permission_required("supervision.enforce")
def report_export_pdf(request):
    year = _year(request)
    with translation.override("zh-hans"):  # an official document: its row names in Chinese too
        report = enforcement_report(year=year, user=request.user)
    response = HttpResponse(report_pdf(report), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="enforcement-{year}.pdf"'
    return response


def decisions(request):
    """Published decisions (public); a signed-in party also sees the decisions addressed to it."""
    page = Paginator(es.decisions_public(), PAGE).get_page(request.GET.get("page"))
    return render(request, "supervision/enforcement/decisions.html", {
        "page": page, "mine": es.decisions_of(user=request.user)[:50]})


def _decision(request, pk: int) -> Measure:
    measure = get_object_or_404(Measure.objects.select_related("case__project", "organisation", "person"), pk=pk)
    if not es.may_see_decision(user=request.user, measure=measure):
        raise Http404
    return measure


def decision_detail(request, pk: int):
    measure = _decision(request, pk)
    return render(request, "supervision/enforcement/decision.html", {
        "measure": measure, "regulator": can(request.user, "supervision.enforce")})


def decision_pdf(request, pk: int):
    measure = _decision(request, pk)
    return FileResponse(decision_path(measure).open("rb"), content_type="application/pdf",
                        filename=f"decision-{measure.pk}.pdf")
