"""Pages of the marketplace: the public notices and directory, the purchase page with each person's next step,
the owner's and the intermediary's pages, the regulator's overview and the committee's list.

Each view parses input, checks permission and calls one service.
"""

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Avg, Count, Q
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from accounts.permissions import can, permission_required
from core.forms import form_add_service_errors
from core.witness import Stage, witness_post
from core.workdays import today
from credit.selectors import subject_standing

from . import conf, forms
from .holds import contract_hold
from .models import Application, CommitteeMember, Exclusion, Intermediary, Method, Objection, Purchase, Rating
from .selectors import (
    applications_live,
    draw_record,
    intermediary_of,
    is_owner,
    lowest_open_quote,
    purchases_of_owner,
    purchases_public,
    quotes_visible,
)
from .services import delivery, draws, purchases, registry, selection

PAGE = 20


@dataclass(frozen=True)
class Action:
    """One step a person may take on a purchase page: who, when, with which form, and the service call."""

    title: str
    button: str
    allowed: Callable  # (user, purchase, intermediary) -> bool
    call: Callable  # (request, purchase, form, intermediary) -> message
    form: Callable | None = None  # (data, purchase, user) -> Form


def _owner(state: str, *, closed: bool | None = None, method: str | None = None):
    def allowed(user, purchase, _intermediary) -> bool:
        if not is_owner(user=user, purchase=purchase) or purchase.state != state:
            return False
        if method is not None and purchase.method != method:
            return False
        return closed is None or (timezone.now() >= purchase.deadline) == closed
    return allowed


def _member_waiting(user, purchase, _intermediary) -> bool:
    return purchase.state == Purchase.State.SCORING and purchase.committee.filter(
        person=user, submitted_at__isnull=True).exists()


def _may_apply(user, purchase, intermediary) -> bool:
    return (intermediary is not None and purchase.state == Purchase.State.OPEN
            and purchase.method in (Method.BIDDING, Method.COMPARISON) and timezone.now() < purchase.deadline)


def _may_withdraw(user, purchase, intermediary) -> bool:
    return _may_apply(user, purchase, intermediary) and purchase.applications.filter(
        intermediary=intermediary, state=Application.State.APPLIED).exists()


def _is_winner(user, purchase, intermediary) -> bool:
    return (intermediary is not None and purchase.state == Purchase.State.PUBLICISED
            and purchase.winner_id == intermediary.pk)


def _may_object(user, purchase, intermediary) -> bool:
    return (intermediary is not None and purchase.state == Purchase.State.PUBLICISED
            and purchase.winner_id != intermediary.pk and today() <= purchase.publicity_until)


def _may_contract(user, purchase, intermediary) -> bool:
    return (_owner(Purchase.State.PUBLICISED)(user, purchase, intermediary) and today() > purchase.publicity_until
            and not purchase.objections.filter(answered_at__isnull=True).exists() and contract_hold(purchase) is None)


def _may_answer(user, purchase, intermediary) -> bool:
    return is_owner(user=user, purchase=purchase) and purchase.objections.filter(answered_at__isnull=True).exists()


def _may_rate(user, purchase, intermediary) -> bool:
    return (_owner(Purchase.State.DELIVERED)(user, purchase, intermediary)
            and not Rating.objects.filter(contract__purchase=purchase).exists())


def _may_report_breach(user, purchase, intermediary) -> bool:
    return is_owner(user=user, purchase=purchase) and purchase.state in (Purchase.State.CONTRACTED,
                                                                         Purchase.State.DELIVERED)


def _may_finish(user, purchase, intermediary) -> bool:
    return (_owner(Purchase.State.SCORING)(user, purchase, intermediary)
            and not purchase.committee.filter(submitted_at__isnull=True).exists())


def _may_cancel(user, purchase, intermediary) -> bool:
    return is_owner(user=user, purchase=purchase) and purchase.state in (Purchase.State.OPEN, Purchase.State.SCORING)


def _drawn_message(purchase: Purchase) -> str:
    if purchase.state == Purchase.State.POOL_FIXED:
        return _("The pool is fixed and published; the intermediary is drawn when the witness reveals its secret "
                 "(or with the fallback value after the reveal deadline).")
    return _("Drawn; the result is publicised.")


def _score_form(data, purchase, user):
    labels = {"proposal": _("Proposal"), "experience": _("Experience"), "plan": _("Work plan")}
    return forms.ScoreForm(data, applications=list(applications_live(purchase)),
                           criteria=selection.scored_criteria(purchase), labels=labels)


ACTIONS: dict[str, Action] = {
    "direct": Action(
        gettext_lazy("Select directly"), gettext_lazy("Select and publicise"),
        _owner(Purchase.State.OPEN, method=Method.DIRECT),
        lambda r, p, f, i: selection.select_direct(purchase=p, intermediary=f.cleaned_data["intermediary"],
                                                   amount=f.cleaned_data["amount"])
        and _("The selection is publicised."),
        lambda d, p, u: forms.DirectForm(d, purchase=p)),
    "draw": Action(gettext_lazy("Random draw"), gettext_lazy("Draw now"),
                   _owner(Purchase.State.OPEN, closed=True, method=Method.RANDOM),
                   lambda r, p, f, i: _drawn_message(draws.draw_perform(purchase=p))),
    "bidding": Action(gettext_lazy("Lowest price"), gettext_lazy("Open the quotes and select the lowest"),
                      _owner(Purchase.State.OPEN, closed=True, method=Method.BIDDING),
                      lambda r, p, f, i: selection.bidding_select(purchase=p) and _("The quotes are ranked.")),
    "committee": Action(
        gettext_lazy("Name the comparison committee"), gettext_lazy("Appoint the committee"),
        _owner(Purchase.State.OPEN, closed=True, method=Method.COMPARISON),
        lambda r, p, f, i: selection.committee_appoint(purchase=p, members=list(f.cleaned_data["members"]))
        and _("The committee is appointed; each member now scores the proposals."),
        lambda d, p, u: forms.CommitteeForm(d, purchase=p)),
    "score": Action(gettext_lazy("Score the proposals"), gettext_lazy("Submit my scores"), _member_waiting,
                    lambda r, p, f, i: selection.scores_submit(purchase=p, person=r.user, marks=f.marks())
                    and _("Your scores are submitted."), _score_form),
    "finish": Action(gettext_lazy("Rank by the scores"), gettext_lazy("Rank and publicise"), _may_finish,
                     lambda r, p, f, i: selection.comparison_finish(purchase=p) and _("The ranking is publicised.")),
    "apply": Action(gettext_lazy("Apply"), gettext_lazy("Submit my application"), _may_apply,
                    lambda r, p, f, i: purchases.application_submit(
                        purchase=p, intermediary=i, quote=f.cleaned_data["quote"],
                        proposal=f.cleaned_data["proposal"]) and _("Your application is received."),
                    lambda d, p, u: forms.ApplyForm(d)),
    "withdraw": Action(gettext_lazy("Withdraw my application"), gettext_lazy("Withdraw"), _may_withdraw,
                       lambda r, p, f, i: purchases.application_withdraw(
                           application=p.applications.get(intermediary=i)) and _("Your application is withdrawn.")),
    "refuse": Action(gettext_lazy("Decline the selection"), gettext_lazy("Decline (recorded in my credit file)"),
                     _is_winner,
                     lambda r, p, f, i: selection.winner_refuse(purchase=p, intermediary=i,
                                                                reason=f.cleaned_data["reason"])
                     and _("You have declined; the next in line is selected."),
                     lambda d, p, u: forms.ReasonForm(d)),
    "object": Action(gettext_lazy("Object to the result (质疑)"), gettext_lazy("File the objection"), _may_object,
                     lambda r, p, f, i: selection.objection_file(purchase=p, organisation=i.organisation,
                                                                 text=f.cleaned_data["text"])
                     and _("Your objection is filed; the owner answers it before signing."),
                     lambda d, p, u: forms.ObjectionForm(d)),
    "answer": Action(gettext_lazy("Answer the objection"), gettext_lazy("Publish the answer"), _may_answer,
                     lambda r, p, f, i: selection.objection_answer(
                         objection=get_object_or_404(Objection, pk=f.cleaned_data["objection"], purchase=p),
                         answer=f.cleaned_data["answer"]) and _("The answer is published."),
                     lambda d, p, u: forms.AnswerForm(d, initial={"objection": p.objections.filter(
                         answered_at__isnull=True).values_list("pk", flat=True).first()})),
    "contract": Action(gettext_lazy("Record the contract"), gettext_lazy("Record the contract"), _may_contract,
                       lambda r, p, f, i: delivery.contract_record(purchase=p, **f.cleaned_data)
                       and _("The contract is recorded."),
                       lambda d, p, u: forms.ContractForm(d, initial={"signed_on": today(), "amount": p.amount})),
    "delivery": Action(gettext_lazy("Record the delivery"), gettext_lazy("Record the delivery"),
                       _owner(Purchase.State.CONTRACTED),
                       lambda r, p, f, i: delivery.delivery_record(contract=p.contract, **f.cleaned_data)
                       and _("The delivery is recorded; rate the service."),
                       lambda d, p, u: forms.DeliveryForm(d, initial={"delivered_on": today()})),
    "rating": Action(gettext_lazy("Rate the service (好差评)"), gettext_lazy("Submit the rating"), _may_rate,
                     lambda r, p, f, i: delivery.rating_submit(contract=p.contract, **f.cleaned_data)
                     and _("Thank you; the rating is published."),
                     lambda d, p, u: forms.RatingForm(d)),
    "breach": Action(gettext_lazy("Report a breach of contract"), gettext_lazy("Report the breach"),
                     _may_report_breach,
                     lambda r, p, f, i: delivery.breach_report(contract=p.contract, **f.cleaned_data)
                     and _("The breach is recorded in the intermediary's credit file."),
                     lambda d, p, u: forms.BreachForm(d)),
    "cancel": Action(gettext_lazy("Cancel the purchase"), gettext_lazy("Cancel the purchase"), _may_cancel,
                     lambda r, p, f, i: purchases.purchase_cancel(purchase=p, reason=f.cleaned_data["reason"])
                     and _("The purchase is cancelled."),
                     lambda d, p, u: forms.ReasonForm(d)),
}


def _purchase(pk: int) -> Purchase:
    return get_object_or_404(Purchase.objects.select_related("owner", "winner__organisation"), pk=pk)


def _panels(request, purchase: Purchase, intermediary, bound: tuple[str, object] | None = None) -> list[dict]:
    panels = []
    for name, action in ACTIONS.items():
        if not request.user.is_authenticated or not action.allowed(request.user, purchase, intermediary):
            continue
        form = None
        if action.form is not None:
            form = bound[1] if bound and bound[0] == name else action.form(None, purchase, request.user)
        panels.append({"name": name, "title": action.title, "button": action.button, "form": form})
    return panels


def _can_see_names(user, purchase: Purchase) -> bool:
    return is_owner(user=user, purchase=purchase) or can(user, "marketplace.oversee")


@require_http_methods(["GET", "POST"])
def purchase_detail(request, pk: int):
    purchase = _purchase(pk)
    intermediary = intermediary_of(request.user)
    bound, status = None, 200
    if request.method == "POST":
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        name = request.POST.get("action", "")
        if name in ("witness_commit", "witness_reveal"):
            return _witness_action(request, purchase)
        action = ACTIONS.get(name)
        if action is None or not action.allowed(request.user, purchase, intermediary):
            raise PermissionDenied(_("This step is not open to you on this purchase now."))
        form = action.form(request.POST, purchase, request.user) if action.form else None
        if form is None or form.is_valid():
            try:
                message = action.call(request, purchase, form, intermediary)
            except ValidationError as exc:
                if form is None:
                    messages.error(request, " ".join(exc.messages))
                    return redirect("marketplace:purchase", pk=purchase.pk)
                form_add_service_errors(form, exc)
            else:
                messages.success(request, message)
                return redirect("marketplace:purchase", pk=purchase.pk)
        purchase = _purchase(pk)
        bound, status = (name, form), 400
    return _purchase_render(request, purchase, intermediary, bound=bound, status=status)


def _purchase_render(request, purchase: Purchase, intermediary, *, bound=None, status: int = 200,
                     witness_errors: dict | None = None):
    names = _can_see_names(request.user, purchase)
    exclusions = list(purchase.exclusions.select_related("intermediary__organisation"))
    witness = draws.witness_may_act(user=request.user, purchase=purchase)
    stage = draws.stage_of(purchase) if witness else None
    context = {
        "can_commit": stage == Stage.COMMITTED and not purchase.draw.witness_commitment,
        "can_reveal": stage == Stage.POOL_FIXED, "witness_errors": witness_errors or {},
        "contract_hold": contract_hold(purchase) if purchase.state == Purchase.State.PUBLICISED else None,
        "voided": list(Intermediary.objects.filter(pk__in=purchase.voided)
                       .values_list("organisation__name", flat=True)),
        "purchase": purchase, "panels": _panels(request, purchase, intermediary, bound),
        "applications": list(purchase.applications.select_related("intermediary__organisation")
                             .exclude(state=Application.State.WITHDRAWN).order_by("rank", "applied_at")),
        "quotes_visible": quotes_visible(purchase=purchase), "lowest": lowest_open_quote(purchase),
        "exclusions": exclusions if names else [],
        "exclusion_counts": dict(Counter(label for e in exclusions for label in e.reason_labels()[:1])),
        "record": draw_record(purchase=purchase),
        "drawn": _drawn_names(purchase), "objections": list(purchase.objections.select_related("filed_by")),
        "contract": getattr(purchase, "contract", None), "committee": list(purchase.committee.all()),
        "mine": purchase.applications.filter(intermediary=intermediary).first() if intermediary else None,
    }
    contract = context["contract"]
    context["rating"] = getattr(contract, "rating", None) if contract else None
    context["breaches"] = list(contract.breaches.all()) if contract else []
    return render(request, "marketplace/purchase_detail.html", context, status=status)


def _witness_action(request, purchase: Purchase):
    """A regulator's commitment (before the pool is fixed) or reveal (after): errors shown beside the field."""
    errors = witness_post(
        request, commit=lambda value: draws.witness_commit(purchase=purchase, user=request.user, commitment=value),
        reveal=lambda value: draws.witness_reveal(purchase=purchase, user=request.user, secret=value),
        revealed_message=_("Your secret matches your commitment; the intermediary is drawn."))
    if errors:
        return _purchase_render(request, _purchase(purchase.pk), intermediary_of(request.user), status=400,
                                witness_errors=errors)
    return redirect("marketplace:purchase", pk=purchase.pk)


def _drawn_names(purchase: Purchase) -> list[tuple[int, str]]:
    draw = getattr(purchase, "draw", None)
    if draw is None or not draw.order:
        return []
    names = dict(Intermediary.objects.filter(pk__in=draw.order).values_list("pk", "organisation__name"))
    return [(pk, names.get(pk, "")) for pk in draw.order]


def purchase_list(request):
    """The public list of selection notices (选取公告) and results."""
    qs = purchases_public()
    service_type, state = request.GET.get("service_type", ""), request.GET.get("state", "")
    if service_type in conf.service_types():
        qs = qs.filter(service_type=service_type)
    if state in Purchase.State.values:
        qs = qs.filter(state=state)
    page = Paginator(qs, PAGE).get_page(request.GET.get("page"))
    return render(request, "marketplace/purchase_list.html", {
        "page": page, "service_types": forms.service_type_choices(), "states": Purchase.State.choices,
        "service_type": service_type, "state": state})


def directory(request):
    """The public directory of registered intermediaries, with their ratings."""
    intermediaries = (Intermediary.objects.select_related("organisation")
                      .annotate(deals=Count("won_purchases__contract", distinct=True),
                                rating=Avg("won_purchases__contract__rating__score")))
    service_type = request.GET.get("service_type", "")
    rows = [i for i in intermediaries if service_type not in conf.service_types() or service_type in i.service_types]
    page = Paginator(rows, PAGE).get_page(request.GET.get("page"))
    return render(request, "marketplace/directory.html", {
        "page": page, "service_types": forms.service_type_choices(), "service_type": service_type})


def intermediary_detail(request, pk: int):
    intermediary = get_object_or_404(Intermediary.objects.select_related("organisation"), pk=pk)
    won = (Purchase.objects.filter(winner=intermediary, state__in=[Purchase.State.CONTRACTED,
                                                                   Purchase.State.DELIVERED])
           .select_related("contract__rating").order_by("-selected_at")[:20])
    return render(request, "marketplace/intermediary_detail.html", {
        "intermediary": intermediary, "qualifications": intermediary.qualifications.all(), "won": won,
        "today": today(), "standing": subject_standing(organisation=intermediary.organisation)})


@permission_required("marketplace.purchase.post")
def owner(request):
    return render(request, "marketplace/owner.html", {"purchases": purchases_of_owner(request.user)})


@permission_required("marketplace.purchase.post")
@require_http_methods(["GET", "POST"])
def purchase_new(request):
    form = forms.PurchaseForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            purchase = purchases.purchase_post(by=request.user, **form.service_arguments())
        except ValidationError as exc:
            form_add_service_errors(form, exc)
        else:
            messages.success(request, _("The notice %(number)s is published.") % {"number": purchase.number})
            return redirect("marketplace:purchase", pk=purchase.pk)
    return render(request, "marketplace/purchase_form.html", {"form": form},
                  status=400 if form.is_bound else 200)


@permission_required("marketplace.intermediary.register")
@require_http_methods(["GET", "POST"])
def intermediary_home(request):
    """The intermediary's page: register or edit the profile, add qualifications, see applications."""
    mine = intermediary_of(request.user)
    action = request.POST.get("action", "profile")
    initial = forms.IntermediaryForm.initial_of(mine) if mine else {}
    profile_form = forms.IntermediaryForm(request.POST if action == "profile" else None, initial=initial,
                                          prefix="profile")
    qualification_form = (forms.QualificationForm(request.POST if action == "qualification" else None,
                                                  intermediary=mine, prefix="qualification") if mine else None)
    if request.method == "POST":
        form = qualification_form if action == "qualification" else profile_form
        if form is not None and form.is_valid():
            try:
                if form is qualification_form:
                    registry.qualification_add(intermediary=mine, **form.cleaned_data)
                elif mine is None:
                    registry.intermediary_register(organisation=request.user.organisation, **form.service_arguments())
                else:
                    registry.intermediary_update(intermediary=mine, **form.service_arguments())
            except ValidationError as exc:
                form_add_service_errors(form, exc)
            else:
                messages.success(request, _("Saved."))
                return redirect("marketplace:intermediary")
    context = {"mine": mine, "profile_form": profile_form, "qualification_form": qualification_form,
               "today": today()}
    if mine is not None:
        context["qualifications"] = mine.qualifications.all()
        context["applications"] = (mine.applications.select_related("purchase").order_by("-applied_at")[:50])
        context["won"] = Purchase.objects.filter(winner=mine).order_by("-selected_at")[:50]
        context["open"] = [p for p in Purchase.objects.filter(state=Purchase.State.OPEN,
                                                              deadline__gt=timezone.now(),
                                                              method__in=[Method.BIDDING, Method.COMPARISON])
                           if p.service_type in mine.service_types][:50]
    status = 400 if request.method == "POST" else 200
    return render(request, "marketplace/intermediary.html", context, status=status)


@permission_required("marketplace.oversee")
@require_http_methods(["GET", "POST"])
def oversight(request):
    """The regulator's view: every intermediary with its status and exclusions, every purchase."""
    form, failed_pk = forms.StatusForm(), None
    if request.method == "POST":
        if not can(request.user, "marketplace.intermediary.suspend"):
            raise PermissionDenied(_("Only a regulator may suspend or restore an intermediary."))
        raw = request.POST.get("intermediary", "")
        target = get_object_or_404(Intermediary, pk=int(raw) if raw.isdigit() and len(raw) < 10 else 0)
        form = forms.StatusForm(request.POST)
        if form.is_valid():
            try:
                registry.intermediary_status_set(intermediary=target, **form.cleaned_data)
            except ValidationError as exc:
                form_add_service_errors(form, exc)
            else:
                messages.success(request, _("The status of %(name)s is saved.") % {"name": target})
                return redirect("marketplace:oversight")
        failed_pk = target.pk
    intermediaries = (Intermediary.objects.select_related("organisation")
                      .annotate(excluded=Count("exclusions"), poor=Count(
                          "won_purchases__contract__rating", filter=Q(won_purchases__contract__rating__poor=True))))
    return render(request, "marketplace/oversight.html", {
        "intermediaries": intermediaries, "form": form, "failed_pk": failed_pk,
        "may_suspend": can(request.user, "marketplace.intermediary.suspend"),
        "purchases": purchases_public().annotate(excluded=Count("exclusions"))[:100],
        "exclusions": Exclusion.objects.select_related("purchase", "intermediary__organisation")
        .order_by("-recorded_at")[:50]}, status=400 if failed_pk else 200)


@login_required
def committee(request):
    seats = (CommitteeMember.objects.filter(person=request.user).select_related("purchase")
             .order_by("-purchase__deadline"))
    return render(request, "marketplace/committee.html", {"seats": seats})
