"""Deposits pages: the bidder's sub-accounts; the trading centre's, organiser's and regulator's view of one
requirement (arrivals, refunds due); the statement import. Thin: parse, check permission, call one service."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from accounts.permissions import can, permission_required, require
from core.forms import form_add_service_errors

from . import selectors, services, statements
from .forms import GuaranteeForm, ImportForm, RefundForm
from .models import DepositAccount, DepositRequirement, Movement


@permission_required("deposits.own")
def mine(request):
    """The bidder's sub-accounts: what to pay where, by when, and where each stands."""
    rows = [(account, selectors.deposit_status(account))
            for account in selectors.accounts_of(request.user.organisation)[:200]]
    return render(request, "deposits/mine.html", {"rows": rows, "now": timezone.now()})


@permission_required("deposits.own")
@require_http_methods(["GET", "POST"])
def guarantee(request, pk: int):
    """Record an electronic guarantee (电子保函) for the bidder's own deposit."""
    account = get_object_or_404(DepositAccount.objects.select_related("requirement"), pk=pk,
                                organisation_id=request.user.organisation_id)
    requirement = account.requirement
    form = GuaranteeForm(request.POST or None, initial={"beneficiary": requirement.beneficiary,
                                                        "amount": requirement.amount})
    if request.method == "POST" and form.is_valid():
        try:
            services.guarantee_record(account=account, **form.cleaned_data, source="web", by=request.user)
        except ValidationError as exc:
            form_add_service_errors(form, exc)
        else:
            messages.success(request, _("The guarantee was checked and recorded."))
            return redirect("deposits:mine")
    return render(request, "deposits/guarantee.html", {"form": form, "account": account,
                                                       "status": selectors.deposit_status(account)})


@permission_required("deposits.manage")
def manage(request):
    """The requirements this person looks after, latest deadline first."""
    rows = [(requirement, selectors.requirement_summary(requirement))
            for requirement in selectors.requirements_for(request.user)[:200]]
    return render(request, "deposits/manage.html", {
        "rows": rows, "now": timezone.now(), "can_import": can(request.user, "deposits.import")})


@permission_required("deposits.manage")
@require_http_methods(["GET", "POST"])
def requirement(request, pk: int):
    """One requirement: its bidders' deposits and arrivals, refunds due; a tender bond's page exists only after the
    deadline."""
    requirement = get_object_or_404(DepositRequirement.objects.select_related("organiser"), pk=pk)
    if not selectors.arrivals_visible(requirement):
        raise Http404  # a tender bond before its deadline: as if it did not exist (its existence tells of a bidder)
    require(request.user, "deposits.requirement", requirement)
    may_refund = can(request.user, "deposits.refund", requirement)
    form = RefundForm(request.POST or None)
    if request.method == "POST":
        require(request.user, "deposits.refund", requirement)
        if form.is_valid():
            account = get_object_or_404(DepositAccount, pk=form.cleaned_data["account"], requirement=requirement)
            try:
                services.refund_record(account=account, bank_reference=form.cleaned_data["bank_reference"],
                                       interest=form.cleaned_data["interest"], by=request.user)
            except ValidationError as exc:
                messages.error(request, " ".join(exc.messages))
            else:
                messages.success(request, _("The refund to %(bidder)s was recorded.") % {
                    "bidder": account.organisation.name})
                return redirect("deposits:requirement", pk=requirement.pk)
        else:
            messages.error(request, _("Give the bank reference of the refund and, if paid, the interest in yuan."))
    accounts = requirement.accounts.select_related("organisation", "requirement").order_by("organisation__name")
    return render(request, "deposits/requirement.html", {
        "requirement": requirement, "may_refund": may_refund,
        "rows": [(account, selectors.deposit_status(account)) for account in accounts],
        "arrivals": (Movement.objects.filter(account__requirement=requirement, kind=Movement.Kind.ARRIVAL)
                     .select_related("account__organisation").order_by("arrived_at")),
        "refunds": selectors.refunds_outstanding(requirement),
    })


@permission_required("deposits.import")
@require_http_methods(["GET", "POST"])
def statement_import(request):
    """The trading centre imports a bank statement of arrivals: all or nothing, each wrong row named."""
    form = ImportForm(request.POST or None, request.FILES or None)
    row_errors, result = {}, None
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            rows = statements.rows_read(file_name=upload.name, content=upload.read(statements.MAX_BYTES + 1))
            result = services.arrivals_import(rows=rows, source=f"import:{upload.name}"[:120], by=request.user)
        except services.ImportRefused as exc:
            row_errors = exc.rows
            form.add_error(None, exc.messages)
        except ValidationError as exc:
            form_add_service_errors(form, exc)
    return render(request, "deposits/import.html", {
        "form": form, "result": result, "row_errors": sorted(row_errors.items()),
        "columns": statements.HEADERS})
