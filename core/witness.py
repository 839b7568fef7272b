"""The witness of a format-2 draw (docs/expert-draw.md, "Format version 2"), for every app that draws by lot.

The expert draw (expert_pool) and the marketplace's random selection (marketplace) run the same protocol on their
own rows: the platform commits, the witness (a regulator) commits to a secret made on its own machine, the pool is
fixed and published, the witness reveals and the draw follows at once, or the fallback value fixed with the pool
draws after the reveal deadline. This module holds the checks of the witness's two inputs and the witness part of
the published record, so both apps refuse the same mistakes with the same words; the pure algorithm is
``core.draw``.
"""

import datetime as dt
import re
from enum import Enum

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

from . import draw as draw_algorithm

HEX64 = re.compile(r"^[0-9a-f]{64}$")


class Stage(Enum):
    """Where a format-2 draw stands: the witness commits in COMMITTED, reveals in POOL_FIXED."""

    COMMITTED = "committed"
    POOL_FIXED = "pool_fixed"
    DRAWN = "drawn"


def hex64_clean(value: str, *, field: str, what: str) -> str:
    """64 hexadecimal digits, spaces and case forgiven, or a clear error on ``field``."""
    text = "".join(str(value or "").split()).lower()
    if not text:
        raise ValidationError({field: _("Paste the %(what)s: 64 hexadecimal digits.") % {"what": what}})
    if not HEX64.match(text):
        raise ValidationError({field: _(
            "The %(what)s is 64 hexadecimal digits (0-9, a-f); this has %(n)d characters or other signs."
        ) % {"what": what, "n": len(text)}})
    return text


def witness_commitment_clean(*, value: str, stage: Stage, recorded: str, recorded_at: dt.datetime | None,
                             platform_commitment: str) -> str:
    """The witness's commitment ``SHA-256(secret)``: only before the pool is fixed, only once, not the platform's."""
    value = hex64_clean(value, field="commitment", what=_("commitment"))
    if stage != Stage.COMMITTED:
        raise ValidationError({"commitment": _(
            "The pool of this draw is already fixed: a commitment now would come after it and cannot count.")})
    if recorded:
        raise ValidationError({"commitment": _(
            "The witness commitment is already recorded (%(at)s); it cannot be changed.")
            % {"at": f"{timezone.localtime(recorded_at):%Y-%m-%d %H:%M}"}})
    if value == platform_commitment:
        raise ValidationError({"commitment": _(
            "This is the platform's commitment. Commit to a secret of your own, made on your machine.")})
    return value


def witness_secret_clean(*, value: str, stage: Stage, commitment: str, deadline: dt.datetime | None) -> str:
    """The witness's secret: after the pool is fixed, before the draw, by the deadline, opening the commitment."""
    value = hex64_clean(value, field="secret", what=_("secret"))
    if stage == Stage.COMMITTED:
        raise ValidationError({"secret": _(
            "The pool is not fixed yet. Reveal only after it is fixed and published: a secret known before then "
            "would let whoever fixes the pool steer the draw.")})
    if stage != Stage.POOL_FIXED:
        raise ValidationError({"secret": _("This draw has already been made; the reveal is no longer needed.")})
    if value == commitment:
        raise ValidationError({"secret": _(
            "This is the commitment, not the secret. Paste the secret you saved when you committed.")})
    if draw_algorithm.commitment_of(bytes.fromhex(value)) != commitment:
        raise ValidationError({"secret": _(
            "This secret does not match your commitment %(commitment)s. Paste the secret saved with that "
            "commitment.") % {"commitment": commitment[:16] + "…"}})
    if timezone.now() > deadline:
        raise ValidationError({"secret": _(
            "The time to reveal ended at %(deadline)s; the draw uses the fallback value fixed with the pool.")
            % {"deadline": f"{timezone.localtime(deadline):%Y-%m-%d %H:%M}"}})
    return value


def witness_label(*, secret: str, commitment: str) -> str:
    """How the draw's audit event names the witness value used."""
    if secret:
        return "revealed"
    return "fallback: no reveal by the deadline" if commitment else "fallback: no witness commitment"


def witness_record(*, organisation: str | None, commitment: str, committed_at: dt.datetime | None, secret: str,
                   revealed_at: dt.datetime | None, drawn: bool) -> dict:
    """The record's ``witness`` member: the commitment from the start; the secret (or the fallback) once drawn."""
    witness = {"organisation": organisation, "commitment": commitment or None,
               "committed_at": draw_algorithm.utc_text(committed_at)}
    if drawn:
        witness.update({"secret": secret or None, "revealed_at": draw_algorithm.utc_text(revealed_at),
                        "fallback": not secret})
    return witness


def witness_post(request, *, commit, reveal, revealed_message: str) -> dict | None:
    """Run a page's witness form (``action`` witness_commit or witness_reveal) through ``commit(commitment)`` or
    ``reveal(secret)``: None when done (the success message set), else the errors to show beside the fields."""
    try:
        if request.POST.get("action") == "witness_commit":
            commit(request.POST.get("commitment", ""))
            messages.success(request, _("Your commitment is recorded. Keep the secret file: you reveal it once the "
                                        "pool is fixed."))
        else:
            reveal(request.POST.get("secret", ""))
            messages.success(request, revealed_message)
    except ValidationError as exc:
        return exc.message_dict if hasattr(exc, "error_dict") else {"general": exc.messages}
    return None
