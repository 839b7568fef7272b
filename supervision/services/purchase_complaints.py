"""Complaints (投诉) on the selection result of a marketplace purchase (网上中介超市).

Marketplace purchases are small purchases by public bodies, so the government procurement rules apply
(财政部令第94号): an intermediary that took part first challenges (质疑) the owner — the marketplace's objection,
answered within MARKETPLACE_OBJECTION_REPLY_WORKING_DAYS — and, not satisfied or not answered in time, complains to
the regulator within 15 working days after the answer or the end of the answer period (art. 17). The regulator
decides acceptance in 5 working days (art. 21) and the complaint in 30 working days from receipt (art. 28), on the
same ``Complaint`` row and pages as a tender's complaint. While it is open the contract waits
(``marketplace.holds``); an upheld decision voids the selection and the purchase goes back to selection
(``marketplace.services.selection.selection_void``, art. 32).
"""

from collections.abc import Sequence

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Role
from audit.services import audit_record
from core.workdays import today
from marketplace import conf as marketplace_conf
from marketplace.models import Objection as PurchaseObjection
from marketplace.models import Purchase
from marketplace.selectors import purchase_participants
from marketplace.services.selection import selection_void

from ..models import Complaint, Subject, Track
from .complaints import (
    _answer_period_end,
    _check_files,
    _check_text,
    _fmt,
    _save_files,
    complaint_acceptance_due,
    complaint_decision_due,
    complaint_filing_deadline,
)

RULE = "财政部令第94号第十七条"


def _refused(message: str, code: str) -> ValidationError:
    """A refusal shown beside the grounds, with a code tests and API clients can read."""
    return ValidationError({"grounds": ValidationError(message, code=code)})


def _current(queryset, purchase: Purchase):
    """Rows filed on the selection now publicised (a voided or replaced result had its own round)."""
    return queryset.filter(filed_at__gte=purchase.selected_at) if purchase.selected_at else queryset.none()


@transaction.atomic
def purchase_complaint_file(*, purchase: Purchase, user, grounds: str, files: Sequence = ()) -> Complaint:
    """File a complaint on a purchase's selection result; refused, nothing created, with the reason in Chinese."""
    purchase = Purchase.objects.select_for_update().get(pk=purchase.pk)
    if user.role != Role.BIDDER or user.organisation_id is None:
        raise PermissionDenied(_("Only a person acting for an intermediary can file this."))
    grounds = _check_text(grounds, "grounds", _("State the facts, the grounds, the evidence and what you ask for."))
    _check_files(files)
    if purchase.state in (Purchase.State.CONTRACTED, Purchase.State.DELIVERED):
        raise _refused(_(
            "The contract of this purchase is already signed; a complaint on the selection result is no longer "
            "taken here. Report the matter to the regulator."), "contracted")
    if purchase.state != Purchase.State.PUBLICISED:
        raise _refused(_("This purchase has no selection result to complain about (it is “%(state)s”).")
                       % {"state": purchase.get_state_display()}, "no_result")
    organisation = user.organisation
    if organisation.pk not in purchase_participants(purchase):
        raise _refused(_(
            "Only an intermediary that took part in this selection (applied, or was in the draw's pool) may "
            "complain about its result."), "not_participant")
    if purchase.winner.organisation_id == organisation.pk:
        raise _refused(_("Your organisation is the one selected; there is no result of yours to complain about."),
                       "selected")
    earlier = _current(Complaint.objects.filter(purchase=purchase, organisation=organisation), purchase).first()
    if earlier is not None:
        raise _refused(_(
            "Your organisation has already complained about this result (complaint #%(n)d, %(state)s); the same "
            "complaint is not filed twice.") % {"n": earlier.pk, "state": earlier.get_state_display()}, "duplicate")
    objection = _current(PurchaseObjection.objects.filter(purchase=purchase, filed_by=organisation),
                         purchase).order_by("-filed_at").first()
    if objection is None:
        raise _refused(_(
            "Challenge (质疑) the owner first, on the purchase's page while the result is publicised; a complaint is "
            "filed only after the challenge (%(rule)s).") % {"rule": RULE}, "objection_first")
    day = today()
    if objection.answered_at is None and day <= objection.reply_due:
        raise _refused(_(
            "Your objection or challenge is awaiting its answer until %(date)s; complain after the answer or "
            "once that day has passed (%(rule)s).") % {"date": _fmt(objection.reply_due), "rule": RULE},
            "awaiting_answer")
    counted_from = _answer_period_end(objection)
    filing_deadline = complaint_filing_deadline(track=Track.GOVERNMENT, counted_from=counted_from)
    if day > filing_deadline:
        raise _refused(_(
            "A complaint must be filed within 15 working days after the answer to the challenge or the end of its "
            "answer period (财政部令第94号第十七条); counted from %(from)s the period ended on %(date)s.")
            % {"from": _fmt(counted_from), "date": _fmt(filing_deadline)}, "too_late")
    complaint = Complaint.objects.create(
        purchase=purchase, track=Track.GOVERNMENT, subject=Subject.SELECTION, purchase_objection=objection,
        organisation=organisation, filed_by=user, grounds=grounds, known_on=counted_from, filed_at=timezone.now(),
        filing_deadline=filing_deadline,
        acceptance_due=complaint_acceptance_due(track=Track.GOVERNMENT, received_on=day),
        decision_due=complaint_decision_due(start=day))
    saved = _save_files(files, user=user, folder=f"complaints/purchase-{purchase.pk}", complaint=complaint)
    audit_record(action="supervision.complaint.file", obj=complaint, payload={
        "deal_code": purchase.number, "purchase": purchase.pk, "track": Track.GOVERNMENT, "subject": Subject.SELECTION,
        "intermediary": organisation.credit_code, "objection": objection.pk, "counted_from": counted_from,
        "filing_deadline": filing_deadline, "acceptance_due": complaint.acceptance_due,
        "decision_due": complaint.decision_due, "grounds": grounds, "files": saved})
    return complaint


def purchase_complaint_upheld(complaint: Complaint) -> None:
    """Void the selection the complaint was about, if it still stands (the caller holds the complaint's lock)."""
    purchase = Purchase.objects.select_for_update().get(pk=complaint.purchase_id)
    if purchase.state != Purchase.State.PUBLICISED or purchase.selected_at > complaint.filed_at:
        audit_record(action="supervision.complaint.void_skipped", obj=complaint, payload={
            "deal_code": purchase.number, "state": purchase.state,
            "reason": "the result complained about no longer stands"})
        return
    selection_void(purchase=purchase, reason=complaint.decision,
                   reference=_("Complaint #%(n)d upheld") % {"n": complaint.pk})


def purchase_complaint_holds(purchase: Purchase) -> str | None:
    """Registered with ``marketplace.holds``: no contract while a complaint on the result is being handled, nor
    (MARKETPLACE_CONTRACT_AFTER_COMPLAINT_PERIOD) while a participant whose challenge was answered may still
    complain."""
    pending = Complaint.objects.filter(purchase=purchase, state__in=Complaint.OPEN_STATES).order_by("filed_at").first()
    if pending is not None:
        return _("Complaint #%(n)d on the selection result is being handled by the regulator (decision due by "
                 "%(due)s); the contract waits for the decision.") % {"n": pending.pk,
                                                                        "due": _fmt(pending.decision_due)}
    if not marketplace_conf.get("MARKETPLACE_CONTRACT_AFTER_COMPLAINT_PERIOD"):
        return None
    complained = set(_current(Complaint.objects.filter(purchase=purchase), purchase)
                     .values_list("organisation_id", flat=True))
    participants = purchase_participants(purchase)
    day = today()
    for objection in _current(purchase.objections.select_related("filed_by"), purchase).order_by("filed_at"):
        if objection.filed_by_id in complained or objection.filed_by_id not in participants:
            continue
        last = complaint_filing_deadline(track=Track.GOVERNMENT, counted_from=_answer_period_end(objection))
        if day <= last:
            return _("%(org)s challenged the result and may complain to the regulator until %(day)s; the contract "
                     "waits until then (财政部令第94号第十七条).") % {"org": objection.filed_by.name, "day": _fmt(last)}
    return None
