"""Pages of trading: the public portal, the desks of tenderers/agencies, bidders and regulators."""

import datetime as dt
import json

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, Prefetch, Q
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from accounts.models import Organisation, Role
from accounts.permissions import can, permission_required, require
from accounts.throttling import SearchThrottle, throttle_view
from core.forms import form_add_service_errors

from . import lifecycle, receipts, selectors, storage
from .client import client_info
from .criteria_field import criteria_rows
from .forms import AmendForm, ProjectEditForm, ProjectForm, SearchForm, SectionForm, key_files_field
from .models import (
    Announcement,
    Award,
    Bid,
    CancelReason,
    Candidate,
    Category,
    NoticeAttachment,
    PortalType,
    Project,
    Registration,
    Section,
    Status,
    TenderDocument,
    kinds_of,
)
from .notice_pdf import notice_filename, notice_pdf
from .search.page import announcements_content
from .services import awards, bids, certificates, custody, keys, notices, participation, projects, refusals

# The lifecycle's next steps as people name them (the button's label), and those that cannot be undone.
STEP_LABELS = {
    Status.PUBLISHED: gettext_lazy("Publish the tender notice"),
    Status.EVALUATION: gettext_lazy("Close the opening and start the evaluation"),
    Status.PUBLICITY: gettext_lazy("Publicise the candidates"),
    Status.AWARDED: gettext_lazy("Confirm the award"),
    Status.CONTRACT_SIGNED: gettext_lazy("Confirm the contracts are signed"),
    Status.ARCHIVED: gettext_lazy("Archive the project"),
    Status.FAILED: gettext_lazy("Declare the tender failed (流标)"),
    Status.CANCELLED: gettext_lazy("Terminate the project"),
    Status.SUSPENDED: gettext_lazy("Suspend the project"),
}
IRREVERSIBLE = {Status.FAILED, Status.CANCELLED, Status.ARCHIVED}


def _opened_bidders(project: Project) -> list[dict]:
    """Per live section, the bidders whose bids were opened and the ranked candidates (中标候选人) entered so far: the
    candidates and the winner are picked from them by name, the winner's price offered as the award amount."""
    if project.status not in (Status.EVALUATION, Status.PUBLICITY, Status.READY_TO_AWARD):
        return []
    bids = Bid.objects.filter(section__project=project, state=Bid.State.OPENED).select_related("organisation")
    by_section: dict[int, list] = {}
    for bid in bids.order_by("organisation__name"):
        by_section.setdefault(bid.section_id, []).append(bid.organisation)
    sections = project.sections.filter(failed_at__isnull=True).order_by("code").prefetch_related(
        Prefetch("candidates", queryset=Candidate.objects.select_related("organisation")))
    rows = []
    for section in sections:
        candidates = list(section.candidates.all())
        rows.append({"section": section, "bidders": by_section.get(section.pk, []), "candidates": candidates,
                     "award": Award.objects.filter(section=section).select_related("organisation").first(),
                     "by_committee": any(c.score is not None for c in candidates),
                     "first": candidates[0] if candidates else None})
    return rows


def next_steps(*, user, project: Project) -> list[dict]:
    """The steps this person may take now, each with its label and what it needs (reason, note, confirmation)."""
    steps = []
    for target in lifecycle.allowed_targets(project=project):
        if not lifecycle.can_trigger(user=user, project=project, to=target):
            continue
        # The award of each section, then the contract of each award, is recorded first (the forms below the steps);
        # only then is it confirmed here.
        if target == Status.AWARDED and project.sections.filter(failed_at__isnull=True, award__isnull=True).exists():
            continue
        if target == Status.CONTRACT_SIGNED and Award.objects.filter(section__project=project,
                                                                      contract__isnull=True).exists():
            continue
        rule = lifecycle.find_transition(project=project, to=target)
        lifting = project.status == Status.SUSPENDED
        steps.append({"to": target, "label": _("Lift the suspension") if lifting else STEP_LABELS.get(target, Status(
            target).label), "needs_reason": rule.needs_reason, "needs_note": rule.needs_note,
            "irreversible": target in IRREVERSIBLE, "danger": target in IRREVERSIBLE or target == Status.SUSPENDED,
            # what still keeps the draft from being published, shown at its button
            "blocked": lifecycle.publish_problems(project=project, now=timezone.now())
            if target == Status.PUBLISHED else []})
    return sorted(steps, key=lambda step: step["danger"])


def home(request):
    """The public portal's front page: the latest announcements."""
    latest = Announcement.objects.select_related("project").order_by("-published_at", "-pk")[:12]
    return render(request, "trading/home.html", {"announcements": latest, "form": SearchForm()})


@throttle_view(SearchThrottle)
def announcements(request):
    """Public listing with filters and full-text search (its content from the search cache: trading.search.page)."""
    try:
        page = max(1, int(request.GET.get("page", 1)))
    except ValueError:
        page = 1
    content = announcements_content(form=SearchForm(request.GET or None), page=page)
    return render(request, "trading/announcements.html", {"content": content})


def announcement(request, pk: int):
    item = get_object_or_404(Announcement.objects.select_related("project"), pk=pk)
    return render(request, "trading/announcement.html", {
        "announcement": item, "project": item.project, "attachments": item.attachments.all()})


PORTAL_CATEGORIES = (Category.CONSTRUCTION, Category.GOVERNMENT, Category.LAND, Category.PROPERTY)


def portal(request):
    """The portal as on the national one: notices by category (工程建设, 政府采购, 土地矿业, 国有产权) × type
    (交易公告, 变更公告, 中标候选人公示, 中标结果公告, 合同公示), newest first, 25 a page."""
    category = request.GET.get("category", "")
    kind = request.GET.get("type", "")
    category = category if category in Category.values else ""
    kind = kind if kind in PortalType.values else ""
    notices = Announcement.objects.annotate(files=Count("attachments")).order_by("-published_at", "-pk")
    if category:
        notices = notices.filter(category=category)
    if kind:
        notices = notices.filter(kind__in=kinds_of(kind))
    page = Paginator(notices, 25).get_page(request.GET.get("page"))
    return render(request, "trading/portal.html", {
        "page": page, "category": category, "type": kind,
        "categories": [(c.value, c.label) for c in PORTAL_CATEGORIES],
        "types": PortalType.choices,
    })


def notice_pdf_download(request, pk: int):
    """The notice itself as a printable, signed PDF (公告全文)."""
    item = get_object_or_404(Announcement.objects.select_related("project"), pk=pk)
    response = HttpResponse(notice_pdf(item), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{notice_filename(item)}"'
    return response


def notice_attachment(request, pk: int, attachment_id: int):
    """A file published with a notice: public as the notice is."""
    attachment = get_object_or_404(NoticeAttachment, pk=attachment_id, announcement_id=pk)
    response = FileResponse(storage.protected_path(attachment.storage_path).open("rb"), as_attachment=True,
                            filename=attachment.name)
    response["X-Content-SHA256"] = attachment.sha256
    return response


def project(request, pk: int):
    """A project: public facts for everyone; the desk of its parties, bidders and regulators below."""
    obj = get_object_or_404(Project.objects.select_related("tenderer", "agency", "retender_of"), pk=pk)
    user = request.user
    if obj.status == Status.DRAFT and not can(user, "trading.project.draft", obj):
        raise Http404
    context = {"project": obj, "sections": obj.sections.all(), "documents": obj.documents.all(),
               "announcements": obj.announcements.all(), "is_party": selectors.is_party(user=user, project=obj),
               "criteria": criteria_rows(obj.evaluation_criteria),
               # a link only for who may download (an anonymous reader's leads to the log-in)
               "documents_open": not user.is_authenticated or participation.documents_may_download(user=user,
                                                                                                    project=obj)}
    if can(user, "trading.project.inspect", obj):
        context.update({
            "inspect": True, "history": obj.transitions.select_related("by"),
            "participation": selectors.participation_visible(user=user, project=obj),
            "reasons": CancelReason.choices,
            "opened_bidders": _opened_bidders(obj),
            "next_steps": next_steps(user=user, project=obj),
            "awards": Award.objects.filter(section__project=obj).select_related("organisation", "section"),
            "refused": Award.objects.filter(refused_section__project=obj).select_related("organisation",
                                                                                       "refused_section"),
        })
    if context.get("participation"):  # who registered, downloaded or bid: secret until the deadline (EB 23/24)
        context["registrations"] = Registration.objects.filter(section__project=obj).select_related(
            "organisation", "section")
        context["bid_counts"] = selectors.project_valid_bid_counts(project=obj)
        context["downloads"] = selectors.project_downloads(project=obj).exclude(organisation=None)
        context["downloader_count"] = selectors.project_downloader_count(project=obj)
    if context["is_party"]:
        context.update({"amend_form": AmendForm(), "section_form": SectionForm()})
    context["opening_key"] = getattr(obj, "opening_key", None)
    if user.is_authenticated:
        context["my_custody"] = obj.custodians.filter(user=user).exclude(share=None).first()
        if context["my_custody"]:
            context["check_url"] = reverse("api-trading-custody-check", args=[obj.pk])
            context["share_url"] = reverse("api-trading-custody-share", args=[obj.pk])
        context["my_key"] = selectors.bidder_key_current(user=user)
        context["deadline_passed"] = obj.bid_deadline is not None and timezone.now() >= obj.bid_deadline
    if user.is_authenticated and user.role == Role.BIDDER:
        context["my_sections"] = [
            (s, selectors.registration_of(section=s, organisation=user.organisation),
             selectors.live_bid(section=s, organisation=user.organisation))
            for s in obj.sections.all()
        ]
        context["commitment_text"] = participation.commitment_text()
    return render(request, "trading/project.html", context)


@login_required
@require_POST
def award_refusal(request, pk: int, action: str):
    """Refuse (award or contract), award the next candidate, or tender the section again."""
    post, user = request.POST, request.user
    if action == "refuse":
        award = get_object_or_404(Award.objects.select_related("section"), pk=pk, section__isnull=False)
        project_id = award.section.project_id
        call = lambda: refusals.award_refuse(award=award, user=user, refusal=post.get("refusal", ""),  # noqa: E731
                                             reason=post.get("reason", ""))
    else:
        section = get_object_or_404(Section, pk=pk)
        project_id = section.project_id
        if action == "next":
            call = lambda: refusals.award_next_candidate(section=section, user=user,  # noqa: E731
                                                         amount=post.get("amount") or None)
        elif action == "retender":
            call = lambda: refusals.award_refusal_retender(section=section, user=user,  # noqa: E731
                                                           note=post.get("note", ""))
        else:
            raise Http404

    def run(_project):
        call()
        return _("Done.")

    return _act(request, project_id, run)


@permission_required("trading.desk")
def desk(request):
    """The person's projects (tenderer/agency/regulator) or registrations and bids (bidder)."""
    user = request.user
    projects = selectors.projects_for(user=user).order_by("-created_at", "-pk")
    status, query = request.GET.get("status", ""), request.GET.get("q", "").strip()
    if status in Status.values:
        projects = projects.filter(status=status)
    if query:
        projects = projects.filter(Q(title__icontains=query) | Q(deal_code__startswith=query))
    page = Paginator(projects, 25).get_page(request.GET.get("page"))
    filters = request.GET.copy()
    filters.pop("page", None)
    context = {"projects": page.object_list, "page": page, "statuses": Status.choices, "status": status,
               "query": query, "filters": filters.urlencode()}
    if user.role == Role.BIDDER:
        context["bids"] = selectors.bids_of(organisation=user.organisation).order_by("-submitted_at")[:200]
    context["my_key"] = selectors.bidder_key_current(user=user)
    return render(request, "trading/desk.html", context)


@login_required
def keys_page(request):
    """Register, replace or revoke your public key; its fingerprint is shown here and on the desk."""
    user = request.user
    if request.method == "POST":
        try:
            if request.POST.get("action") == "revoke":
                keys.bidder_key_revoke(user=user)
                messages.success(request, _("Your key is revoked."))
            else:
                upload = request.FILES.get("public_key_file")
                pem = upload.read(64 * 1024) if upload else request.POST.get("public_key", "")
                registered = keys.bidder_key_register(user=user, public_key_pem=pem)
                messages.success(request, _("Key registered. Fingerprint %(fp)s.") % {"fp": registered.fingerprint})
        except ValidationError as exc:
            for errors in exc.message_dict.values():
                for error in errors:
                    messages.error(request, error)
        return redirect("trading:keys")
    current = selectors.bidder_key_current(user=user)
    history = user.public_keys.exclude(revoked_at=None)
    return render(request, "trading/keys.html", {"current": current, "history": history})


@login_required
def certificate_page(request):
    """Register (upload) your digital certificate (数字证书) from a CA the platform accepts; see what is registered,
    and whether it is still good."""
    user = request.user
    if request.method == "POST":
        upload = request.FILES.get("certificate_file")
        data = upload.read(64 * 1024) if upload else request.POST.get("certificate", "")
        try:
            registered = keys.certificate_register(user=user, certificate_pem=data)
        except ValidationError as exc:
            for errors in exc.message_dict.values():
                for error in errors:
                    messages.error(request, error)
        else:
            issuer = certificates.certificate_summary(registered.certificate_pem)["issuer_name"]
            messages.success(request, _("Certificate registered: serial number %(serial)s from %(issuer)s.") % {
                "serial": registered.certificate_serial, "issuer": issuer})
        return redirect("trading:certificate")
    current = selectors.bidder_key_current(user=user)
    shown, problem = None, ""
    if current is not None and current.certificate_pem:
        shown = certificates.certificate_summary(current.certificate_pem)
        try:
            keys.certificate_still_valid(key=current)
        except ValidationError as exc:
            problem = " ".join(exc.messages)
    history = user.public_keys.exclude(revoked_at=None).exclude(certificate_pem="")
    suite = custody.opening_suite()
    return render(request, "trading/certificate.html", {
        "current": current, "certificate": shown, "problem": problem, "history": history,
        "authorities": certificates.authorities_summary(), "sealing_suite": suite,
        "sealing_suite_name": "SM2" if suite == "gm" else "ECDSA P-256"})


def _org(code: str) -> Organisation | None:
    return Organisation.objects.filter(credit_code=code.strip().upper()).first() if code else None


@permission_required("trading.project.create")
def project_create(request):
    form = ProjectForm(request.POST or None, role=request.user.role)
    if request.method == "POST" and form.is_valid():
        data = key_files_field(dict(form.cleaned_data))
        section = {"code": data.pop("section_code"), "name": data.pop("section_name"),
                   "base_amount": data.pop("section_base_amount"), "base_type": data.pop("section_base_type")}
        tenderer, agency = _org(data.pop("tenderer", "")), _org(data.pop("agency", ""))
        data["evaluation_criteria"] = data.get("evaluation_criteria") or []
        try:
            obj = projects.project_create(user=request.user, sections=[section], tenderer=tenderer, agency=agency,
                                          **data)
        except ValidationError as exc:
            form_add_service_errors(form, exc)
        else:
            messages.success(request, _("Project %(code)s registered as a draft.") % {"code": obj.deal_code})
            return redirect(obj)
    return render(request, "trading/project_form.html", {"form": form})


@login_required
def project_edit(request, pk: int):
    """Change a draft; only its tenderer or agency may (others do not learn it exists), and only while a draft."""
    obj = get_object_or_404(Project, pk=pk)
    if not selectors.is_party(user=request.user, project=obj):
        raise Http404
    initial = {name: getattr(obj, name) for name in ProjectEditForm.base_fields if name != "certificates_only"}
    initial["certificates_only"] = not obj.key_files_allowed
    form = ProjectEditForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        changed = key_files_field({name: form.cleaned_data[name] for name in form.changed_data})
        if "evaluation_criteria" in changed:
            changed["evaluation_criteria"] = changed["evaluation_criteria"] or []
        try:
            projects.project_update(project=obj, user=request.user, **changed)
        except ValidationError as exc:
            form_add_service_errors(form, exc)
        else:
            messages.success(request, _("Draft saved."))
            return redirect(obj)
    return render(request, "trading/project_form.html", {"form": form, "project": obj})


def _act(request, pk: int, call) -> "HttpResponse":  # noqa: F821
    """Run one service for a POSTed form on the project page; errors come back as messages."""
    obj = get_object_or_404(Project, pk=pk)
    try:
        note = call(obj)
    except ValidationError as exc:
        for errors in exc.message_dict.values() if hasattr(exc, "error_dict") else [exc.messages]:
            for error in errors:
                messages.error(request, error)
    except PermissionDenied as exc:
        messages.error(request, str(exc))
    else:
        if note:
            messages.success(request, note)
    return redirect("trading:project", pk=pk)


def _parse_dt(value: str):
    from django.forms import DateTimeField

    return DateTimeField().clean(value) if value else None


@login_required
@require_POST
def project_action(request, pk: int, action: str):
    """The forms of the project page: one action, one service."""
    post, user = request.POST, request.user

    def transition(obj):
        if post.get("to") in IRREVERSIBLE and post.get("confirm") != "on":
            raise ValidationError({"confirm": _("This step cannot be undone: tick the box to confirm it.")})
        lifecycle.project_transition(project=obj, to=post.get("to", ""), user=user,
                                     reason_code=post.get("reason_code") or None, note=post.get("note", ""))
        return _("The project is now “%(s)s”.") % {"s": obj.get_status_display()}

    def retender(obj):
        new = projects.project_retender(project=obj, user=user)
        return _("Re-tender %(code)s created as a draft.") % {"code": new.deal_code}

    def amend(obj):
        notices.announcement_amend(project=obj, user=user, kind=post.get("kind", ""), title=post.get("title", ""),
                                   body=post.get("body", ""), new_bid_deadline=_parse_dt(post.get("new_bid_deadline")))
        return _("Published.")

    def add_section(obj):
        projects.section_add(project=obj, user=user, code=post.get("code", ""), name=post.get("name", ""),
                             base_amount=post.get("base_amount") or None, base_type=post.get("base_type", ""),
                             bond_amount=post.get("bond_amount") or None)
        return _("Section added.")

    def upload(obj):
        participation.document_upload(project=obj, user=user, upload=request.FILES.get("file"))
        return _("Document uploaded.")

    def section_of(obj) -> Section:
        return get_object_or_404(Section, pk=post.get("section"), project=obj)

    def register(obj):
        participation.registration_create(section=section_of(obj), user=user)
        return _("Registered. Sign the credit commitment to be able to bid.")

    def commit(obj):
        registration = get_object_or_404(Registration, pk=post.get("registration"), section__project=obj)
        participation.registration_sign_commitment(registration=registration, user=user,
                                                   accepted=post.get("accepted") == "on")
        return _("Credit commitment signed.")

    def bid(obj):
        made = bids.bid_submit(section=section_of(obj), user=user, upload=request.FILES.get("file"),
                               client=client_info(request))
        return _("Bid received. Receipt %(no)s, SHA-256 %(sha)s, received %(at)s.") % {
            "no": made.receipt_no, "sha": made.sha256, "at": made.submitted_at.isoformat()}

    def share(obj):
        custody.custody_share_submit(project=obj, user=user, share=_opened_share(request))
        return _("Your share is handed in.")

    def custody_check(obj):
        custody.custody_check_answer(project=obj, user=user, answer=_opened_share(request))
        return _("Your key is proven: it opens what the platform wraps to it. Keep it safe for the opening.")

    def withdraw(obj):
        bids.bid_withdraw(bid=get_object_or_404(Bid, pk=post.get("bid"), section__project=obj), user=user)
        return _("Bid withdrawn.")

    def candidates(obj):
        rows = []
        for n in (1, 2, 3):
            if post.get(f"org{n}"):
                rows.append({"organisation": post[f"org{n}"], "price": post.get(f"price{n}")})
        awards.candidates_set(section=section_of(obj), user=user, candidates=rows)
        return _("Candidates entered.")

    def award(obj):
        organisation = _org(post.get("organisation", ""))
        if organisation is None:
            raise ValidationError({"organisation": _("No organisation is registered with this credit code.")})
        awards.award_create(section=section_of(obj), user=user, organisation=organisation, amount=post.get("amount"))
        return _("Award recorded.")

    def contract(obj):
        found = get_object_or_404(Award, pk=post.get("award"), section__project=obj)
        signed = post.get("signed_on")
        awards.contract_record(award=found, user=user, amount=post.get("amount"),
                               signed_on=dt.date.fromisoformat(signed) if signed else None)
        return _("Contract recorded.")

    actions = {f.__name__: f for f in (transition, retender, amend, add_section, upload, register, commit, bid,
                                       withdraw, candidates, award, contract, share,
                                       custody_check)}
    if action not in actions:
        raise Http404
    return _act(request, pk, actions[action])


OPENED_SHARE_FIELDS = ("key_id", "index", "threshold", "secret")


def _opened_share(request) -> dict:
    """A custodian's opened share or key check, as its page hands it in: the fields the browser filled in after
    opening it with the custodian's key there, or the file the bidder tool wrote (``share-decrypt --out``)."""
    upload = request.FILES.get("opened")
    if upload is None:
        return {name: request.POST.get(name, "") for name in OPENED_SHARE_FIELDS}
    try:
        data = json.loads(upload.read(4096).decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        data = None
    if not isinstance(data, dict) or not set(OPENED_SHARE_FIELDS) <= set(data):
        raise ValidationError({"opened": _("This file is not what the bidder tool saved when it opened your share "
                                           "or key check: choose the file it saved the opened share in.")})
    return data


@login_required
def document_download(request, pk: int):
    document = get_object_or_404(TenderDocument, pk=pk)
    participation.document_download(document=document, user=request.user)
    return FileResponse(storage.protected_path(document.storage_path).open("rb"), as_attachment=True,
                        filename=document.name)


def _own_bid(request, pk: int) -> Bid:
    bid = get_object_or_404(Bid.objects.select_related("section__project", "organisation"), pk=pk)
    require(request.user, "trading.bid.submit")
    if bid.organisation_id != request.user.organisation_id:
        raise Http404
    return bid


@login_required
def receipt(request, pk: int):
    """The receipt (回执) of one of your bids, with its signed file and a PDF to print."""
    bid = _own_bid(request, pk)
    return render(request, "trading/receipt.html", {"bid": bid, "facts": receipts.receipt_facts(bid)})


@login_required
def receipt_download(request, pk: int, kind: str):
    """The signed receipt (JSON) or the printable receipt (PDF)."""
    bid = _own_bid(request, pk)
    if kind == "json" and bid.receipt:
        data, content_type = receipts.receipt_json(bid), "application/json"
    elif kind == "pdf":
        data, content_type = receipts.receipt_pdf(bid), "application/pdf"
    else:
        raise Http404
    response = HttpResponse(data, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{receipts.receipt_filename(bid, kind)}"'
    return response


def bidder_tool(request):
    """The bidder tool's help page: what it is for and its commands, for those who use it."""
    return render(request, "trading/bidder_tool.html")
