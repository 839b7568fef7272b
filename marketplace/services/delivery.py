"""Contract, delivery, the owner's rating (好差评) and breach reports; ratings and breaches feed credit."""

import datetime as dt
from decimal import ROUND_HALF_UP, Decimal

from dateutil.relativedelta import relativedelta
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from audit.services import audit_record
from core.deals import Deal, deal_record
from core.workdays import today
from credit.services import credit_event_record
from trading.models import BaseType, Category

from .. import conf
from ..holds import contract_hold
from ..models import Breach, Contract, Purchase, Rating
from .purchases import lock, money

MARKS = ("timeliness", "quality", "attitude", "fees")


def deal_of(purchase: Purchase, contract: Contract) -> Deal:
    """The marketplace deal as statistics count it: savings against the fee cap."""
    return Deal(source="marketplace", key=purchase.number, project_key=purchase.number, category=Category.OTHER,
                region=purchase.region, concluded_at=purchase.selected_at, base_type=BaseType.BUDGET,
                base_amount=purchase.fee_cap, amount=contract.amount)


@transaction.atomic
def contract_record(*, purchase: Purchase, signed_on: dt.date, amount, due_on: dt.date,
                    deliverables: str) -> Contract:
    """Record the signed contract once the publicity period is over and every objection is answered."""
    purchase = lock(purchase)
    if purchase.state != Purchase.State.PUBLICISED:
        raise ValidationError(_("A contract is recorded after the result has been publicised."))
    day = today()
    if day <= purchase.publicity_until:
        raise ValidationError(_("The result is publicised until %(day)s; record the contract after that day.")
                              % {"day": purchase.publicity_until.isoformat()})
    if purchase.objections.filter(answered_at__isnull=True).exists():
        raise ValidationError(_("Answer every objection before signing the contract."))
    held = contract_hold(purchase)
    if held:
        raise ValidationError(held)
    amount = money(amount, field="amount")
    errors = {}
    if amount > purchase.amount:
        errors["amount"] = _("The contract amount cannot exceed the selected fee of %(fee)s yuan.") % {
            "fee": f"{purchase.amount:,.2f}"}
    if signed_on is None or signed_on > day:
        errors["signed_on"] = _("Give the day the contract was signed (not in the future).")
    elif signed_on < purchase.selected_at.date():
        errors["signed_on"] = _("The contract cannot be signed before the intermediary was selected.")
    if due_on is None or (signed_on is not None and due_on < signed_on):
        errors["due_on"] = _("The service must be due on or after the day of signing.")
    if not deliverables.strip():
        errors["deliverables"] = _("List the deliverables (reports, drawings …) the contract requires.")
    if errors:
        raise ValidationError(errors)
    contract = Contract.objects.create(purchase=purchase, signed_on=signed_on, amount=amount, due_on=due_on,
                                       deliverables=deliverables.strip())
    purchase.state = Purchase.State.CONTRACTED
    purchase.save(update_fields=["state"])
    audit_record(action="marketplace.contract.record", obj=contract, payload={
        "purchase": purchase.pk, "signed_on": signed_on, "amount": amount, "due_on": due_on})
    deal_record(deal_of(purchase, contract))
    return contract


@transaction.atomic
def delivery_record(*, contract: Contract, delivered_on: dt.date, note: str = "") -> Contract:
    purchase = lock(contract.purchase)
    contract = Contract.objects.select_for_update().get(pk=contract.pk)
    if purchase.state != Purchase.State.CONTRACTED:
        raise ValidationError(_("Delivery is recorded once, after the contract."))
    if delivered_on is None or delivered_on > today() or delivered_on < contract.signed_on:
        raise ValidationError({"delivered_on": _("Give the day of delivery: after signing and not in the future.")})
    contract.delivered_on, contract.delivery_note = delivered_on, note.strip()
    contract.save(update_fields=["delivered_on", "delivery_note"])
    purchase.state = Purchase.State.DELIVERED
    purchase.save(update_fields=["state"])
    audit_record(action="marketplace.delivery.record", obj=contract, payload={
        "delivered_on": delivered_on, "late": delivered_on > contract.due_on})
    return contract


def rating_score(marks: dict[str, int]) -> Decimal:
    weights = conf.get("MARKETPLACE_RATING_WEIGHTS")
    total = sum(Decimal(weights[m]) * Decimal(marks[m]) * 20 for m in MARKS) / sum(weights[m] for m in MARKS)
    return total.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


@transaction.atomic
def rating_submit(*, contract: Contract, timeliness, quality, attitude, fees, comment: str = "") -> Rating:
    """The owner's rating after delivery; a poor one (差评) is a credit event, repeated ones a heavier one."""
    purchase = lock(contract.purchase)
    if purchase.state != Purchase.State.DELIVERED:
        raise ValidationError(_("Rate the service after its delivery is recorded."))
    if Rating.objects.filter(contract=contract).exists():
        raise ValidationError(_("This service has already been rated."))
    marks = {}
    for name, value in zip(MARKS, (timeliness, quality, attitude, fees), strict=True):
        try:
            marks[name] = int(str(value).strip())
        except ValueError:
            marks[name] = 0
        if not 1 <= marks[name] <= 5:
            raise ValidationError({name: _("Give 1 to 5 stars.")})
    score = rating_score(marks)
    poor = score < Decimal(conf.get("MARKETPLACE_RATING_POOR_BELOW"))
    if poor and not comment.strip():
        raise ValidationError({"comment": _("Say what went wrong; a poor rating is recorded in the intermediary's "
                                            "credit file with your words.")})
    rating = Rating.objects.create(contract=contract, score=score, poor=poor, comment=comment.strip(), **marks)
    events = []
    organisation = purchase.winner.organisation
    if poor:
        evidence = _("Rated %(score)s by the owner for %(number)s %(title)s: %(comment)s") % {
            "score": score, "number": purchase.number, "title": purchase.title, "comment": rating.comment}
        events.append(credit_event_record(behaviour_code="intermediary-poor-rating", organisation=organisation,
                                          deal_code=purchase.number, evidence=evidence))
        times, months = conf.get("MARKETPLACE_REPEATED_POOR")
        since = timezone.now() - relativedelta(months=months)
        recent = Rating.objects.filter(poor=True, rated_at__gte=since,
                                       contract__purchase__winner=purchase.winner).count()
        if recent >= times:
            events.append(credit_event_record(
                behaviour_code="intermediary-repeated-poor", organisation=organisation, deal_code=purchase.number,
                evidence=_("%(n)d poor ratings within %(months)d months, the latest for %(number)s.")
                % {"n": recent, "months": months, "number": purchase.number}))
    rating.credit_events = [e.pk for e in events]
    rating.save(update_fields=["credit_events"])
    audit_record(action="marketplace.rating.submit", obj=rating, payload={
        "purchase": purchase.pk, **marks, "score": score, "poor": poor, "credit_events": rating.credit_events})
    return rating


@transaction.atomic
def breach_report(*, contract: Contract, description: str) -> Breach:
    """The owner reports a breach of contract (违约); recorded in the intermediary's credit file."""
    purchase = lock(contract.purchase)
    if purchase.state not in (Purchase.State.CONTRACTED, Purchase.State.DELIVERED):
        raise ValidationError(_("A breach is reported on a signed contract."))
    if not description.strip():
        raise ValidationError({"description": _("Describe the breach with dates and facts.")})
    event = credit_event_record(
        behaviour_code="intermediary-breach", organisation=purchase.winner.organisation, deal_code=purchase.number,
        evidence=_("Breach of the contract for %(number)s %(title)s: %(text)s") % {
            "number": purchase.number, "title": purchase.title, "text": description.strip()})
    breach = Breach.objects.create(contract=contract, description=description.strip(), credit_event=event)
    audit_record(action="marketplace.breach.report", obj=breach, payload={
        "purchase": purchase.pk, "description": breach.description, "credit_event": event.pk})
    return breach
