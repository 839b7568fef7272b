"""Format version 2 of the expert draw (docs/expert-draw.md, "Format version 2"): a draw nobody can steer.

1. The request publishes the platform's commitment ``SHA-256(platform seed)`` (``draws.draw_request_create``).
2. The witness — the supervising regulator — publishes the commitment to a secret of its own (``witness_commit``);
   the secret is made on the regulator's machine and never reaches the platform before step 4.
3. The pool is screened, fixed, hashed and published with a statement naming the request, the pool and both
   commitments (``pool_fix``); the reveal deadline is fixed with it.
4. The witness reveals its secret (``witness_reveal``) and the committee is drawn at once with the key
   ``seed_v2(platform seed, witness secret, fixing hash)``. Without a reveal by the deadline (or without a witness
   commitment before the pool was fixed), the fallback value fixed by the statement replaces the secret
   (``draws_fallback_due``).
5. The platform's seed is revealed with the announcement, as in format 1.
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
from ..models import DrawRequest
from .draws import (
    _lock,
    draw_seats_place,
    draw_time_check,
    exclusions_record,
    pool_check,
    pool_screen,
    request_document,
)


def witness_may_act(*, user, request: DrawRequest) -> bool:
    """The supervising regulator's staff (any regulator's when the request names none) act as the witness."""
    if not user.is_authenticated or user.role != Role.REGULATOR or user.organisation_id is None:
        return False
    return request.regulator_id is None or user.organisation_id == request.regulator_id


def _require_witness(*, user, request: DrawRequest) -> None:
    if request.draw_format != 2:
        raise ValidationError(_("This draw uses format version 1: it has no witness."))
    if not witness_may_act(user=user, request=request):
        raise PermissionDenied(_("Only the supervising regulator (%(org)s) acts as the witness of this draw.")
                               % {"org": request.regulator.name if request.regulator_id else _("a regulator")})


def _stage(request: DrawRequest) -> witness_protocol.Stage:
    if request.state == DrawRequest.State.COMMITTED:
        return witness_protocol.Stage.COMMITTED
    if request.state == DrawRequest.State.POOL_FIXED:
        return witness_protocol.Stage.POOL_FIXED
    return witness_protocol.Stage.DRAWN


@transaction.atomic
def witness_commit(*, request: DrawRequest, user, commitment: str) -> DrawRequest:
    """Record the witness's commitment ``SHA-256(secret)``; only before the pool is fixed, and only once."""
    request = _lock(request)
    _require_witness(user=user, request=request)
    value = witness_protocol.witness_commitment_clean(
        value=commitment, stage=_stage(request), recorded=request.witness_commitment,
        recorded_at=request.witness_committed_at, platform_commitment=request.commitment)
    request.witness_commitment = value
    request.witness_committed_at = timezone.now()
    request.witness_organisation_id = user.organisation_id
    request.save(update_fields=["witness_commitment", "witness_committed_at", "witness_organisation"])
    audit_record(action="expert_pool.draw.witness_commit", obj=request, payload={
        "commitment": value, "witness": user.organisation.name, "platform_commitment": request.commitment})
    return request


@transaction.atomic
def pool_fix(*, request: DrawRequest) -> DrawRequest:
    """Screen, fix, hash and publish the pool with the statement naming both commitments and the reveal deadline.
    Without a witness commitment the committee is drawn at once with the fallback value."""
    request = _lock(request)
    if request.state != DrawRequest.State.COMMITTED:
        raise ValidationError(_("This request has already been drawn (or was cancelled); it cannot be drawn again."))
    draw_time_check(request)
    pool, excluded = pool_screen(request)
    pool_check(request, pool)
    reasons = exclusions_record(request, excluded)
    now = timezone.now().replace(microsecond=0)
    deadline = min(now + dt.timedelta(minutes=conf.get("EXPERT_DRAW_REVEAL_MINUTES")), request.evaluation_starts_at)
    document = request_document(request)
    witness = request.witness_organisation if request.witness_commitment else request.regulator
    fixing = draw_algorithm.fixing_statement(
        request_hash=draw_algorithm.request_hash_of(document), pool_hash=draw_algorithm.pool_hash_of(pool),
        platform_commitment=request.commitment, witness_organisation=witness.name if witness else None,
        witness_commitment=request.witness_commitment, fixed_at=now, reveal_deadline=deadline)
    request.request_document = document
    request.request_hash = fixing["request_hash"]
    request.pool_hash = fixing["pool_hash"]
    request.pool = pool
    request.fixing = fixing
    request.fixing_hash = draw_algorithm.fixing_hash_of(fixing)
    request.pool_fixed_at = now
    request.reveal_deadline = deadline
    request.state = DrawRequest.State.POOL_FIXED
    request.save()
    audit_record(action="expert_pool.draw.pool_fix", obj=request, payload={
        "fixing": fixing, "fixing_hash": request.fixing_hash, "pool_sizes": [len(p["candidates"]) for p in pool],
        "excluded": reasons})
    if not request.witness_commitment:
        return _draw(request)
    task_on_commit("expert_pool.tasks.draws_fallback_task", eta=deadline + dt.timedelta(seconds=1))
    return request


@transaction.atomic
def witness_reveal(*, request: DrawRequest, user, secret: str) -> DrawRequest:
    """The witness reveals its secret after the pool is fixed; the committee is drawn at once."""
    request = _lock(request)
    _require_witness(user=user, request=request)
    value = witness_protocol.witness_secret_clean(value=secret, stage=_stage(request),
                                                  commitment=request.witness_commitment,
                                                  deadline=request.reveal_deadline)
    request.witness_secret = value
    request.witness_revealed_at = timezone.now()
    request.save(update_fields=["witness_secret", "witness_revealed_at"])
    audit_record(action="expert_pool.draw.witness_reveal", obj=request, payload={
        "secret": value, "commitment": request.witness_commitment, "fixing_hash": request.fixing_hash})
    return _draw(request)


def _draw(request: DrawRequest) -> DrawRequest:
    """Draw the fixed pool with the mixed key (the caller holds the request's lock)."""
    secret = bytes.fromhex(request.witness_secret) if request.witness_secret else None
    result = draw_algorithm.draw_v2(platform_seed=bytes.fromhex(request.seed), witness_secret=secret,
                                    request=request.request_document, pool=request.pool, fixing=request.fixing)
    return draw_seats_place(request=request, result=result, payload={
        "format": 2, "fixing_hash": request.fixing_hash,
        "witness": witness_protocol.witness_label(secret=request.witness_secret,
                                                  commitment=request.witness_commitment)})


def draws_fallback_due() -> int:
    """Draw every fixed pool whose reveal deadline passed without the witness's secret; return how many."""
    due = list(DrawRequest.objects.filter(state=DrawRequest.State.POOL_FIXED, reveal_deadline__lt=timezone.now())
               .values_list("pk", flat=True))
    for pk in due:
        with transaction.atomic():
            request = _lock(DrawRequest(pk=pk))
            if request.state == DrawRequest.State.POOL_FIXED and request.reveal_deadline < timezone.now():
                _draw(request)
    return len(due)
