"""Owners post purchases (选取公告); intermediaries apply with their quotes and proposals."""

import datetime as dt
import secrets
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Role, User
from audit.services import audit_record
from core import draw as draw_algorithm
from core.regions import region_is_valid

from .. import conf
from ..models import Application, Draw, Exclusion, Intermediary, Method, Purchase
from ..selectors import intermediary_reasons, serves_region

CRITERIA = ("price", "proposal", "experience", "plan")


def money(value, *, field: str) -> Decimal:
    """A positive amount in yuan with at most two decimals, or a clear error on ``field``."""
    try:
        amount = Decimal(str(value).replace(",", "").strip())
    except (InvalidOperation, ValueError):
        raise ValidationError({field: _("Write the amount in yuan as a number, e.g. 48000.00.")}) from None
    if not amount.is_finite() or amount <= 0:
        raise ValidationError({field: _("The amount must be more than zero yuan.")})
    if amount >= Decimal("1e12") or amount != amount.quantize(Decimal("0.01")):
        raise ValidationError({field: _("Write the amount in yuan with at most two decimals.")})
    return amount


def _clean_weights(weights: dict | None) -> dict:
    weights = weights or dict(conf.get("MARKETPLACE_COMPARISON_WEIGHTS"))
    if not isinstance(weights, dict) or not weights:
        raise ValidationError({"weights": _("Publish the weights of the criteria.")})
    cleaned = {}
    for key, value in weights.items():
        if key not in CRITERIA:
            raise ValidationError({"weights": _("Unknown criterion “%(key)s”; use price, proposal, experience "
                                                "or plan.") % {"key": key}})
        try:
            number = int(value)
        except (TypeError, ValueError):
            raise ValidationError({"weights": _("Each weight is a whole percentage.")}) from None
        if number < 0 or str(number) != str(value).strip():
            raise ValidationError({"weights": _("Each weight is a whole percentage.")})
        if number:
            cleaned[key] = number
    if sum(cleaned.values()) != 100:
        raise ValidationError({"weights": _("The weights must add up to 100; they add up to %(sum)d.")
                               % {"sum": sum(cleaned.values())}})
    if set(cleaned) == {"price"}:
        raise ValidationError({"weights": _("A comparison needs at least one criterion the committee scores; "
                                            "for price alone use lowest price (竞价选取).")})
    return cleaned


@transaction.atomic
def purchase_post(*, by: User, title: str, service_type: str, scope: str, region: str, fee_cap, method: str,
                  deadline: dt.datetime, requirements: str = "", quote_mode: str = "", weights: dict | None = None,
                  direct_reason: str = "") -> Purchase:
    """Publish a selection notice; a random draw's commitment is published with it."""
    if by.role != Role.TENDERER or by.organisation_id is None:
        raise ValidationError(_("Only an owner (a public body's account) may post a purchase."))
    errors = {}
    if not title.strip():
        errors["title"] = _("Give the purchase a title.")
    if not scope.strip():
        errors["scope"] = _("Describe the scope of the service.")
    if not region_is_valid(region):
        errors["region"] = _("Pick the region of the project from the list.")
    if service_type not in conf.service_types():
        errors["service_type"] = _("Choose a service type from the list.")
    elif method not in conf.methods_for(service_type):
        allowed = ", ".join(str(Method(m).label) for m in conf.methods_for(service_type))
        errors["method"] = _("%(type)s may be selected only by: %(allowed)s.") % {
            "type": conf.service_type_name(service_type), "allowed": allowed}
    if deadline is None or deadline <= timezone.now():
        errors["deadline"] = _("The deadline has passed; choose a time to come.")
    if errors:
        raise ValidationError(errors)
    fee_cap = money(fee_cap, field="fee_cap")
    threshold = Decimal(conf.get("MARKETPLACE_TENDER_THRESHOLD"))
    if fee_cap >= threshold:
        raise ValidationError({"fee_cap": _("A fee of %(threshold)s yuan or more must be tendered, not bought in the "
                                            "marketplace.") % {"threshold": f"{threshold:,.0f}"}})
    if method == Method.DIRECT:
        direct_max = Decimal(conf.get("MARKETPLACE_DIRECT_MAX"))
        if fee_cap > direct_max:
            raise ValidationError({"method": _("Direct selection is allowed only up to %(max)s yuan; choose another "
                                               "method.") % {"max": f"{direct_max:,.0f}"}})
        if not direct_reason.strip():
            raise ValidationError({"direct_reason": _("Give the reason for selecting directly; it is published.")})
    if method == Method.BIDDING:
        quote_mode = quote_mode or conf.get("MARKETPLACE_QUOTE_MODE")
        if quote_mode not in Purchase.QuoteMode.values:
            raise ValidationError({"quote_mode": _("Choose sealed or open quotes.")})
    else:
        quote_mode = ""
    weights = _clean_weights(weights) if method == Method.COMPARISON else {}
    purchase = Purchase.objects.create(
        number=f"tmp-{secrets.token_hex(6)}", title=title.strip(), owner_id=by.organisation_id, created_by=by,
        service_type=service_type, scope=scope.strip(), requirements=requirements.strip(), region=region,
        fee_cap=fee_cap, method=method, quote_mode=quote_mode, weights=weights, deadline=deadline,
        direct_reason=direct_reason.strip() if method == Method.DIRECT else "")
    purchase.number = f"中介{timezone.localdate().year}{purchase.pk:06d}"
    purchase.save(update_fields=["number"])
    payload = {"number": purchase.number, "service_type": service_type, "method": method, "fee_cap": fee_cap,
               "region": region, "deadline": deadline, "quote_mode": quote_mode, "weights": weights}
    if method == Method.RANDOM:
        seed = secrets.token_bytes(draw_algorithm.SEED_BYTES)
        draw = Draw.objects.create(purchase=purchase, seed=seed.hex(), commitment=draw_algorithm.commitment_of(seed),
                                   committed_at=timezone.now())
        payload["commitment"] = draw.commitment
    audit_record(action="marketplace.purchase.post", obj=purchase, payload=payload)
    return purchase


def lock(purchase: Purchase) -> Purchase:
    return Purchase.objects.select_for_update().get(pk=purchase.pk)


@transaction.atomic
def purchase_cancel(*, purchase: Purchase, reason: str) -> Purchase:
    purchase = lock(purchase)
    if purchase.state not in (Purchase.State.OPEN, Purchase.State.SCORING):
        raise ValidationError(_("Only a purchase still open or being scored can be cancelled."))
    if not reason.strip():
        raise ValidationError({"reason": _("Give the reason for cancelling; it is published.")})
    purchase.state, purchase.failure_reason = Purchase.State.CANCELLED, reason.strip()
    purchase.save(update_fields=["state", "failure_reason"])
    audit_record(action="marketplace.purchase.cancel", obj=purchase, payload={"reason": purchase.failure_reason})
    return purchase


def refuse_ineligible(*, intermediary: Intermediary, service_type: str) -> None:
    reasons, detail = intermediary_reasons(intermediary=intermediary, service_type=service_type)
    if reasons:
        labels = "、".join(str(Exclusion.Reason(r).label) for r in reasons)
        raise ValidationError(_("Your organisation cannot be selected for this service now: %(reasons)s. %(detail)s")
                              % {"reasons": labels, "detail": detail})


@transaction.atomic
def application_submit(*, purchase: Purchase, intermediary: Intermediary, quote=None,
                       proposal: str = "") -> Application:
    """Apply to a purchase, or revise the quote and proposal of one's application before the deadline."""
    purchase = lock(purchase)
    if purchase.method not in (Method.BIDDING, Method.COMPARISON):
        raise ValidationError(_("This purchase takes no applications: it is selected by %(method)s.")
                              % {"method": purchase.get_method_display()})
    if purchase.state != Purchase.State.OPEN or timezone.now() >= purchase.deadline:
        raise ValidationError(_("Applications for this purchase have closed."))
    refuse_ineligible(intermediary=intermediary, service_type=purchase.service_type)
    if not serves_region(intermediary, purchase.region):
        raise ValidationError(_("Your organisation does not serve the region of this purchase; add the region to "
                                "your profile first."))
    amount = money(quote if quote not in (None, "") else "", field="quote")
    if amount > purchase.fee_cap:
        raise ValidationError({"quote": _("The quote exceeds the fee cap of %(cap)s yuan.")
                               % {"cap": f"{purchase.fee_cap:,.2f}"}})
    if purchase.method == Method.COMPARISON and not proposal.strip():
        raise ValidationError({"proposal": _("Describe your proposal: approach, team, schedule.")})
    application = (Application.objects.select_for_update()
                   .filter(purchase=purchase, intermediary=intermediary).first())
    if application is not None and application.state == Application.State.EXCLUDED:
        raise ValidationError(_("Your application was excluded; it cannot be changed."))
    if (application is not None and purchase.quote_mode == Purchase.QuoteMode.OPEN
            and application.quote is not None and amount >= application.quote):
        raise ValidationError({"quote": _("In open quoting a new quote must be lower than your last one "
                                          "(%(last)s yuan).") % {"last": f"{application.quote:,.2f}"}})
    now = timezone.now()
    if application is None:
        application = Application(purchase=purchase, intermediary=intermediary)
    application.quote, application.quoted_at = amount, now
    application.proposal, application.state = proposal.strip(), Application.State.APPLIED
    application.save()
    audit_record(action="marketplace.application.submit", obj=application, payload={
        "purchase": purchase.pk, "intermediary": intermediary.pk,
        # A sealed quote stays out of the readable chain until the deadline; its hash binds it.
        "quote": str(amount) if purchase.quote_mode == Purchase.QuoteMode.OPEN else
        draw_algorithm.sha256_hex(f"{application.pk}:{amount}".encode())})
    return application


@transaction.atomic
def application_withdraw(*, application: Application) -> Application:
    purchase = lock(application.purchase)
    if purchase.state != Purchase.State.OPEN or timezone.now() >= purchase.deadline:
        raise ValidationError(_("Applications for this purchase have closed; it can no longer be withdrawn."))
    application = Application.objects.select_for_update().get(pk=application.pk)
    if application.state != Application.State.APPLIED:
        raise ValidationError(_("This application is no longer pending."))
    application.state = Application.State.WITHDRAWN
    application.save(update_fields=["state"])
    audit_record(action="marketplace.application.withdraw", obj=application, payload={"purchase": purchase.pk})
    return application
