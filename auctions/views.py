"""Pages of the sales: the public notices and results, a sale's page for each role, the live hall, documents.

Every action is a POST to ``sale_action`` naming one service; a refusal comes back as a message next to the page,
and nothing is half-done (each service is one transaction)."""

import datetime as dt

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.models import Role
from accounts.permissions import permission_required
from trading.selectors import signs_with_tool

from . import rights, rules, selectors, services
from .models import Application, Lot, LotDocument, Method, Sale, Subject


def _error_text(error: Exception) -> str:
    if isinstance(error, ValidationError):
        return " ".join(str(m) for m in error.messages)
    return str(error)


def sale_list(request):
    """The public notices and results (公告与结果); a host also sees its drafts."""
    visible = Sale.objects.exclude(state=Sale.State.DRAFT)
    mine = Sale.objects.none()
    if request.user.is_authenticated and request.user.organisation_id:
        mine = Sale.objects.filter(state=Sale.State.DRAFT).filter(
            agency_id=request.user.organisation_id) | Sale.objects.filter(
            state=Sale.State.DRAFT, agency__isnull=True, seller_id=request.user.organisation_id)
    return render(request, "auctions/list.html", {
        "sales": visible.prefetch_related("lots").select_related("seller", "agency")[:100], "drafts": mine,
        "can_create": request.user.is_authenticated and request.user.role in (Role.AGENCY, Role.TENDERER)})


def _lot_rows(sale: Sale, user) -> list[dict]:
    rows = []
    for lot in sale.lots.select_related("leading__organisation").order_by("number"):
        row = {"lot": lot, "public": selectors.lot_public(lot), "application": None, "account": None,
               "status": None, "documents": list(lot.documents.all()), "confirm_by": None}
        if lot.closed_at and lot.deal_price is not None:
            row["confirm_by"] = rules.confirm_by(lot)
        if user.is_authenticated and user.role == Role.BIDDER and user.organisation_id:
            application = Application.objects.filter(lot=lot, organisation_id=user.organisation_id).first()
            if application is not None:
                application = services.bidding_right_ensure(application=application)
                row.update(application=application, account=rights.account_of(application),
                           status=rights.deposit_status(application))
                row["winner"] = lot.leading_id == application.pk and lot.deal_price is not None
        rows.append(row)
    return rows


def sale_detail(request, pk: int):
    sale = get_object_or_404(Sale.objects.select_related("seller", "agency", "reserve_official"), pk=pk)
    user = request.user
    host = services.is_host(user, sale)
    if sale.state == Sale.State.DRAFT and not host:
        raise Http404(_("This sale is not published."))
    applications = []
    if host:
        applications = list(Application.objects.filter(lot__sale=sale).select_related("organisation", "lot")
                            .order_by("lot__number", "applied_at"))
    return render(request, "auctions/sale.html", {
        "sale": sale, "rows": _lot_rows(sale, user), "host": host, "applications": applications,
        "official": user.is_authenticated and user.pk == sale.reserve_official_id,
        "regulator": user.is_authenticated and user.role == Role.REGULATOR,
        "approver": user.is_authenticated and user.role in (Role.OFFICIAL, Role.REGULATOR),
        "bidder": user.is_authenticated and user.role == Role.BIDDER,
        "now": timezone.now()})


def _lot(sale: Sale, value) -> Lot:
    try:
        return sale.lots.get(pk=int(value))
    except (TypeError, ValueError, Lot.DoesNotExist):
        raise ValidationError(_("Choose a lot of this sale.")) from None


@login_required
@require_POST
def sale_action(request, pk: int):
    """One action on a sale from its page: the named service, or the reason it refused."""
    sale = get_object_or_404(Sale, pk=pk)
    user, data, action = request.user, request.POST, request.POST.get("action", "")
    done = {
        "publish": _("The notice is published."), "suspend": _("The sale is suspended."),
        "resume": _("The sale is resumed."), "apply": _("Your application is submitted; pay the deposit into the "
                                                         "sub-account shown."),
        "review": _("The application is reviewed."), "reserve": _("The reserve price is sealed."),
        "confirm": _("The deal confirmation is signed."), "refuse": _("The refusal is recorded."),
        "approve": _("The decision is recorded."),
    }
    try:
        if action == "publish":
            services.notice_publish(sale=sale, user=user)
        elif action == "suspend":
            services.sale_suspend(sale=sale, user=user, reason=data.get("reason", ""))
        elif action == "resume":
            services.sale_resume(sale=sale, user=user)
        elif action == "apply":
            services.application_submit(lot=_lot(sale, data.get("lot")), user=user)
        elif action == "review":
            application = Application.objects.filter(lot__sale=sale, pk=data.get("application") or 0).first()
            if application is None:
                raise ValidationError(_("Choose an application of this sale."))
            services.application_review(application=application, user=user, qualified=data.get("qualified") == "1",
                                        reason=data.get("reason", ""))
        elif action == "reserve":
            services.reserve_enter(lot=_lot(sale, data.get("lot")), user=user, amount=data.get("amount", ""))
        elif action == "confirm":
            services.deal_confirm(lot=_lot(sale, data.get("lot")), user=user)
        elif action == "refuse":
            services.deal_refuse(lot=_lot(sale, data.get("lot")), user=user, reason=data.get("reason", ""))
        elif action == "approve":
            services.approval_decide(lot=_lot(sale, data.get("lot")), user=user, approved=data.get("approved") == "1",
                                     reason=data.get("reason", ""))
        else:
            raise ValidationError(_("Unknown action."))
    except (ValidationError, PermissionDenied) as error:
        messages.error(request, _error_text(error))
    else:
        messages.success(request, done[action])
    return redirect("auctions:sale", pk=sale.pk)


def _moment(value: str):
    moment = parse_datetime(value or "")
    if moment is not None and timezone.is_naive(moment):
        moment = timezone.make_aware(moment)
    return moment


@permission_required("auctions.sale.create")
def sale_new(request):
    """Set up a sale of one lot (more lots through the API)."""
    officials = get_user_model().objects.filter(role__in=(Role.OFFICIAL, Role.TENDERER), is_active=True)
    sellers = {o.pk: o for o in _sellers(request.user)}
    errors, values = {}, {}
    if request.method == "POST":
        values = request.POST.dict()
        moments = {k: _moment(values.get(k, "")) for k in ("starts_at", "listing_ends_at", "application_deadline")}
        for key, moment in moments.items():
            if moment is None and not (key == "listing_ends_at" and values.get("method") == Method.AUCTION):
                errors[key] = [_("Enter a date and time, such as 2026-12-30 09:00.")]
        seller = sellers.get(int(values["seller"])) if values.get("seller", "").isdigit() else None
        official = officials.filter(pk=values.get("reserve_official") or 0).first()
        if seller is None:
            errors["seller"] = [_("Choose the seller.")]
        if not errors:
            try:
                sale = services.sale_create(
                    user=request.user, title=values.get("title", ""), subject=values.get("subject", ""),
                    kind=values.get("kind", "grant"), method=values.get("method", ""), region=seller.region,
                    seller=seller, reserve_official=official, starts_at=moments["starts_at"],
                    listing_ends_at=moments["listing_ends_at"], application_deadline=moments["application_deadline"],
                    notice_text=values.get("notice_text", ""), lots=[{
                        "title": values.get("lot_title", ""), "starting_price": values.get("starting_price"),
                        "increment": values.get("increment"), "deposit": values.get("deposit"),
                        "valuation": values.get("valuation") or None}],
                    key_files_allowed="certificates_only" not in values)
            except ValidationError as error:
                errors = error.message_dict
            else:
                messages.success(request, _("The sale is saved as a draft; publish its notice from its page."))
                return redirect("auctions:sale", pk=sale.pk)
    return render(request, "auctions/new.html", {
        "errors": errors, "values": values, "officials": officials, "sellers": sellers.values(),
        "subjects": Subject.choices, "methods": Method.choices,
        "example_start": (timezone.localtime() + dt.timedelta(days=25)).strftime("%Y-%m-%d 09:00")})


def _sellers(user):
    from accounts.models import Organisation

    if user.role == Role.TENDERER:
        return Organisation.objects.filter(pk=user.organisation_id)
    return Organisation.objects.filter(org_type=Organisation.Type.TENDERER).order_by("name")[:200]


def hall(request, pk: int):
    """The live hall of one lot: anyone may watch; a bidder with a 竞买号 bids."""
    lot = get_object_or_404(Lot.objects.select_related("sale"), pk=pk)
    if lot.sale.state == Sale.State.DRAFT:
        raise Http404(_("This sale is not published."))
    audience, application = selectors.audience_of(request.user, lot)
    if application is not None:
        application = services.bidding_right_ensure(application=application)
    return render(request, "auctions/hall.html", {
        "lot": lot, "sale": lot.sale, "audience": audience, "application": application,
        "countdown_seconds": int(rules.countdown().total_seconds()),
        "signs_with_tool": application is not None and not lot.sale.key_files_allowed and signs_with_tool(
            user=request.user)})


@permission_required("auctions.watch")
def watch(request):
    """The regulator's view of every lot bidding now or due today."""
    lots = Lot.objects.filter(state__in=(Lot.State.LISTING, Lot.State.LIVE, Lot.State.WAITING),
                              sale__state__in=(Sale.State.ANNOUNCED, Sale.State.SUSPENDED)).select_related(
        "sale").order_by("sale__starts_at")[:200]
    return render(request, "auctions/watch.html", {"lots": lots})


def document_download(request, pk: int, kind: str):
    """A published result document, for anyone (results are public)."""
    document = get_object_or_404(LotDocument, lot_id=pk, kind=kind)
    response = FileResponse(open(document.storage_path, "rb"), content_type="application/pdf",  # noqa: SIM115
                            filename=f"{kind}-{pk}.pdf")
    response["X-Content-SHA256"] = document.sha256
    return response
