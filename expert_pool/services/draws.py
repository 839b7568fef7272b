"""Draw requests, the draw, answers, replacements and the announcement (抽取、通知、补抽、公布).

The order of events is the one docs/expert-draw.md promises: the commitment
SHA-256(seed) is published when the request is made; the draw runs later over
the eligible pool; the seed is revealed when the result is announced.
"""

import datetime as dt
import secrets
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Organisation, User
from audit.services import audit_record
from core import draw as draw_algorithm
from core import workdays
from core.effects import task_on_commit
from credit.selectors import person_refusal

from .. import conf
from ..models import DrawRequest, Exclusion, Seat, Specialty
from ..selectors.eligibility import REASON_ORDER, Parties, expert_reasons, screen_group

MIN_COMMITTEE = 5
MIN_LARGE_PROCUREMENT_COMMITTEE = 7


def committee_rules_check(*, composition: list[dict], tenderer_representatives: int,
                          government_procurement: bool, budget: Decimal | None) -> None:
    """Refuse a committee the law does not allow (TL 46, PW 9, CGT 39, 87-47)."""
    experts = sum(int(group["count"]) for group in composition)
    total = experts + tenderer_representatives
    if total < MIN_COMMITTEE:
        raise ValidationError({"composition": _(
            "A committee needs at least %(min)d members; this one has %(n)d. Add experts."
        ) % {"min": MIN_COMMITTEE, "n": total}})
    if total % 2 == 0:
        raise ValidationError({"composition": _(
            "A committee must have an odd number of members; this one has %(n)d. Add or remove one expert."
        ) % {"n": total}})
    if 3 * experts < 2 * total:
        raise ValidationError({"tenderer_representatives": _(
            "Experts must be at least two thirds of the committee: %(experts)d of %(n)d is too few. "
            "Add experts or reduce the tenderer's representatives."
        ) % {"experts": experts, "n": total}})
    large = Decimal(conf.get("EXPERT_DRAW_LARGE_BUDGET"))
    if government_procurement and budget is not None and budget >= large and total < MIN_LARGE_PROCUREMENT_COMMITTEE:
        raise ValidationError({"composition": _(
            "Government procurement with a budget of %(large)s yuan or more needs at least %(min)d members; "
            "this one has %(n)d."
        ) % {"large": f"{large:,.0f}", "min": MIN_LARGE_PROCUREMENT_COMMITTEE, "n": total}})


def _clean_composition(composition: list[dict]) -> list[dict]:
    cleaned, seen = [], set()
    for group in composition:
        code = str(group.get("specialty", "")).strip()
        try:
            count = int(group.get("count", 0))
        except (TypeError, ValueError):
            count = 0
        if not Specialty.objects.filter(code=code).exists():
            raise ValidationError({"composition": _(
                "Specialty code “%(code)s” is not in the taxonomy. Pick one from the list."
            ) % {"code": code}})
        if count < 1:
            raise ValidationError({"composition": _("Each specialty needs at least one expert.")})
        if any(code.startswith(other) or other.startswith(code) for other in seen):
            raise ValidationError({"composition": _(
                "Specialty %(code)s overlaps another group of the request; name each specialty once."
            ) % {"code": code}})
        seen.add(code)
        cleaned.append({"specialty": code, "count": count})
    if not cleaned:
        raise ValidationError({"composition": _("Name at least one specialty and how many experts it needs.")})
    return cleaned


@transaction.atomic
def draw_request_create(*, requested_by: User, title: str, tenderer: Organisation, composition: list[dict],
                        regions: list[str], evaluation_starts_at: dt.datetime, evaluation_ends_at: dt.datetime,
                        reference: str = "", agency: Organisation | None = None,
                        regulator: Organisation | None = None, bidders: list[Organisation] = (),
                        government_procurement: bool = False, budget: Decimal | None = None, place: str = "",
                        mode: str = DrawRequest.Mode.REMOTE, tenderer_representatives: int = 0,
                        reserve_size: int = 2, draw_format: int | None = None) -> DrawRequest:
    """Record a draw request and publish the commitment to a fresh secret seed (format ``EXPERT_DRAW_FORMAT``, 2:
    a witness commits too, docs/expert-draw.md)."""
    draw_format = draw_format or conf.get("EXPERT_DRAW_FORMAT")
    if draw_format not in (1, 2):
        raise ValueError("draw_format is 1 or 2")
    composition = _clean_composition(composition)
    committee_rules_check(composition=composition, tenderer_representatives=tenderer_representatives,
                          government_procurement=government_procurement, budget=budget)
    regions = sorted({r.strip() for r in regions if r.strip()})
    if not regions:
        raise ValidationError({"regions": _("Name at least one region whose pool the experts come from.")})
    if evaluation_ends_at <= evaluation_starts_at:
        raise ValidationError({"evaluation_ends_at": _("The evaluation must end after it starts.")})
    if evaluation_starts_at <= timezone.now():
        raise ValidationError({"evaluation_starts_at": _("The evaluation time has passed; choose a time to come.")})
    if mode not in DrawRequest.Mode.values:
        raise ValidationError({"mode": _("Choose local seats, remote or cross-region evaluation.")})
    if not 0 <= reserve_size <= 10:
        raise ValidationError({"reserve_size": _("Keep between 0 and 10 reserves per specialty.")})
    seed = secrets.token_bytes(draw_algorithm.SEED_BYTES)
    request = DrawRequest.objects.create(
        title=title, reference=reference, requested_by=requested_by, tenderer=tenderer, agency=agency,
        regulator=regulator, government_procurement=government_procurement, budget=budget,
        evaluation_starts_at=evaluation_starts_at, evaluation_ends_at=evaluation_ends_at, place=place, mode=mode,
        regions=regions, composition=[{**g, "reserve": reserve_size} for g in composition],
        tenderer_representatives=tenderer_representatives, reserve_size=reserve_size,
        seed=seed.hex(), commitment=draw_algorithm.commitment_of(seed), committed_at=timezone.now(),
        draw_format=draw_format,
    )
    request.bidders.set(bidders)
    audit_record(action="expert_pool.draw.commit", obj=request, payload={
        "title": title, "reference": reference, "commitment": request.commitment,
        "composition": request.composition, "regions": regions, "tenderer_representatives": tenderer_representatives,
        "evaluation_starts_at": evaluation_starts_at, "evaluation_ends_at": evaluation_ends_at, "mode": mode,
        "format": draw_format,
    })
    return request


def earliest_draw_day(evaluation_day: dt.date) -> dt.date:
    """The first day on which a draw for an evaluation on ``evaluation_day`` is allowed."""
    allowed = conf.get("EXPERT_DRAW_EARLIEST_WORKING_DAYS")
    day = evaluation_day
    while workdays.working_days_between(day - dt.timedelta(days=1), evaluation_day) <= allowed:
        day -= dt.timedelta(days=1)
    return day


def request_document(request: DrawRequest) -> dict:
    """The request exactly as hashed into the draw (docs/expert-draw.md, "The request"); format 2 names itself."""
    document = {
        "draw_request": request.pk,
        "reference": request.reference,
        "commitment": request.commitment,
        "evaluation_starts_at": draw_algorithm.utc_text(request.evaluation_starts_at),
        "evaluation_ends_at": draw_algorithm.utc_text(request.evaluation_ends_at),
        "regions": list(request.regions),
        "composition": [{"specialty": g["specialty"], "count": g["count"], "reserve": g["reserve"]}
                        for g in request.composition],
    }
    if request.draw_format == 2:
        document["format"] = draw_algorithm.FORMAT_V2
    return document


def _lock(request: DrawRequest) -> DrawRequest:
    return DrawRequest.objects.select_for_update(no_key=True).get(pk=request.pk)


def draw_time_check(request: DrawRequest) -> None:
    """Refuse to screen the pool after the evaluation started or before the earliest draw day."""
    if timezone.now() >= request.evaluation_starts_at:
        raise ValidationError(_("The evaluation has already started; make a new request with a new time."))
    evaluation_day = timezone.localtime(request.evaluation_starts_at).date()
    first_day = earliest_draw_day(evaluation_day)
    if workdays.today() < first_day:
        raise ValidationError(_(
            "Too early to draw: experts are drawn no earlier than %(n)d working days before the evaluation "
            "(on %(eval)s). Draw on or after %(first)s."
        ) % {"n": conf.get("EXPERT_DRAW_EARLIEST_WORKING_DAYS"), "eval": evaluation_day.isoformat(),
             "first": first_day.isoformat()})


def pool_screen(request: DrawRequest) -> tuple[list[dict], dict[int, list[str]]]:
    """The eligible pool, one group per specialty with ids ascending, and every exclusion with its reasons."""
    parties = Parties.of(request)
    screenings = [screen_group(request=request, parties=parties, code=g["specialty"]) for g in request.composition]
    excluded: dict[int, list[str]] = {}
    for screening in screenings:
        excluded.update(screening.excluded)
    return [{"specialty": s.specialty, "candidates": s.eligible} for s in screenings], excluded


def pool_check(request: DrawRequest, pool: list[dict]) -> None:
    """Refuse a pool that might not fill the request whatever the draw picks, naming the short specialty: a group
    keeps at least its candidates less, for each earlier group, the fewer of that group's picks and the experts
    the two groups share."""
    for index, (group, wanted) in enumerate(zip(pool, request.composition, strict=True)):
        mine = set(group["candidates"])
        lost = sum(min(int(w["count"]) + int(w["reserve"]), len(mine & set(g["candidates"])))
                   for g, w in zip(pool[:index], request.composition[:index], strict=True))
        available = len(mine) - lost
        if available < int(wanted["count"]):
            raise ValidationError({"composition": _(
                "Not enough eligible experts for specialty %(code)s: %(needed)d needed, %(available)d eligible "
                "in regions %(regions)s. Add regions (cross-region evaluation) or choose a broader specialty."
            ) % {"code": wanted["specialty"], "needed": int(wanted["count"]), "available": available,
                 "regions": ", ".join(request.regions)}})


def exclusions_record(request: DrawRequest, excluded: dict[int, list[str]]) -> dict[str, int]:
    Exclusion.objects.bulk_create(
        [Exclusion(request=request, expert_id=pk, reason=reasons[0], reasons=reasons)
         for pk, reasons in sorted(excluded.items())], batch_size=2000,
    )
    counts = {reason: sum(1 for r in excluded.values() if r[0] == reason) for reason in REASON_ORDER}
    return {k: v for k, v in counts.items() if v}


def draw_seats_place(*, request: DrawRequest, result: draw_algorithm.DrawResult, payload: dict) -> DrawRequest:
    """Seat the drawn members and reserves, record the draw and call the members (both format versions)."""
    seats = []
    for index, group in enumerate(result.groups):
        picks = [(pk, Seat.Role.MEMBER) for pk in group.members] + [(pk, Seat.Role.RESERVE) for pk in group.reserves]
        for position, (pk, role) in enumerate(picks):
            seats.append(Seat(request=request, expert_id=pk, group=index, specialty_id=group.specialty,
                              position=position, role=role, state=Seat.State.WAITING))
    Seat.objects.bulk_create(seats)
    request.drawn_at = timezone.now()
    request.state = DrawRequest.State.DRAWN
    request.save()
    audit_record(action="expert_pool.draw.perform", obj=request, payload={
        "request_hash": result.request_hash, "pool_hash": result.pool_hash,
        "pool_sizes": [len(p["candidates"]) for p in request.pool], **payload,
        "result": result.as_dict()["groups"],
    })
    for seat in Seat.objects.filter(request=request, role=Seat.Role.MEMBER).select_related("expert__user"):
        _seat_call(seat=seat, request=request, replaces=None)
    return request


@transaction.atomic
def draw_perform(*, request: DrawRequest) -> DrawRequest:
    """Screen the pool and draw (format 1); in format 2 this fixes and publishes the pool, and the draw follows the
    witness's reveal or its deadline (``expert_pool.services.draw_v2``)."""
    if request.draw_format == 2:
        from .draw_v2 import pool_fix

        return pool_fix(request=request)
    request = _lock(request)
    if request.state != DrawRequest.State.COMMITTED:
        raise ValidationError(_("This request has already been drawn (or was cancelled); it cannot be drawn again."))
    draw_time_check(request)
    pool, excluded = pool_screen(request)
    document = request_document(request)
    try:
        result = draw_algorithm.draw(seed=bytes.fromhex(request.seed), request=document, pool=pool)
    except draw_algorithm.DrawError as exc:
        group = request.composition[exc.group]
        raise ValidationError({"composition": _(
            "Not enough eligible experts for specialty %(code)s: %(needed)d needed, %(available)d eligible "
            "in regions %(regions)s. Add regions (cross-region evaluation) or choose a broader specialty."
        ) % {"code": group["specialty"], "needed": exc.needed, "available": exc.available,
             "regions": ", ".join(request.regions)}})
    reasons = exclusions_record(request, excluded)
    request.request_document = document
    request.request_hash = result.request_hash
    request.pool_hash = result.pool_hash
    request.pool = pool
    return draw_seats_place(request=request, result=result, payload={"excluded": reasons})


def _seat_call(*, seat: Seat, request: DrawRequest, replaces: Seat | None) -> bool:
    """Check a drawn expert once more with credit's authority and notify them; False if refused."""
    evaluation_day = timezone.localtime(request.evaluation_starts_at).date()
    refusal = person_refusal(person=seat.expert.user, on=evaluation_day)
    reasons = [Exclusion.Reason.BLACKLISTED.value] if refusal else []
    if replaces is not None and not reasons:
        reasons = expert_reasons(request=request, expert=seat.expert)
    if reasons:
        seat.state = Seat.State.REFUSED
        seat.answer_note = ",".join(reasons)
        seat.save(update_fields=["state", "answer_note"])
        audit_record(action="expert_pool.seat.refuse", obj=seat,
                     payload={"request": request.pk, "expert": seat.expert_id, "reasons": reasons})
        if seat.role == Seat.Role.MEMBER:
            _call_reserve(request=request, vacated=seat)
        return False
    now = timezone.now()
    seat.role = Seat.Role.MEMBER
    seat.state = Seat.State.NOTIFIED
    seat.replaces = replaces
    seat.notified_at = now
    # Answer before the evaluation starts; a replacement called while it runs answers before it ends.
    limit = request.evaluation_starts_at if request.evaluation_starts_at > now else request.evaluation_ends_at
    seat.respond_by = min(now + dt.timedelta(minutes=conf.get("EXPERT_CONFIRM_MINUTES")), limit)
    seat.save(update_fields=["role", "state", "replaces", "notified_at", "respond_by"])
    audit_record(action="expert_pool.seat.notify", obj=seat, payload={
        "request": request.pk, "expert": seat.expert_id, "group": seat.group, "position": seat.position,
        "replaces": replaces.pk if replaces else None, "respond_by": seat.respond_by,
    })
    task_on_commit("expert_pool.tasks.seat_notify_task", seat.pk)
    task_on_commit("expert_pool.tasks.seats_expire_task", eta=seat.respond_by + dt.timedelta(seconds=1))
    return True


def _call_reserve(*, request: DrawRequest, vacated: Seat) -> Seat | None:
    """Call the next reserve of the vacated seat's group, in draw order (补抽 by the same draw)."""
    reserves = Seat.objects.filter(request=request, group=vacated.group, role=Seat.Role.RESERVE,
                                   state=Seat.State.WAITING).order_by("position").select_related("expert__user")
    for reserve in reserves:
        if _seat_call(seat=reserve, request=request, replaces=vacated):
            return reserve
    audit_record(action="expert_pool.draw.reserve_exhausted", obj=request, payload={
        "group": vacated.group, "specialty": vacated.specialty_id, "vacated": vacated.pk,
    })
    return None


def seat_message(seat: Seat) -> dict:
    """What the expert is told: when, where, how to answer. No party is named before the evaluation."""
    request = seat.request
    user = seat.expert.user
    link = conf.get("EXPERT_LINK_BASE_URL").rstrip("/") + reverse("expert_pool:seat_answer", args=[seat.token])
    starts = timezone.localtime(request.evaluation_starts_at)
    text = _(
        "You have been drawn for an evaluation committee (%(specialty)s) on %(when)s, %(mode)s%(place)s. "
        "Confirm or decline by %(deadline)s: %(link)s"
    ) % {"specialty": seat.specialty.name, "when": f"{starts:%Y-%m-%d %H:%M}",
         "mode": request.get_mode_display(), "place": f" ({request.place})" if request.place else "",
         "deadline": f"{timezone.localtime(seat.respond_by):%Y-%m-%d %H:%M}", "link": link}
    return {
        "to": {"username": user.username, "name": str(user), "phone": user.phone, "email": user.email},
        "subject": _("Evaluation committee: please confirm"),
        "text": text, "link": link, "respond_by": seat.respond_by.isoformat(), "seat": str(seat.token),
    }


@transaction.atomic
def seat_notify_send(*, seat: Seat) -> str | None:
    """Send the notification of a seat still waiting for an answer; record the channel used."""
    seat = Seat.objects.select_related("request", "expert__user", "specialty").get(pk=seat.pk)
    if seat.state != Seat.State.NOTIFIED:
        return None
    from .. import notify

    channel = notify.send(seat_message(seat))
    audit_record(action="expert_pool.seat.notify_sent", obj=seat, payload={"channel": channel})
    return channel


@transaction.atomic
def seat_answer(*, seat: Seat, accept: bool, note: str = "") -> Seat:
    """The expert confirms or declines; a decline calls the next reserve."""
    seat = Seat.objects.select_for_update(no_key=True).select_related("request").get(pk=seat.pk)
    request = _lock(seat.request)
    if seat.state != Seat.State.NOTIFIED:
        raise ValidationError(_("This call has already been answered or has lapsed (%(state)s); "
                                "nothing more to do.") % {"state": seat.get_state_display()})
    if timezone.now() > seat.respond_by:
        raise ValidationError(_("The time to answer ended at %(deadline)s; a reserve has been or will be called.")
                              % {"deadline": f"{timezone.localtime(seat.respond_by):%Y-%m-%d %H:%M}"})
    if not accept and not note.strip():
        raise ValidationError({"note": _("Say briefly why you decline (e.g. conflict of interest, illness).")})
    seat.state = Seat.State.CONFIRMED if accept else Seat.State.DECLINED
    seat.responded_at = timezone.now()
    seat.answer_note = note.strip()
    seat.save(update_fields=["state", "responded_at", "answer_note"])
    audit_record(action="expert_pool.seat.confirm" if accept else "expert_pool.seat.decline", obj=seat,
                 payload={"request": request.pk, "expert": seat.expert_id, "note": seat.answer_note})
    if not accept:
        _declines_credit(seat=seat, request=request)
        _call_reserve(request=request, vacated=seat)
    _committee_state(request)
    return seat


def _committee_state(request: DrawRequest) -> None:
    """Drawn (being notified) until every wanted member has confirmed, then confirmed; back to drawn when a
    member leaves and a reserve is being called. An announced or cancelled draw keeps its state."""
    if request.state not in (DrawRequest.State.DRAWN, DrawRequest.State.CONFIRMED):
        return
    confirmed = Seat.objects.filter(request=request, role=Seat.Role.MEMBER, state=Seat.State.CONFIRMED).count()
    state = DrawRequest.State.CONFIRMED if confirmed >= request.expert_count else DrawRequest.State.DRAWN
    if state != request.state:
        request.state = state
        request.save(update_fields=["state"])
        audit_record(action="expert_pool.draw.state", obj=request, payload={"state": state,
                                                                            "confirmed": confirmed})


def _deal_code(request: DrawRequest) -> str:
    return request.section.project.deal_code if request.section_id else ""


def _declines_credit(*, seat: Seat, request: DrawRequest) -> None:
    """From the N-th decline or silence within M months (settings EXPERT_DECLINES_CREDIT), each one is a
    credit event "expert-declines" of the expert (docs/expert-pool.md, "Credit")."""
    from credit.services import credit_event_record

    threshold, months = conf.get("EXPERT_DECLINES_CREDIT")
    since = timezone.now() - dt.timedelta(days=round(365 * months / 12))
    count = Seat.objects.filter(expert=seat.expert, state__in=[Seat.State.DECLINED, Seat.State.EXPIRED],
                                notified_at__gte=since).count()
    if count < threshold:
        return
    credit_event_record(
        behaviour_code="expert-declines", person=seat.expert.user, deal_code=_deal_code(request),
        evidence=_("Declined or did not answer the call to committee %(request)d (%(reference)s): "
                   "%(count)d times in %(months)d months.") % {
            "request": request.pk, "reference": request.reference, "count": count, "months": months},
    )


def seats_expire_due() -> int:
    """Mark silent experts past their deadline as expired and call reserves; return how many."""
    due = list(Seat.objects.filter(state=Seat.State.NOTIFIED, respond_by__lt=timezone.now())
               .order_by("pk").values_list("pk", flat=True))
    for pk in due:
        seat_expire(seat=Seat.objects.get(pk=pk))
    return len(due)


@transaction.atomic
def seat_expire(*, seat: Seat) -> Seat:
    seat = Seat.objects.select_for_update(no_key=True).get(pk=seat.pk)
    if seat.state != Seat.State.NOTIFIED or seat.respond_by >= timezone.now():
        return seat
    request = _lock(seat.request)
    seat.state = Seat.State.EXPIRED
    seat.save(update_fields=["state"])
    audit_record(action="expert_pool.seat.expire", obj=seat, payload={"request": request.pk,
                                                                        "expert": seat.expert_id})
    _declines_credit(seat=seat, request=request)
    _call_reserve(request=request, vacated=seat)
    _committee_state(request)
    return seat


@transaction.atomic
def seat_withdraw(*, seat: Seat, reason: str, no_show: bool = False) -> Seat:
    """Take a member off the committee on legal grounds (回避) or because they did not appear (``no_show``,
    a credit event "expert-no-show"); their scores become void and the next reserve is called."""
    seat = Seat.objects.select_for_update(no_key=True).get(pk=seat.pk)
    request = _lock(seat.request)
    if not reason.strip():
        raise ValidationError({"reason": _("State the legal ground for replacing this member.")})
    if not seat.sitting:
        raise ValidationError(_("Only a sitting member can be replaced."))
    if no_show and seat.state != Seat.State.CONFIRMED:
        raise ValidationError(_("Only a member who confirmed can be recorded as absent."))
    seat.state = Seat.State.REPLACED
    seat.is_leader = False
    seat.answer_note = reason.strip()
    seat.save(update_fields=["state", "is_leader", "answer_note"])
    audit_record(action="expert_pool.seat.replace", obj=seat,
                 payload={"request": request.pk, "expert": seat.expert_id, "reason": reason, "no_show": no_show})
    if no_show:
        from credit.services import credit_event_record

        credit_event_record(
            behaviour_code="expert-no-show", person=seat.expert.user, deal_code=_deal_code(request),
            evidence=_("Confirmed the call to committee %(request)d (%(reference)s) and did not appear: %(reason)s")
            % {"request": request.pk, "reference": request.reference, "reason": reason.strip()},
        )
    _call_reserve(request=request, vacated=seat)
    _committee_state(request)
    return seat


@transaction.atomic
def draw_announce(*, request: DrawRequest) -> DrawRequest:
    """The result is announced: names become public and the seed is revealed."""
    request = _lock(request)
    if request.state not in (DrawRequest.State.DRAWN, DrawRequest.State.CONFIRMED):
        raise ValidationError(_("Only a drawn committee can be announced."))
    request.state = DrawRequest.State.ANNOUNCED
    request.announced_at = timezone.now()
    request.save(update_fields=["state", "announced_at"])
    audit_record(action="expert_pool.draw.announce", obj=request,
                 payload={"seed": request.seed, "commitment": request.commitment})
    return request
