"""The four selection methods, the publicised result, the winner's refusal and objections.

直接选取 (direct, with the reason), 随机抽取 (core.draw: commitment at posting, the record published with the
result), 竞价选取 (lowest valid quote), 比选 (a committee scores proposals by the published weights). Every method
ends in ``_publicise``: the result is public for MARKETPLACE_PUBLICITY_WORKING_DAYS working days.
"""

from decimal import ROUND_HALF_UP, Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Organisation, Role, User
from audit.services import audit_record
from core.workdays import add_working_days, today
from credit.services import credit_event_record

from .. import conf
from ..models import Application, CommitteeMember, Exclusion, Intermediary, Method, Objection, Purchase, Score
from ..selectors import applications_live, intermediary_reasons
from .purchases import CRITERIA, lock, money, refuse_ineligible

TWO = Decimal("0.01")


def require_method(purchase: Purchase, method: str) -> None:
    if purchase.method != method:
        raise ValidationError(_("This purchase is selected by %(method)s.") % {"method": purchase.get_method_display()})


def require_closed(purchase: Purchase, state: str = Purchase.State.OPEN) -> None:
    if purchase.state != state:
        raise ValidationError(_("This purchase is %(state)s; this step is not possible now.")
                              % {"state": purchase.get_state_display()})
    if timezone.now() < purchase.deadline:
        raise ValidationError(_("Wait until the deadline (%(deadline)s) has passed.")
                              % {"deadline": timezone.localtime(purchase.deadline).strftime("%Y-%m-%d %H:%M")})


def publicise(purchase: Purchase, *, winner: Intermediary, amount: Decimal, action: str, payload: dict) -> Purchase:
    purchase.winner, purchase.amount, purchase.selected_at = winner, amount, timezone.now()
    purchase.publicity_until = add_working_days(today(), conf.get("MARKETPLACE_PUBLICITY_WORKING_DAYS"))
    purchase.state = Purchase.State.PUBLICISED
    purchase.save()
    audit_record(action=action, obj=purchase, payload={
        **payload, "winner": winner.pk, "amount": amount, "publicity_until": purchase.publicity_until})
    return purchase


def _fail(purchase: Purchase, reason: str) -> Purchase:
    purchase.state, purchase.failure_reason = Purchase.State.FAILED, reason
    purchase.winner, purchase.amount = None, None
    purchase.save()
    audit_record(action="marketplace.purchase.fail", obj=purchase, payload={"reason": reason})
    return purchase


def _screen_applications(purchase: Purchase) -> list[Application]:
    """Check every live application again at selection: the ineligible are excluded with their reasons."""
    valid = []
    for application in applications_live(purchase).prefetch_related("intermediary__qualifications"):
        reasons, detail = intermediary_reasons(intermediary=application.intermediary,
                                               service_type=purchase.service_type)
        if reasons:
            Exclusion.objects.create(purchase=purchase, intermediary=application.intermediary, reasons=reasons,
                                     detail=detail[:300])
            application.state = Application.State.EXCLUDED
            application.save(update_fields=["state"])
        else:
            valid.append(application)
    return valid


@transaction.atomic
def select_direct(*, purchase: Purchase, intermediary: Intermediary, amount) -> Purchase:
    """直接选取: the owner names the intermediary (the reason was published with the notice)."""
    purchase = lock(purchase)
    require_method(purchase, Method.DIRECT)
    if purchase.state != Purchase.State.OPEN:
        raise ValidationError(_("This purchase has already been selected or closed."))
    amount = money(amount, field="amount")
    if amount > purchase.fee_cap:
        raise ValidationError({"amount": _("The fee exceeds the cap of %(cap)s yuan.")
                               % {"cap": f"{purchase.fee_cap:,.2f}"}})
    if purchase.service_type not in intermediary.service_types:
        raise ValidationError({"intermediary": _("This intermediary does not offer the service type.")})
    refuse_ineligible(intermediary=intermediary, service_type=purchase.service_type)
    return publicise(purchase, winner=intermediary, amount=amount, action="marketplace.select.direct",
                      payload={"reason": purchase.direct_reason})


@transaction.atomic
def bidding_select(*, purchase: Purchase) -> Purchase:
    """竞价选取 after the deadline: the lowest valid quote wins (an earlier quote wins a tie)."""
    purchase = lock(purchase)
    require_method(purchase, Method.BIDDING)
    require_closed(purchase)
    valid = sorted(_screen_applications(purchase), key=lambda a: (a.quote, a.quoted_at, a.pk))
    for rank, application in enumerate(valid, start=1):
        application.rank = rank
        application.save(update_fields=["rank"])
    if not valid:
        return _fail(purchase, _("No valid quote was received."))
    first = valid[0]
    return publicise(purchase, winner=first.intermediary, amount=first.quote, action="marketplace.select.bidding",
                      payload={"ranking": [[a.intermediary_id, str(a.quote)] for a in valid]})


@transaction.atomic
def committee_appoint(*, purchase: Purchase, members: list[User]) -> Purchase:
    """比选 after the deadline: name the committee (evaluation experts or the owner's own staff)."""
    purchase = lock(purchase)
    require_method(purchase, Method.COMPARISON)
    require_closed(purchase)
    members = list({m.pk: m for m in members}.values())
    sizes = tuple(conf.get("MARKETPLACE_COMMITTEE_SIZES"))
    if len(members) not in sizes:
        raise ValidationError({"members": _("A comparison committee has %(sizes)s members; you named %(n)d.")
                               % {"sizes": " / ".join(str(s) for s in sizes), "n": len(members)}})
    applicant_orgs = set(applications_live(purchase).values_list("intermediary__organisation_id", flat=True))
    for member in members:
        if not member.is_active or not (member.role == Role.EXPERT or (
                member.role == Role.TENDERER and member.organisation_id == purchase.owner_id)):
            raise ValidationError({"members": _("%(name)s cannot sit: members are evaluation experts or your own "
                                                "organisation's staff.") % {"name": member}})
        if member.organisation_id in applicant_orgs:
            raise ValidationError({"members": _("%(name)s works for an applicant and cannot sit.") % {"name": member}})
    valid = _screen_applications(purchase)
    if not valid:
        return _fail(purchase, _("No valid proposal was received."))
    CommitteeMember.objects.bulk_create([CommitteeMember(purchase=purchase, person=m) for m in members])
    purchase.state = Purchase.State.SCORING
    purchase.save(update_fields=["state"])
    audit_record(action="marketplace.committee.appoint", obj=purchase, payload={
        "members": [m.pk for m in members], "applications": [a.pk for a in valid], "weights": purchase.weights})
    return purchase


def scored_criteria(purchase: Purchase) -> list[str]:
    return [c for c in CRITERIA if c in purchase.weights and c != "price"]


@transaction.atomic
def scores_submit(*, purchase: Purchase, person: User, marks: dict) -> CommitteeMember:
    """One member's marks: ``{application id: {criterion: 0..100}}`` for every valid application, all at once."""
    purchase = lock(purchase)
    if purchase.state != Purchase.State.SCORING:
        raise ValidationError(_("This purchase is not being scored."))
    member = CommitteeMember.objects.select_for_update().filter(purchase=purchase, person=person).first()
    if member is None:
        raise ValidationError(_("You are not on this purchase's committee."))
    if member.submitted_at is not None:
        raise ValidationError(_("You have already submitted your scores."))
    criteria = scored_criteria(purchase)
    applications = list(applications_live(purchase))
    cleaned = {}
    for application in applications:
        given = marks.get(application.pk) or marks.get(str(application.pk)) or {}
        row = {}
        for criterion in criteria:
            try:
                value = int(str(given.get(criterion, "")).strip())
            except ValueError:
                message = _("Give every proposal a whole mark from 0 to 100 on every criterion (%(who)s).")
                raise ValidationError({"marks": message % {"who": application.intermediary}}) from None
            if not 0 <= value <= 100:
                raise ValidationError({"marks": _("Marks run from 0 to 100 (%(who)s).")
                                       % {"who": application.intermediary}})
            row[criterion] = value
        cleaned[application.pk] = row
    Score.objects.bulk_create([Score(member=member, application_id=pk, marks=row) for pk, row in cleaned.items()])
    member.submitted_at = timezone.now()
    member.save(update_fields=["submitted_at"])
    audit_record(action="marketplace.committee.score", obj=member, payload={"purchase": purchase.pk, "marks": {
        str(k): v for k, v in cleaned.items()}})
    return member


def comparison_totals(purchase: Purchase) -> list[tuple[Application, Decimal]]:
    """Each valid application's total: Σ weight% × criterion score; price by formula (lowest quote = 100)."""
    applications = list(applications_live(purchase).prefetch_related("scores"))
    lowest = min(a.quote for a in applications)
    totals = []
    for application in applications:
        total = Decimal(0)
        for criterion, weight in purchase.weights.items():
            if criterion == "price":
                score = lowest / application.quote * 100
            else:
                marks = [s.marks[criterion] for s in application.scores.all()]
                score = Decimal(sum(marks)) / len(marks)
            total += Decimal(weight) * score / 100
        totals.append((application, total.quantize(TWO, rounding=ROUND_HALF_UP)))
    return sorted(totals, key=lambda item: (-item[1], item[0].quote, item[0].quoted_at))


@transaction.atomic
def comparison_finish(*, purchase: Purchase) -> Purchase:
    """Once every member has scored: rank by total, the highest wins at its quote."""
    purchase = lock(purchase)
    require_method(purchase, Method.COMPARISON)
    if purchase.state != Purchase.State.SCORING:
        raise ValidationError(_("This purchase is not being scored."))
    waiting = purchase.committee.filter(submitted_at__isnull=True).count()
    if waiting:
        raise ValidationError(_("%(n)d committee member(s) have not submitted their scores yet.") % {"n": waiting})
    totals = comparison_totals(purchase)
    for rank, (application, total) in enumerate(totals, start=1):
        application.rank, application.score = rank, total
        application.save(update_fields=["rank", "score"])
    first = totals[0][0]
    return publicise(purchase, winner=first.intermediary, amount=first.quote, action="marketplace.select.comparison",
                      payload={"ranking": [[a.intermediary_id, str(t)] for a, t in totals]})


def _next_in_line(purchase: Purchase) -> tuple[Intermediary, Decimal] | None:
    """Who is selected when the winner refuses: the next reserve of the draw, or the next in the ranking."""
    if purchase.method == Method.RANDOM:
        for pk in purchase.draw.order:
            if pk in purchase.refused or pk in purchase.voided:
                continue
            intermediary = Intermediary.objects.get(pk=pk)
            reasons, detail = intermediary_reasons(intermediary=intermediary, service_type=purchase.service_type)
            if reasons:
                Exclusion.objects.update_or_create(purchase=purchase, intermediary=intermediary,
                                                   defaults={"reasons": reasons, "detail": detail[:300]})
                continue
            return intermediary, purchase.fee_cap
        return None
    if purchase.method in (Method.BIDDING, Method.COMPARISON):
        ranked = (purchase.applications.filter(state=Application.State.APPLIED, rank__isnull=False)
                  .exclude(intermediary_id__in=purchase.refused + purchase.voided).order_by("rank"))
        for application in ranked:
            reasons, _detail = intermediary_reasons(intermediary=application.intermediary,
                                                    service_type=purchase.service_type)
            if not reasons:
                return application.intermediary, application.quote
    return None


@transaction.atomic
def winner_refuse(*, purchase: Purchase, intermediary: Intermediary, reason: str) -> Purchase:
    """The selected intermediary declines the service: a credit event; the next in line is selected."""
    purchase = lock(purchase)
    if purchase.state != Purchase.State.PUBLICISED or purchase.winner_id != intermediary.pk:
        raise ValidationError(_("Only the selected intermediary may decline, before the contract is signed."))
    if not reason.strip():
        raise ValidationError({"reason": _("Give the reason for declining; it is recorded in your credit file.")})
    event = credit_event_record(behaviour_code="intermediary-refusal", organisation=intermediary.organisation,
                                deal_code=purchase.number,
                                evidence=_("Selected for %(number)s %(title)s and declined: %(reason)s")
                                % {"number": purchase.number, "title": purchase.title, "reason": reason.strip()})
    purchase.refused.append(intermediary.pk)
    audit_record(action="marketplace.select.refuse", obj=purchase, payload={
        "intermediary": intermediary.pk, "reason": reason.strip(), "credit_event": event.pk})
    following = _next_in_line(purchase)
    if following is None:
        return _fail(purchase, _("The selected intermediary declined and nobody is left in line."))
    return publicise(purchase, winner=following[0], amount=following[1], action="marketplace.select.next",
                      payload={"after_refusal_of": intermediary.pk})


@transaction.atomic
def selection_void(*, purchase: Purchase, reason: str, reference: str) -> Purchase:
    """An upheld complaint voids the publicised selection (财政部令第94号第三十二条): the selected intermediary is set
    aside and the purchase goes back to selection — the next of the draw's reserves or of the ranking is selected
    and publicised anew; a direct selection opens again for the owner; nobody left: the purchase fails."""
    purchase = lock(purchase)
    if purchase.state != Purchase.State.PUBLICISED:
        raise ValidationError(_("Only a publicised selection that has no contract yet can be voided; this purchase is "
                                "%(state)s.") % {"state": purchase.get_state_display()})
    voided = purchase.winner
    purchase.voided.append(voided.pk)
    audit_record(action="marketplace.select.void", obj=purchase, payload={
        "intermediary": voided.pk, "amount": purchase.amount, "reason": reason, "by": reference})
    if purchase.method == Method.DIRECT:
        purchase.state, purchase.winner, purchase.amount = Purchase.State.OPEN, None, None
        purchase.selected_at = purchase.publicity_until = None
        purchase.save()
        return purchase
    following = _next_in_line(purchase)
    if following is None:
        return _fail(purchase, _("The selection was voided by an upheld complaint and nobody is left in line."))
    return publicise(purchase, winner=following[0], amount=following[1], action="marketplace.select.next",
                     payload={"after_void_of": voided.pk, "by": reference})


@transaction.atomic
def objection_file(*, purchase: Purchase, organisation: Organisation, text: str) -> Objection:
    """An objection (质疑) to the result, while it is publicised."""
    purchase = lock(purchase)
    if purchase.state != Purchase.State.PUBLICISED or today() > purchase.publicity_until:
        raise ValidationError(_("Objections are taken only while the result is publicised."))
    if not text.strip():
        raise ValidationError({"text": _("Say what you object to and why, with the facts.")})
    reply_due = add_working_days(today(), conf.get("MARKETPLACE_OBJECTION_REPLY_WORKING_DAYS"))
    objection = Objection.objects.create(purchase=purchase, filed_by=organisation, text=text.strip(),
                                         reply_due=reply_due)
    audit_record(action="marketplace.objection.file", obj=objection, payload={
        "purchase": purchase.pk, "organisation": organisation.pk, "text": objection.text, "reply_due": reply_due})
    return objection


@transaction.atomic
def objection_answer(*, objection: Objection, answer: str) -> Objection:
    objection = Objection.objects.select_for_update().get(pk=objection.pk)
    if objection.answered_at is not None:
        raise ValidationError(_("This objection has already been answered."))
    if not answer.strip():
        raise ValidationError({"answer": _("Write the answer; the objector and the public read it.")})
    objection.answer, objection.answered_at = answer.strip(), timezone.now()
    objection.save(update_fields=["answer", "answered_at"])
    audit_record(action="marketplace.objection.answer", obj=objection, payload={"answer": objection.answer})
    return objection

