"""随机抽取 by format version 2 of the draw (docs/expert-draw.md, "Format version 2"): a draw nobody can steer.

1. Posting publishes the platform's commitment ``SHA-256(platform seed)`` (``purchases.purchase_post``).
2. A regulator, as the witness, publishes the commitment to a secret made on its own machine (``witness_commit``),
   any time before the pool is fixed.
3. After the deadline the owner fixes the pool (``draw_perform``): the registered intermediaries are screened, and
   the request, the pool's hash and the fixing statement (both commitments, the reveal deadline) are published.
4. The witness reveals its secret (``witness_reveal``) and the intermediary is drawn at once with the key
   ``core.draw.seed_v2(platform seed, witness secret, fixing hash)``; without a witness commitment the draw follows
   the fixing at once, and without a reveal by the deadline the sweep draws (``draws_fallback_due``), both with the
   fallback value fixed by the statement.
5. The result is publicised at once, and with it the platform's seed: anyone replays the draw from the record.

Draws posted before format 2 (``Draw.draw_format == 1``) are still drawn and replayed by version 1.
"""

import datetime as dt

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Role
from audit.services import audit_record
from core import draw as draw_algorithm
from core import witness as witness_protocol
from core.effects import task_on_commit

from .. import conf
from ..models import Draw, Exclusion, Intermediary, Method, Purchase
from ..selectors import screen_pool
from .purchases import lock
from .selection import publicise, require_closed, require_method


def witness_may_act(*, user, purchase: Purchase) -> bool:
    """Any regulator's staff may witness a marketplace draw; once one has committed, only its organisation."""
    draw = getattr(purchase, "draw", None)
    if draw is None or draw.draw_format != 2:
        return False
    if not user.is_authenticated or user.role != Role.REGULATOR or user.organisation_id is None:
        return False
    return draw.witness_organisation_id is None or draw.witness_organisation_id == user.organisation_id


def stage_of(purchase: Purchase) -> witness_protocol.Stage:
    if purchase.state == Purchase.State.POOL_FIXED:
        return witness_protocol.Stage.POOL_FIXED
    if purchase.state == Purchase.State.OPEN and purchase.draw.pool_fixed_at is None:
        return witness_protocol.Stage.COMMITTED
    return witness_protocol.Stage.DRAWN


def _locked(purchase: Purchase) -> tuple[Purchase, Draw]:
    purchase = lock(purchase)
    require_method(purchase, Method.RANDOM)
    purchase.draw = Draw.objects.select_for_update().get(purchase=purchase)  # the one instance both read
    return purchase, purchase.draw


def _require_witness(*, user, purchase: Purchase) -> None:
    if purchase.draw.draw_format != 2:
        raise ValidationError(_("This draw uses format version 1: it has no witness."))
    if not witness_may_act(user=user, purchase=purchase):
        raise PermissionDenied(_("Only a regulator acts as the witness of a marketplace draw, and once one has "
                                 "committed only its organisation (%(org)s).")
                               % {"org": purchase.draw.witness_organisation or _("a regulator")})


@transaction.atomic
def witness_commit(*, purchase: Purchase, user, commitment: str) -> Draw:
    """Record the witness's commitment ``SHA-256(secret)``: before the pool is fixed, once."""
    purchase, draw = _locked(purchase)
    _require_witness(user=user, purchase=purchase)
    value = witness_protocol.witness_commitment_clean(
        value=commitment, stage=stage_of(purchase), recorded=draw.witness_commitment,
        recorded_at=draw.witness_committed_at, platform_commitment=draw.commitment)
    draw.witness_commitment, draw.witness_committed_at = value, timezone.now()
    draw.witness_organisation_id = user.organisation_id
    draw.save(update_fields=["witness_commitment", "witness_committed_at", "witness_organisation"])
    audit_record(action="marketplace.draw.witness_commit", obj=purchase, payload={
        "commitment": value, "witness": user.organisation.name, "platform_commitment": draw.commitment})
    return draw


def request_document(purchase: Purchase, draw: Draw) -> dict:
    """The request exactly as hashed into the draw (docs/marketplace.md, "The random draw")."""
    document = {
        "purchase": purchase.pk, "number": purchase.number, "commitment": draw.commitment,
        "deadline": draw_algorithm.utc_text(purchase.deadline), "region": purchase.region,
        "composition": [{"specialty": purchase.service_type, "count": 1,
                         "reserve": int(conf.get("MARKETPLACE_DRAW_RESERVES"))}],
    }
    if draw.draw_format == 2:
        document["format"] = draw_algorithm.FORMAT_V2
    return document


@transaction.atomic
def draw_perform(*, purchase: Purchase) -> Purchase:
    """After the deadline: screen the registered pool and fix it. Format 2 publishes the fixing statement and waits
    for the witness's reveal (drawing at once when no witness committed); format 1 draws at once."""
    purchase, draw = _locked(purchase)
    require_closed(purchase)
    eligible, excluded = screen_pool(purchase=purchase)
    if not eligible:
        raise ValidationError(_("No eligible intermediary serves this region for this service type (%(excluded)d "
                                "excluded). Cancel the purchase or widen its region.") % {"excluded": len(excluded)})
    Exclusion.objects.bulk_create([
        Exclusion(purchase=purchase, intermediary_id=pk, reasons=reasons, detail=detail[:300])
        for pk, (reasons, detail) in sorted(excluded.items())])
    draw.request_document = request_document(purchase, draw)
    draw.pool = [{"specialty": purchase.service_type, "candidates": eligible}]
    draw.request_hash = draw_algorithm.request_hash_of(draw.request_document)
    draw.pool_hash = draw_algorithm.pool_hash_of(draw.pool)
    reasons = {str(pk): r for pk, (r, _d) in sorted(excluded.items())}
    if draw.draw_format == 1:
        result = draw_algorithm.draw(seed=bytes.fromhex(draw.seed), request=draw.request_document, pool=draw.pool)
        return _publicise_draw(purchase, draw, result, {"excluded": reasons})
    now = timezone.now().replace(microsecond=0)
    deadline = now + dt.timedelta(minutes=int(conf.get("MARKETPLACE_DRAW_REVEAL_MINUTES")))
    draw.fixing = draw_algorithm.fixing_statement(
        request_hash=draw.request_hash, pool_hash=draw.pool_hash, platform_commitment=draw.commitment,
        witness_organisation=draw.witness_organisation.name if draw.witness_organisation_id else None,
        witness_commitment=draw.witness_commitment, fixed_at=now, reveal_deadline=deadline)
    draw.fixing_hash = draw_algorithm.fixing_hash_of(draw.fixing)
    draw.pool_fixed_at, draw.reveal_deadline = now, deadline
    draw.save()
    purchase.state = Purchase.State.POOL_FIXED
    purchase.save(update_fields=["state"])
    audit_record(action="marketplace.draw.pool_fix", obj=purchase, payload={
        "fixing": draw.fixing, "fixing_hash": draw.fixing_hash, "pool_size": len(eligible), "excluded": reasons})
    if not draw.witness_commitment:
        return _draw(purchase, draw)
    task_on_commit("marketplace.tasks.draws_fallback_task", eta=deadline + dt.timedelta(seconds=1))
    return purchase


@transaction.atomic
def witness_reveal(*, purchase: Purchase, user, secret: str) -> Purchase:
    """The witness reveals its secret after the pool is fixed; the intermediary is drawn and publicised at once."""
    purchase, draw = _locked(purchase)
    _require_witness(user=user, purchase=purchase)
    value = witness_protocol.witness_secret_clean(value=secret, stage=stage_of(purchase),
                                                  commitment=draw.witness_commitment, deadline=draw.reveal_deadline)
    draw.witness_secret, draw.witness_revealed_at = value, timezone.now()
    draw.save(update_fields=["witness_secret", "witness_revealed_at"])
    audit_record(action="marketplace.draw.witness_reveal", obj=purchase, payload={
        "secret": value, "commitment": draw.witness_commitment, "fixing_hash": draw.fixing_hash})
    return _draw(purchase, draw)


def _draw(purchase: Purchase, draw: Draw) -> Purchase:
    """Draw the fixed pool with the mixed key (the caller holds the purchase's lock)."""
    secret = bytes.fromhex(draw.witness_secret) if draw.witness_secret else None
    result = draw_algorithm.draw_v2(platform_seed=bytes.fromhex(draw.seed), witness_secret=secret,
                                    request=draw.request_document, pool=draw.pool, fixing=draw.fixing)
    return _publicise_draw(purchase, draw, result, {
        "format": 2, "fixing_hash": draw.fixing_hash,
        "witness": witness_protocol.witness_label(secret=draw.witness_secret, commitment=draw.witness_commitment)})


def _publicise_draw(purchase: Purchase, draw: Draw, result: draw_algorithm.DrawResult, payload: dict) -> Purchase:
    group = result.groups[0]
    draw.order, draw.drawn_at = list(group.members) + list(group.reserves), timezone.now()
    draw.save()
    return publicise(purchase, winner=Intermediary.objects.get(pk=group.members[0]), amount=purchase.fee_cap,
                     action="marketplace.select.draw", payload={
                         "request_hash": result.request_hash, "pool_hash": result.pool_hash, "order": draw.order,
                         "pool_size": len(draw.pool[0]["candidates"]), **payload})


def draws_fallback_due() -> int:
    """Draw every fixed pool whose reveal deadline passed without the witness's secret; return how many."""
    now = timezone.now()
    due = list(Purchase.objects.filter(state=Purchase.State.POOL_FIXED, draw__reveal_deadline__lt=now)
               .values_list("pk", flat=True))
    for pk in due:
        with transaction.atomic():
            purchase, draw = _locked(Purchase(pk=pk))
            if purchase.state == Purchase.State.POOL_FIXED and draw.reveal_deadline < timezone.now():
                _draw(purchase, draw)
    return len(due)
