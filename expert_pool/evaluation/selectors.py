"""Reads of the evaluation room: who sits, who leads, and who may see which scores.

Secrecy of scores (评分保密): a member sees his own sheet, and the others' only once
his own is submitted; the host (agency/tenderer) sees progress (who submitted, how many
checks are open) but no score until the report; regulators see everything at any time;
bidders see nothing but their own abnormally-low-price check.
"""

from accounts.models import Role
from trading.selectors import is_party

from ..models import Evaluation, LowPriceCheck, ScoreSheet, Seat


def sitting_seats(*, evaluation: Evaluation):
    """The members who sit now (confirmed or called and waiting), in draw order."""
    return (Seat.objects.filter(request_id=evaluation.draw_request_id, role=Seat.Role.MEMBER,
                                state__in=[Seat.State.CONFIRMED, Seat.State.NOTIFIED])
            .select_related("expert__user").order_by("group", "position"))


def member_seat(*, user, evaluation: Evaluation) -> Seat | None:
    """The confirmed member seat of ``user`` on this committee, if any. A replaced member has none."""
    if not user.is_authenticated or user.role != Role.EXPERT:
        return None
    return Seat.objects.filter(request_id=evaluation.draw_request_id, role=Seat.Role.MEMBER,
                               state=Seat.State.CONFIRMED, expert__user=user).first()


def leader_seat(*, evaluation: Evaluation) -> Seat | None:
    """The committee leader (评标委员会负责人): the seat marked leader if it still sits confirmed, else the
    member who confirmed first (answer time, then draw order). docs/expert-pool.md, "The leader"."""
    confirmed = Seat.objects.filter(request_id=evaluation.draw_request_id, role=Seat.Role.MEMBER,
                                    state=Seat.State.CONFIRMED)
    return (confirmed.filter(is_leader=True).first()
            or confirmed.order_by("responded_at", "group", "position", "pk").first())


def is_leader(*, user, evaluation: Evaluation) -> bool:
    seat = member_seat(user=user, evaluation=evaluation)
    leader = leader_seat(evaluation=evaluation)
    return seat is not None and leader is not None and seat.pk == leader.pk


def is_host(*, user, evaluation: Evaluation) -> bool:
    return user.is_authenticated and is_party(user=user, project=evaluation.section.project)


def can_watch(*, user, evaluation: Evaluation) -> bool:
    """Who may open the room: members, regulators, the host (progress only)."""
    if not user.is_authenticated:
        return False
    return (user.role == Role.REGULATOR or member_seat(user=user, evaluation=evaluation) is not None
            or is_host(user=user, evaluation=evaluation))


def member_labels(*, evaluation: Evaluation) -> dict[int, str]:
    """Seat id -> "Member 1", "Member 2"... over every member seat that ever sat, in draw order."""
    seats = Seat.objects.filter(request_id=evaluation.draw_request_id, role=Seat.Role.MEMBER).exclude(
        state__in=[Seat.State.DECLINED, Seat.State.EXPIRED, Seat.State.REFUSED]).order_by("group", "position", "pk")
    return {seat.pk: f"M{index}" for index, seat in enumerate(seats, start=1)}


def sheets_visible(*, user, evaluation: Evaluation) -> list[ScoreSheet]:
    """The score sheets ``user`` may read now (see the module docstring)."""
    sheets = ScoreSheet.objects.filter(evaluation=evaluation).select_related("seat__expert__user").order_by("seat")
    if not user.is_authenticated:
        return []
    if user.role == Role.REGULATOR:
        return list(sheets)
    own = member_seat(user=user, evaluation=evaluation)
    if evaluation.state == Evaluation.State.REPORTED and (own is not None or is_host(user=user, evaluation=evaluation)):
        return list(sheets)
    if own is None:
        return []
    mine = sheets.filter(seat=own).first()
    if mine is None or mine.submitted_at is None:
        return [mine] if mine else []
    return list(sheets)


def progress(*, evaluation: Evaluation) -> dict:
    """What the host may see while the committee works: no score, only who has submitted."""
    labels = member_labels(evaluation=evaluation)
    submitted = set(ScoreSheet.objects.filter(evaluation=evaluation, submitted_at__isnull=False)
                    .values_list("seat_id", flat=True))
    seats = list(sitting_seats(evaluation=evaluation))
    return {
        "members": [{"seat": s.pk, "label": labels.get(s.pk, "?"), "state": s.get_state_display(),
                     "submitted": s.pk in submitted} for s in seats],
        "sitting": len(seats),
        "submitted": sum(1 for s in seats if s.pk in submitted),
        "checks_open": LowPriceCheck.objects.filter(evaluation=evaluation,
                                                    decision=LowPriceCheck.Decision.PENDING).count(),
        "state": evaluation.state,
        "state_label": evaluation.get_state_display(),
    }


def checks_of_bidder(*, user):
    """The abnormally-low-price checks of the bidder's organisation."""
    if not user.is_authenticated or user.role != Role.BIDDER or user.organisation_id is None:
        return LowPriceCheck.objects.none()
    return (LowPriceCheck.objects.filter(bid__organisation_id=user.organisation_id)
            .select_related("evaluation__section__project", "bid"))


def may_read_documents(*, user, evaluation: Evaluation) -> bool:
    """Committee members read the opened bids' documents; regulators watch everything. The host does not."""
    return member_seat(user=user, evaluation=evaluation) is not None or user.role == "regulator"


def bid_documents(*, evaluation: Evaluation, bid_id: int) -> list[dict]:
    """The documents decrypted from one opened bid of this evaluation (name, size, path), by name."""
    from trading.models import Bid
    from trading.services.opening import opened_path

    if bid_id not in {row["bid"] for row in evaluation.bids}:
        return []
    folder = opened_path(bid=Bid(pk=bid_id)) / "documents"
    if not folder.is_dir():
        return []
    return [{"name": p.name, "size": p.stat().st_size, "path": p} for p in sorted(folder.iterdir()) if p.is_file()]
