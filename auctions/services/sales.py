"""Setting up a sale: its lots, the notice (with the legal notice period), the sealed reserve, suspension."""

import datetime as dt

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Organisation, Role
from audit.services import audit_record
from core.workdays import add_working_days
from trading.services.projects import deal_code_make

from .. import reserve, rights, rules
from ..models import Lot, Method, Sale, Subject
from .log import event_append, lot_lock
from .notices import sale_notice_publish

# Auction deal codes take serials above this, so they never meet a trading project's (serial = project id).
DEAL_SERIAL_BASE = 5_000_000


def is_host(user, sale: Sale) -> bool:
    """A person of the organisation running the sale (its agency, else the seller)."""
    return (user is not None and user.is_authenticated and user.role in (Role.AGENCY, Role.TENDERER)
            and user.organisation_id is not None and user.organisation_id == sale.host.pk)


def _require_host(user, sale: Sale) -> None:
    if not is_host(user, sale):
        raise PermissionDenied(_("Only the seller or the agency running this sale may do this."))


def _schedule_problems(*, subject: str, method: str, starts_at: dt.datetime, listing_ends_at, deadline,
                       published_on: dt.date) -> dict:
    problems = {}
    start_day = timezone.localdate(starts_at)
    if subject == Subject.PROPERTY:
        disclosed_until = add_working_days(published_on, rules.property_notice_working_days())
        if start_day <= disclosed_until:
            problems["starts_at"] = _(
                "State property is disclosed for at least %(n)d working days: the bidding may start on "
                "%(day)s at the earliest.") % {"n": rules.property_notice_working_days(),
                                               "day": (disclosed_until + dt.timedelta(days=1)).isoformat()}
    elif (start_day - published_on).days < rules.notice_days():
        problems["starts_at"] = _(
            "The notice is published at least %(n)d days before the start: the start may be on %(day)s at the "
            "earliest.") % {"n": rules.notice_days(),
                            "day": (published_on + dt.timedelta(days=rules.notice_days())).isoformat()}
    closes_at = starts_at
    if method == Method.LISTING:
        if listing_ends_at is None or listing_ends_at < starts_at + dt.timedelta(days=rules.listing_min_days()):
            problems["listing_ends_at"] = _("A listing lasts at least %(n)d days after its start.") % {
                "n": rules.listing_min_days()}
        closes_at = listing_ends_at or starts_at
    if deadline is None or deadline > closes_at:
        problems["application_deadline"] = _(
            "Applications and deposits must be in before the listing closes (or the auction starts).")
    return problems


@transaction.atomic
def sale_create(*, user, title: str, subject: str, kind: str, method: str, region: str, seller: Organisation,
                reserve_official, starts_at: dt.datetime, application_deadline: dt.datetime,
                listing_ends_at: dt.datetime | None = None, notice_text: str = "", lots: list[dict],
                key_files_allowed: bool = True) -> Sale:
    """A draft sale with its lots (``number`` from 1; ``title``, ``starting_price``, ``increment``, ``deposit``,
    ``valuation`` for state property). The host is the person's organisation: the seller itself, or its agency."""
    if user.role not in (Role.AGENCY, Role.TENDERER) or user.organisation_id is None:
        raise PermissionDenied(_("Only a seller or an agency sets up a sale."))
    problems = {}
    if not (title or "").strip():
        problems["title"] = _("Give the sale a title.")
    if subject not in Subject.values:
        problems["subject"] = _("Choose what is sold: land, a mining right or state property.")
    if method not in Method.values:
        problems["method"] = _("Choose listing (挂牌) or auction (拍卖).")
    if reserve_official is None or reserve_official.role not in (Role.OFFICIAL, Role.TENDERER):
        problems["reserve_official"] = _("Designate the official who will enter the reserve prices.")
    if not lots:
        problems["lots"] = _("A sale has at least one lot.")
    if problems:
        raise ValidationError(problems)
    agency = user.organisation if user.role == Role.AGENCY else None
    sale = Sale.objects.create(
        title=title.strip(), subject=subject, kind=kind, method=method, region=region, seller=seller, agency=agency,
        reserve_official=reserve_official, starts_at=starts_at, listing_ends_at=listing_ends_at,
        application_deadline=application_deadline, notice_text=notice_text, created_by=user,
        key_files_allowed=bool(key_files_allowed))
    for number, spec in enumerate(lots, start=1):
        lot_problems = {}
        values = {}
        for field in ("starting_price", "increment", "deposit"):
            try:
                values[field] = rules.money_parse(spec.get(field), field=field, allow_zero=field == "deposit")
            except ValidationError as error:
                lot_problems.update(error.message_dict)
        valuation = None
        if subject == Subject.PROPERTY:
            try:
                valuation = rules.money_parse(spec.get("valuation"), field="valuation")
            except ValidationError:
                lot_problems["valuation"] = [_("State property needs its valuation (评估值).")]
        if not str(spec.get("title", "")).strip():
            lot_problems["title"] = [_("Give each lot a title.")]
        if lot_problems:
            raise ValidationError({f"lots[{number}].{k}": v for k, v in lot_problems.items()})
        Lot.objects.create(sale=sale, number=number, title=str(spec["title"]).strip(),
                           description=str(spec.get("description", "")), valuation=valuation, **values)
    public = reserve.sale_key_create(sale_id=sale.pk)
    sale.reserve_key_pem, sale.reserve_key_fingerprint = public.pem(), public.fingerprint
    sale.deal_code = deal_code_make(region=region, category=sale.category, year=timezone.localdate().year,
                                    serial=DEAL_SERIAL_BASE + sale.pk)
    sale.save(update_fields=["reserve_key_pem", "reserve_key_fingerprint", "deal_code"])
    audit_record(action="auctions.sale.create", obj=sale, payload={
        "deal_code": sale.deal_code, "subject": subject, "method": method, "lots": len(lots),
        "reserve_key": sale.reserve_key_fingerprint})
    return sale


@transaction.atomic
def notice_publish(*, sale: Sale, user) -> Sale:
    """Publish the notice now; refused unless the start leaves the legal notice period (by the calendar)."""
    sale = Sale.objects.select_for_update(no_key=True).get(pk=sale.pk)
    _require_host(user, sale)
    if sale.state != Sale.State.DRAFT:
        raise ValidationError({"state": _("The notice of this sale is already published.")})
    now = timezone.now()
    problems = _schedule_problems(subject=sale.subject, method=sale.method, starts_at=sale.starts_at,
                                  listing_ends_at=sale.listing_ends_at, deadline=sale.application_deadline,
                                  published_on=timezone.localdate(now))
    if problems:
        raise ValidationError(problems)
    sale.state, sale.notice_published_at = Sale.State.ANNOUNCED, now
    sale.save(update_fields=["state", "notice_published_at"])
    audit_record(action="auctions.notice.publish", obj=sale, payload={
        "deal_code": sale.deal_code, "starts_at": sale.starts_at.isoformat(),
        "listing_ends_at": sale.listing_ends_at.isoformat() if sale.listing_ends_at else None})
    for lot in sale.lots.all():
        lot = lot_lock(lot_id=lot.pk)
        rights.requirement_set(lot=lot)
        event_append(lot=lot, kind="announced", payload={
            "starting_price": str(lot.starting_price), "increment": str(lot.increment),
            "starts_at": sale.starts_at.isoformat()})
    sale_notice_publish(sale=sale)
    return sale


@transaction.atomic
def reserve_enter(*, lot: Lot, user, amount) -> Lot:
    """The designated official enters the lot's reserve price (底价): sealed at once, opened only at the close."""
    lot = lot_lock(lot_id=lot.pk)
    if user is None or user.pk != lot.sale.reserve_official_id:
        raise PermissionDenied(_("Only the official designated for this sale enters its reserve prices."))
    if lot.state not in (Lot.State.WAITING, Lot.State.LISTING, Lot.State.LIVE) or lot.closed_at:
        raise ValidationError({"amount": _("The lot has closed; its reserve can no longer be entered.")})
    if lot.reserve_sealed_at is not None:
        raise ValidationError({"amount": _("The reserve of this lot is already sealed; it cannot be changed.")})
    amount = rules.money_parse(amount, field="amount")
    if amount < lot.starting_price:
        raise ValidationError({"amount": _("The reserve price cannot be below the starting price.")})
    lot.reserve_envelope = reserve.reserve_seal(
        public_key_pem=lot.sale.reserve_key_pem, amount=amount,
        labels={"deal_code": lot.sale.deal_code or "", "lot": str(lot.number)})
    lot.reserve_sealed_at = timezone.now()
    lot.save(update_fields=["reserve_envelope", "reserve_sealed_at"])
    audit_record(action="auctions.reserve.seal", obj=lot, payload={"lot": lot.deal_key})
    event_append(lot=lot, kind="reserve_sealed", payload={})
    return lot


@transaction.atomic
def sale_suspend(*, sale: Sale, user, reason: str) -> Sale:
    """The regulator suspends the sale: no quote is taken, no countdown ends, until it is resumed."""
    if user is None or user.role != Role.REGULATOR:
        raise PermissionDenied(_("Only a regulator suspends a sale."))
    if not (reason or "").strip():
        raise ValidationError({"reason": _("Say why the sale is suspended; the notice shows it.")})
    sale = Sale.objects.select_for_update(no_key=True).get(pk=sale.pk)
    if sale.state != Sale.State.ANNOUNCED:
        raise ValidationError({"state": _("Only a sale whose notice is published and not finished can be suspended.")})
    sale.state, sale.suspended_reason = Sale.State.SUSPENDED, reason.strip()
    sale.save(update_fields=["state", "suspended_reason"])
    audit_record(action="auctions.sale.suspend", obj=sale, payload={"reason": sale.suspended_reason})
    for lot_id in sale.lots.values_list("pk", flat=True):
        event_append(lot=lot_lock(lot_id=lot_id), kind="suspended", payload={"reason": sale.suspended_reason})
    return sale


@transaction.atomic
def sale_resume(*, sale: Sale, user) -> Sale:
    """The regulator lifts the suspension; a live countdown starts again in full from now."""
    if user is None or user.role != Role.REGULATOR:
        raise PermissionDenied(_("Only a regulator resumes a sale."))
    sale = Sale.objects.select_for_update(no_key=True).get(pk=sale.pk)
    if sale.state != Sale.State.SUSPENDED:
        raise ValidationError({"state": _("The sale is not suspended.")})
    sale.state = Sale.State.ANNOUNCED
    sale.save(update_fields=["state"])
    audit_record(action="auctions.sale.resume", obj=sale, payload={})
    now = timezone.now()
    for lot_id in sale.lots.values_list("pk", flat=True):
        lot = lot_lock(lot_id=lot_id)
        if lot.state == Lot.State.LIVE:
            lot.live_ends_at = now + rules.countdown()
            lot.save(update_fields=["live_ends_at"])
        event_append(lot=lot, kind="resumed", payload={
            "live_ends_at": lot.live_ends_at.isoformat() if lot.state == Lot.State.LIVE else None})
    return sale

