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
import re

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Role
from audit.services import audit_record
from core import draw as draw_algorithm
from core.effects import task_on_commit

from .. import conf
from ..models import DrawRequest
from .draws import (
    _lock,
    _utc,
    draw_seats_place,
    draw_time_check,
    exclusions_record,
    pool_check,
    pool_screen,
    request_document,
)

HEX64 = re.compile(r"^[0-9a-f]{64}$")


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


def _hex(value: str, *, field: str, what: str) -> str:
    text = "".join(str(value or "").split()).lower()
    if not text:
        raise ValidationError({field: _("Paste the %(what)s: 64 hexadecimal digits.") % {"what": what}})
    if not HEX64.match(text):
        raise ValidationError({field: _(
            "The %(what)s is 64 hexadecimal digits (0-9, a-f); this has %(n)d characters or other signs."
        ) % {"what": what, "n": len(text)}})
    return text


@transaction.atomic
def witness_commit(*, request: DrawRequest, user, commitment: str) -> DrawRequest:
    """Record the witness's commitment ``SHA-256(secret)``; only before the pool is fixed, and only once."""
    request = _lock(request)
    _require_witness(user=user, request=request)
    value = _hex(commitment, field="commitment", what=_("commitment"))
    if request.state != DrawRequest.State.COMMITTED:
        raise ValidationError({"commitment": _(
            "The pool of this draw is already fixed: a commitment now would come after it and cannot count.")})
    if request.witness_commitment:
        raise ValidationError({"commitment": _(
            "The witness commitment is already recorded (%(at)s); it cannot be changed.")
            % {"at": f"{timezone.localtime(request.witness_committed_at):%Y-%m-%d %H:%M}"}})
    if value == request.commitment:
        raise ValidationError({"commitment": _(
            "This is the platform's commitment. Commit to a secret of your own, made on your machine.")})
    request.witness_commitment = value
    request.witness_committed_at = timezone.now()
    request.witness_organisation_id = user.organisation_id
    request.save(update_fields=["witness_commitment", "witness_committed_at", "witness_organisation"])
    audit_record(action="expert_pool.draw.witness_commit", obj=request, payload={
        "commitment": value, "witness": user.organisation.name, "platform_commitment": request.commitment})
    return request


def _witness_statement(request: DrawRequest) -> dict:
    organisation = request.witness_organisation if request.witness_commitment else request.regulator
    return {"organisation": organisation.name if organisation else None,
            "commitment": request.witness_commitment or None}


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
    fixing = {
        "format": draw_algorithm.FORMAT_V2,
        "request_hash": draw_algorithm.request_hash_of(document),
        "pool_hash": draw_algorithm.pool_hash_of(pool),
        "platform_commitment": request.commitment,
        "witness": _witness_statement(request),
        "fixed_at": _utc(now),
        "reveal_deadline": _utc(deadline),
    }
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
    value = _hex(secret, field="secret", what=_("secret"))
    if request.state == DrawRequest.State.COMMITTED:
        raise ValidationError({"secret": _(
            "The pool is not fixed yet. Reveal only after it is fixed and published: a secret known before then "
            "would let whoever fixes the pool steer the draw.")})
    if request.state != DrawRequest.State.POOL_FIXED:
        raise ValidationError({"secret": _("This draw has already been made; the reveal is no longer needed.")})
    if value == request.witness_commitment:
        raise ValidationError({"secret": _(
            "This is the commitment, not the secret. Paste the secret you saved when you committed.")})
    if draw_algorithm.commitment_of(bytes.fromhex(value)) != request.witness_commitment:
        raise ValidationError({"secret": _(
            "This secret does not match your commitment %(commitment)s. Paste the secret saved with that "
            "commitment.") % {"commitment": request.witness_commitment[:16] + "…"}})
    if timezone.now() > request.reveal_deadline:
        raise ValidationError({"secret": _(
            "The time to reveal ended at %(deadline)s; the draw uses the fallback value fixed with the pool.")
            % {"deadline": f"{timezone.localtime(request.reveal_deadline):%Y-%m-%d %H:%M}"}})
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
        "witness": "revealed" if secret else ("fallback: no reveal by the deadline" if request.witness_commitment
                                              else "fallback: no witness commitment")})


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
