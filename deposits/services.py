"""Writes of the deposits ledger. Every write is audited in the same transaction; nothing is changed or deleted.

The functions other apps (trading, auctions) and the bank adapter call:

- ``requirement_set(purpose_type=, purpose_id=, kind=, label=, organiser=, beneficiary=, amount=, deadline=,
  refund_rule=, ...)`` → DepositRequirement: create, or update before any money arrived (deadline, label, amount).
- ``bond_amount_check(amount=, estimate=)`` → a tender's bid bond amount (at most 2% of the estimate) or None.
- ``account_open(requirement=, organisation=)`` → DepositAccount with its virtual sub-account number (idempotent).
- ``arrival_record(sub_account=, amount=, bank_reference=, arrived_at=, payer_name=, payer_account=, source=)``
  → (Movement, created): idempotent by bank reference; refuses a different notice with a used reference, unknown
  sub-accounts and amounts that do not match. An arrival after the deadline is recorded but grants no right.
- ``arrivals_import(rows=, source=, by=)`` → ImportResult: the operator's CSV/JSON rows, all or nothing
  (``ImportRefused`` carries the errors of each row).
- ``guarantee_record(account=, issuer=, number=, amount=, valid_from=, valid_until=, beneficiary=)`` → Guarantee.
- ``refund_due_mark(account=, event_on=)`` / ``refunds_due_mark(requirement=, event_on=, except_accounts=())``
  → refund-due movements with their deadline on the working-day calendar (DEPOSITS_REFUND_RULES).
- ``refund_record(account=, bank_reference=, refunded_at=, interest=0)`` → the refund, once due.
- ``deposit_convert(account=)`` → the winner's deposit converted into part of the price (转作价款).
- ``deposit_forfeit(account=, reason=, behaviour_code=...)`` → forfeit with its reason and a credit event.

- ``bank_adapter_create(name=)`` → (BankAdapter, token): a bank's service token, shown once, stored as its SHA-256;
  ``bank_adapter_deactivate(name=)`` switches it off.

Refusals are ``django.core.exceptions.ValidationError`` keyed by the field to blame, in the user's language.
"""

import datetime as dt
import hashlib
import json
import secrets
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.translation import gettext as _

from audit.services import audit_record
from core.workdays import add_working_days, roll_to_working_day, today

from . import selectors, subaccounts
from .models import BankAdapter, DepositAccount, DepositRequirement, Guarantee, Movement, RefundRule

Kind = Movement.Kind
CENT = Decimal("0.01")


def money(value, *, field_name: str = "amount") -> Decimal:
    """``value`` as yuan with at most two decimal places, greater than zero, or a ValidationError naming the field."""
    try:
        amount = Decimal(str(value).strip().replace(",", ""))
    except (InvalidOperation, ValueError):
        raise ValidationError({field_name: _("Give the amount in yuan as a number, e.g. 200000.00.")}) from None
    if not amount.is_finite() or amount <= 0 or amount != amount.quantize(CENT) or amount >= Decimal("1e14"):
        raise ValidationError({field_name: _("The amount must be more than zero, in yuan with at most two "
                                             "decimal places, e.g. 200000.00.")})
    return amount.quantize(CENT)


def _moment(value, *, field_name: str) -> dt.datetime:
    moment = value if isinstance(value, dt.datetime) else parse_datetime(str(value or "").strip())
    if moment is None:
        raise ValidationError({field_name: _("Give the time as YYYY-MM-DDTHH:MM:SS+08:00 (Beijing time if no "
                                             "offset is given).")})
    if timezone.is_naive(moment):
        moment = timezone.make_aware(moment)
    return moment


# --- requirements and accounts ---------------------------------------------------------------------------------

BOND_MAX_SHARE = Decimal("0.02")  # TL 26, 87-38: a bid bond is at most 2% of the estimated price or the budget


def bond_amount_check(*, amount, estimate: Decimal, field_name: str = "bond_amount") -> Decimal | None:
    """A tender's bid bond: None (none asked) or an amount above 0 and at most 2% of ``estimate`` (TL 26, 87-38)."""
    if amount in (None, ""):
        return None
    amount = money(amount, field_name=field_name)
    ceiling = (Decimal(estimate) * BOND_MAX_SHARE).quantize(CENT)
    if amount > ceiling:
        raise ValidationError({field_name: _("A bid bond may be at most 2%% of the estimated price or budget: "
                                             "%(ceiling)s yuan here (招标投标法实施条例 26).") % {"ceiling": ceiling}})
    return amount



@transaction.atomic
def requirement_set(*, purpose_type: str, purpose_id, kind: str, label: str, organiser, beneficiary: str,
                    amount, deadline: dt.datetime, refund_rule: str, deal_code: str = "",
                    guarantee_valid_until: dt.date | None = None,
                    guarantees_accepted: bool = True) -> DepositRequirement:
    """Say what a lot or a section asks of each bidder; update it while no money has arrived."""
    amount = money(amount)
    if kind not in DepositRequirement.Kind.values:
        raise ValidationError({"kind": _("Choose the kind: a sale's deposit or a tender's bid bond.")})
    if refund_rule not in RefundRule.values:
        raise ValidationError({"refund_rule": _("Choose the rule that sets the refund deadline.")})
    if not (label or "").strip():
        raise ValidationError({"label": _("Name the lot or section the deposit is for.")})
    if not (beneficiary or "").strip():
        raise ValidationError({"beneficiary": _("Name the beneficiary a guarantee must name (the tenderer or "
                                                "the seller).")})
    if guarantee_valid_until and guarantee_valid_until < timezone.localdate(deadline):
        raise ValidationError({"guarantee_valid_until": _("Guarantees must be valid at least until the deadline.")})
    values = {"kind": kind, "label": label.strip(), "organiser": organiser, "beneficiary": beneficiary.strip(),
              "amount": amount, "deadline": deadline, "refund_rule": refund_rule,
              "deal_code": (deal_code or "").strip(),
              "guarantee_valid_until": guarantee_valid_until, "guarantees_accepted": guarantees_accepted}
    requirement = (DepositRequirement.objects.select_for_update()
                   .filter(purpose_type=purpose_type, purpose_id=str(purpose_id)).first())
    if requirement is None:
        requirement = DepositRequirement.objects.create(purpose_type=purpose_type, purpose_id=str(purpose_id),
                                                        **values)
        action = "deposits.requirement.create"
    else:
        moved = Movement.objects.filter(account__requirement=requirement).exists() or \
            Guarantee.objects.filter(account__requirement=requirement).exists()
        if moved and (amount != requirement.amount or kind != requirement.kind):
            raise ValidationError({"amount": _("Money or guarantees have already been recorded for this "
                                               "deposit; its amount and kind can no longer change.")})
        if all(getattr(requirement, name) == value for name, value in values.items()):
            return requirement
        for name, value in values.items():
            setattr(requirement, name, value)
        requirement.save()
        action = "deposits.requirement.update"
    audit_record(action=action, obj=requirement, payload={
        "purpose": f"{purpose_type}:{purpose_id}", "kind": kind, "label": requirement.label,
        "organiser": organiser.credit_code, "beneficiary": requirement.beneficiary, "amount": amount,
        "deadline": deadline, "refund_rule": refund_rule, "deal_code": requirement.deal_code,
        "guarantee_valid_until": guarantee_valid_until, "guarantees_accepted": guarantees_accepted,
    })
    return requirement


@transaction.atomic
def account_open(*, requirement: DepositRequirement, organisation) -> DepositAccount:
    """Give ``organisation`` its virtual sub-account for ``requirement`` (the same one if it has one)."""
    existing = selectors.account_for(requirement=requirement, organisation=organisation)
    if existing is not None:
        return existing
    if timezone.now() > requirement.deadline:
        raise ValidationError({"requirement": _("The deadline for deposits has passed; no new sub-account can be "
                                                "issued.")})
    if organisation.org_type != "bidder":
        raise ValidationError({"organisation": _("Only bidders pay deposits; sign in with a bidder's account.")})
    account = DepositAccount.objects.create(requirement=requirement, organisation=organisation)
    account.sub_account = subaccounts.make(prefix=settings.DEPOSITS_SUB_ACCOUNT_PREFIX, kind=requirement.kind,
                                           serial=account.pk)
    account.save(update_fields=["sub_account"])
    audit_record(action="deposits.account.open", obj=account, payload={
        "requirement": requirement.pk, "organisation": organisation.credit_code, "sub_account": account.sub_account,
    })
    return account


# --- arrivals --------------------------------------------------------------------------------------------------


def _fingerprint(**fields) -> str:
    return hashlib.sha256(json.dumps(fields, sort_keys=True, ensure_ascii=False).encode()).hexdigest()


def _check_reference(reference: str) -> str:
    reference = (reference or "").strip()
    if not reference or len(reference) > 64:
        raise ValidationError({"bank_reference": _("Give the bank's transaction reference (流水号), at most 64 "
                                                   "characters.")})
    return reference


@transaction.atomic
def arrival_record(*, sub_account: str, amount, bank_reference: str, arrived_at, payer_name: str = "",
                   payer_account: str = "", source: str = "", by=None) -> tuple[Movement, bool]:
    """Record the bank's notice that money arrived in a sub-account; ``created`` is False for a repeated notice.

    The same notice twice is one arrival; a different notice with a used reference, an unknown sub-account or an
    amount other than what is still to pay is refused. The bank's booking time decides whether the money arrived
    before the deadline; an arrival after it is recorded (the money must go back) but grants no right.
    """
    reference = _check_reference(bank_reference)
    amount = money(amount)
    arrived_at = _moment(arrived_at, field_name="arrived_at")
    if arrived_at > timezone.now() + dt.timedelta(seconds=settings.DEPOSITS_BANK_CLOCK_SKEW_SECONDS):
        raise ValidationError({"arrived_at": _("The bank's time lies in the future; check the bank's clock and "
                                               "send the notice again.")})
    number = (sub_account or "").strip()
    # Account numbers are compared digit for digit (bonds paid from one account are deemed collusion, TL 40 (6)).
    payer_name, payer_account = (payer_name or "").strip()[:200], "".join((payer_account or "").split())[:40]
    fingerprint = _fingerprint(sub_account=number, amount=str(amount), bank_reference=reference,
                               arrived_at=arrived_at.astimezone(dt.UTC).isoformat(), payer_name=payer_name,
                               payer_account=payer_account)
    account = (DepositAccount.objects.select_for_update().select_related("requirement", "organisation")
               .filter(sub_account=number).first()) if number else None
    if account is None:
        raise ValidationError({"sub_account": _("No deposit account has the virtual sub-account “%(number)s”; "
                                                "check the number on the payer's instruction.") % {"number": number}})
    existing = Movement.objects.filter(kind=Kind.ARRIVAL, bank_reference=reference).first()
    if existing is not None:
        return _same_notice(existing, fingerprint), False
    status = selectors.deposit_status(account)
    still_to_pay = account.requirement.amount - status.arrived_in_time - status.arrived_late
    if still_to_pay <= 0:
        raise ValidationError({"amount": _("The deposit of this sub-account has already arrived in full; the bank "
                                           "should return this transfer to the payer.")})
    if amount != still_to_pay:
        raise ValidationError({"amount": _("The amount %(amount)s does not match the %(due)s yuan due on this "
                                           "sub-account; the bank should return the transfer to the payer.")
                               % {"amount": amount, "due": still_to_pay}})
    try:
        with transaction.atomic():
            movement = Movement.objects.create(
                account=account, kind=Kind.ARRIVAL, amount=amount, recorded_at=timezone.now(), arrived_at=arrived_at,
                bank_reference=reference, notice_hash=fingerprint, payer_name=payer_name,
                payer_account=payer_account, source=source[:120], recorded_by=by,
            )
    except IntegrityError:  # the same reference, recorded at this instant for another sub-account
        return _same_notice(Movement.objects.get(kind=Kind.ARRIVAL, bank_reference=reference), fingerprint), False
    audit_record(action="deposits.arrival", obj=movement, payload={
        "sub_account": number, "amount": amount, "bank_reference": reference, "arrived_at": arrived_at,
        "in_time": arrived_at <= account.requirement.deadline, "payer_name": payer_name,
        "payer_account": payer_account, "source": movement.source,
    })
    return movement, True


def _same_notice(existing: Movement, fingerprint: str) -> Movement:
    if existing.notice_hash != fingerprint:
        raise ValidationError({"bank_reference": _("The bank reference “%(reference)s” was already used by a "
                                                   "different notice; a reference names one transfer only.")
                               % {"reference": existing.bank_reference}})
    return existing


ARRIVAL_FIELDS = ("sub_account", "amount", "bank_reference", "arrived_at", "payer_name", "payer_account")


class ImportRefused(ValidationError):
    """Some rows of an import were wrong; nothing was recorded. ``rows`` maps row number → {field: [messages]}."""

    def __init__(self, rows: dict[int, dict[str, list[str]]]):
        self.rows = rows
        super().__init__(_("%(count)d rows have errors; nothing was imported. Correct them and import the whole "
                           "file again.") % {"count": len(rows)})


@dataclass
class ImportResult:
    recorded: list[Movement] = field(default_factory=list)
    repeated: list[Movement] = field(default_factory=list)


@transaction.atomic
def arrivals_import(*, rows: list[dict], source: str, by=None) -> ImportResult:
    """Record the arrivals of an operator's bank statement, all or nothing; a row's ``row`` (else its place, from 1)
    numbers it in the errors.

    A row already recorded (the same notice) counts as repeated, not as an error.
    """
    result, errors = ImportResult(), {}
    if not rows:
        raise ValidationError({"file": _("The file has no rows of arrivals.")})
    for index, row in enumerate(rows, start=1):
        number = row.get("row") or index
        try:
            with transaction.atomic():
                movement, created = arrival_record(**{name: row.get(name) or "" for name in ARRIVAL_FIELDS},
                                                   source=source, by=by)
        except ValidationError as exc:
            errors[number] = exc.message_dict if hasattr(exc, "error_dict") else {"detail": exc.messages}
            continue
        (result.recorded if created else result.repeated).append(movement)
    if errors:
        transaction.set_rollback(True)
        raise ImportRefused(errors)
    return result


# --- guarantees ------------------------------------------------------------------------------------------------


@transaction.atomic
def guarantee_record(*, account: DepositAccount, issuer: str, number: str, amount, valid_from, valid_until,
                     beneficiary: str, source: str = "", by=None) -> Guarantee:
    """Check an electronic guarantee (电子保函) against the requirement and record it, or refuse it with the reason.

    The issuer must be accepted (DEPOSITS_GUARANTEE_ISSUERS), the number new for that issuer, the amount at least
    the deposit, the beneficiary the one required, the validity from the deadline (or before) until the date the
    requirement asks for; it must be recorded before the deadline.
    """
    account = DepositAccount.objects.select_for_update().select_related("requirement").get(pk=account.pk)
    requirement = account.requirement
    now = timezone.now()
    errors: dict[str, str] = {}
    if not requirement.guarantees_accepted:
        raise ValidationError({"issuer": _("This deposit must be paid in money; guarantees are not accepted.")})
    if now > requirement.deadline:
        raise ValidationError({"valid_from": _("The deadline has passed; a guarantee can no longer be accepted.")})
    issuers = selectors.issuers()
    issuer, number = (issuer or "").strip(), (number or "").strip()
    if issuer not in issuers:
        errors["issuer"] = _("“%(issuer)s” is not an accepted issuer of guarantees; accepted are: %(list)s.") % {
            "issuer": issuer, "list": "、".join(issuers.values())}
    if not number or len(number) > 64:
        errors["number"] = _("Give the guarantee's number as printed on it, at most 64 characters.")
    elif Guarantee.objects.filter(issuer=issuer, number=number).exists():
        errors["number"] = _("Guarantee number %(number)s of this issuer is already recorded; one guarantee "
                             "covers one deposit.") % {"number": number}
    try:
        amount = money(amount)
        if amount < requirement.amount:
            errors["amount"] = _("The guarantee covers %(amount)s yuan, less than the %(due)s yuan required.") % {
                "amount": amount, "due": requirement.amount}
    except ValidationError as exc:
        errors["amount"] = exc.message_dict["amount"][0]
    start, end = _day(valid_from), _day(valid_until)
    deadline_day = timezone.localdate(requirement.deadline)
    needed_until = requirement.guarantee_valid_until or deadline_day
    if start is None:
        errors["valid_from"] = _("Give the first day of validity as YYYY-MM-DD.")
    elif start > deadline_day:
        errors["valid_from"] = _("The guarantee must be valid on the deadline (%(day)s); it starts only on "
                                 "%(start)s.") % {"day": deadline_day, "start": start}
    if end is None:
        errors["valid_until"] = _("Give the last day of validity as YYYY-MM-DD.")
    elif end < today():
        errors["valid_until"] = _("The guarantee expired on %(day)s.") % {"day": end}
    elif end < needed_until:
        errors["valid_until"] = _("The guarantee must be valid until at least %(needed)s; it ends on %(end)s.") % {
            "needed": needed_until, "end": end}
    if (beneficiary or "").strip() != requirement.beneficiary:
        errors["beneficiary"] = _("The guarantee must name “%(name)s” as its beneficiary.") % {
            "name": requirement.beneficiary}
    if selectors.valid_guarantee(account) is not None:
        errors["number"] = _("This deposit is already covered by a guarantee.")
    if errors:
        raise ValidationError(errors)
    guarantee = Guarantee.objects.create(
        account=account, issuer=issuer, number=number, amount=amount, valid_from=start, valid_until=end,
        beneficiary=requirement.beneficiary, recorded_at=now, recorded_by=by, source=source[:120],
    )
    audit_record(action="deposits.guarantee", obj=guarantee, payload={
        "sub_account": account.sub_account, "issuer": issuer, "number": number, "amount": amount,
        "valid_from": start, "valid_until": end, "beneficiary": guarantee.beneficiary,
    })
    return guarantee


def _day(value) -> dt.date | None:
    if isinstance(value, dt.date):
        return value
    try:
        return parse_date(str(value or "").strip())
    except ValueError:
        return None


# --- refunds, conversion, forfeit ------------------------------------------------------------------------------


def refund_due_on(*, rule: str, event_on: dt.date) -> dt.date:
    """The last day to refund under ``rule`` after ``event_on`` (the contract, the award notice, the sale's end).

    Days are counted from the next day (DEPOSITS_REFUND_RULES: working or calendar days); a last day on a rest day
    rolls to the next working day.
    """
    spec = settings.DEPOSITS_REFUND_RULES[rule]
    if spec["working"]:
        return add_working_days(event_on, spec["days"])
    return roll_to_working_day(event_on + dt.timedelta(days=spec["days"]))


def _locked(account: DepositAccount) -> DepositAccount:
    return DepositAccount.objects.select_for_update().select_related("requirement", "organisation").get(pk=account.pk)


@transaction.atomic
def refund_due_mark(*, account: DepositAccount, event_on: dt.date, by=None) -> Movement | None:
    """Mark the money held for ``account`` as due back, with its deadline; None when nothing is held or already due."""
    account = _locked(account)
    status = selectors.deposit_status(account)
    amount = status.held - status.outstanding_refund
    if amount <= 0:
        return None
    due_on = refund_due_on(rule=account.requirement.refund_rule, event_on=event_on)
    movement = Movement.objects.create(account=account, kind=Kind.REFUND_DUE, amount=amount,
                                       recorded_at=timezone.now(), due_on=due_on, recorded_by=by)
    audit_record(action="deposits.refund_due", obj=movement, payload={
        "sub_account": account.sub_account, "amount": amount, "event_on": event_on, "due_on": due_on,
        "rule": account.requirement.refund_rule,
    })
    return movement


@transaction.atomic
def refunds_due_mark(*, requirement: DepositRequirement, event_on: dt.date, except_accounts=(),
                     by=None) -> list[Movement]:
    """Mark every bidder's money as due back after ``event_on`` except ``except_accounts`` (the winner's)."""
    skip = {account.pk for account in except_accounts}
    marked = []
    for account in requirement.accounts.order_by("pk"):
        if account.pk not in skip and (movement := refund_due_mark(account=account, event_on=event_on, by=by)):
            marked.append(movement)
    return marked


@transaction.atomic
def refund_record(*, account: DepositAccount, bank_reference: str, refunded_at=None, interest=None,
                  by=None) -> Movement:
    """Record that the refund due on ``account`` was paid back (with bank interest where the rule asks for it)."""
    account = _locked(account)
    reference = _check_reference(bank_reference)
    status = selectors.deposit_status(account)
    if not status.outstanding_refund:
        raise ValidationError({"account": _("No refund is due on this sub-account.")})
    refunded_at = _moment(refunded_at, field_name="refunded_at") if refunded_at else timezone.now()
    if refunded_at > timezone.now():
        raise ValidationError({"refunded_at": _("The refund cannot be dated in the future.")})
    interest = Decimal("0.00") if interest in (None, "") else _interest(interest)
    if interest and not settings.DEPOSITS_REFUND_RULES[account.requirement.refund_rule]["interest"]:
        raise ValidationError({"interest": _("This rule refunds without interest; leave the interest at 0.")})
    movement = Movement.objects.create(
        account=account, kind=Kind.REFUNDED, amount=status.outstanding_refund, interest=interest,
        recorded_at=timezone.now(), arrived_at=refunded_at, bank_reference=reference, recorded_by=by,
    )
    audit_record(action="deposits.refunded", obj=movement, payload={
        "sub_account": account.sub_account, "amount": movement.amount, "interest": interest,
        "bank_reference": reference, "refunded_at": refunded_at, "due_on": status.due_on,
        "late": timezone.localdate(refunded_at) > status.due_on if status.due_on else False,
    })
    return movement


def _interest(value) -> Decimal:
    try:
        interest = Decimal(str(value).strip())
    except InvalidOperation:
        interest = Decimal("-1")
    if not interest.is_finite() or interest < 0 or interest != interest.quantize(CENT):
        raise ValidationError({"interest": _("Give the interest in yuan with at most two decimal places, or 0.")})
    return interest


@transaction.atomic
def deposit_convert(*, account: DepositAccount, by=None) -> Movement:
    """Convert the winner's deposit into part of the price (保证金转作价款)."""
    account = _locked(account)
    status = selectors.deposit_status(account)
    if status.converted or status.forfeited:
        raise ValidationError({"account": _("This deposit has already been converted or forfeited.")})
    if not status.paid_in_time:
        raise ValidationError({"account": _("No deposit arrived in time on this sub-account; there is nothing to "
                                            "convert into the price.")})
    amount = status.held - status.outstanding_refund
    if amount <= 0:
        raise ValidationError({"account": _("The money of this deposit is already due back to the bidder.")})
    movement = Movement.objects.create(account=account, kind=Kind.CONVERTED, amount=amount,
                                       recorded_at=timezone.now(), recorded_by=by)
    audit_record(action="deposits.converted", obj=movement, payload={
        "sub_account": account.sub_account, "amount": amount, "deal_code": account.requirement.deal_code,
    })
    return movement


DEFAULT_FORFEIT_BEHAVIOUR = {DepositRequirement.Kind.SALE_DEPOSIT: "deal-refused",
                             DepositRequirement.Kind.BID_BOND: "contract-refused"}


@transaction.atomic
def deposit_forfeit(*, account: DepositAccount, reason: str, behaviour_code: str | None = None,
                    by=None) -> Movement:
    """Keep the bidder's deposit (不予退还) for ``reason`` and record the credit event ``behaviour_code`` (by default
    the refusal to sign: deal-refused for a sale, contract-refused for a tender; "" records none).

    A deposit covered by a guarantee is forfeited by claiming on the guarantee: the movement records its amount.
    """
    from credit.services import credit_event_record

    account = _locked(account)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Give the reason the deposit is not refunded; the bidder will read it.")})
    status = selectors.deposit_status(account)
    if status.converted or status.forfeited:
        raise ValidationError({"account": _("This deposit has already been converted or forfeited.")})
    amount = status.held - status.outstanding_refund
    if amount <= 0 and status.guarantee is not None:
        amount = status.guarantee.amount
    if amount <= 0:
        raise ValidationError({"account": _("Nothing is held on this sub-account to forfeit.")})
    movement = Movement.objects.create(account=account, kind=Kind.FORFEITED, amount=amount, reason=reason,
                                       recorded_at=timezone.now(), recorded_by=by)
    code = DEFAULT_FORFEIT_BEHAVIOUR[account.requirement.kind] if behaviour_code is None else behaviour_code
    event = None
    if code:
        event = credit_event_record(behaviour_code=code, organisation=account.organisation, by=by,
                                    deal_code=account.requirement.deal_code,
                                    evidence=_("Deposit of %(amount)s yuan for “%(purpose)s” forfeited: %(reason)s")
                                    % {"amount": amount, "purpose": account.requirement.label, "reason": reason})
    audit_record(action="deposits.forfeited", obj=movement, payload={
        "sub_account": account.sub_account, "amount": amount, "reason": reason,
        "guarantee": str(status.guarantee) if status.guarantee and not status.held else None,
        "credit_event": event.pk if event else None,
    })
    return movement


# --- bank adapters ---------------------------------------------------------------------------------------------


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@transaction.atomic
def bank_adapter_create(*, name: str) -> tuple[BankAdapter, str]:
    """Register a bank's system that reports arrivals; return it and its token (shown once, stored hashed)."""
    name = (name or "").strip()
    if not name or len(name) > 120:
        raise ValidationError({"name": _("Name the bank adapter (at most 120 characters).")})
    if BankAdapter.objects.filter(name=name).exists():
        raise ValidationError({"name": _("A bank adapter named “%(name)s” exists already.") % {"name": name}})
    token = secrets.token_urlsafe(32)
    adapter = BankAdapter.objects.create(name=name, token_hash=token_hash(token))
    audit_record(action="deposits.bank_adapter.create", obj=adapter, payload={"name": name})
    return adapter, token


@transaction.atomic
def bank_adapter_deactivate(*, name: str) -> BankAdapter:
    """Switch a bank adapter off: its token is refused from now on (the record stays)."""
    adapter = BankAdapter.objects.select_for_update().filter(name=(name or "").strip()).first()
    if adapter is None:
        raise ValidationError({"name": _("No bank adapter is named “%(name)s”.") % {"name": name}})
    adapter.active = False
    adapter.save(update_fields=["active"])
    audit_record(action="deposits.bank_adapter.deactivate", obj=adapter, payload={"name": adapter.name})
    return adapter
