"""The expert-pool lists of 我的工作台 (accounts.desk): an expert's draws and evaluations, a host's draws to request."""

from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.desk import DeskItem, desk_register
from accounts.models import Role
from trading.models import Section, Status

from .models import DrawRequest, Evaluation, ScoreSheet, Seat


def expert_tasks(user):
    """Draws to answer, evaluations to score, reports to aggregate and sign (the leader)."""
    seats = (Seat.objects.filter(expert__user=user, state__in=[Seat.State.NOTIFIED, Seat.State.CONFIRMED])
             .exclude(request__state=DrawRequest.State.CANCELLED).select_related("request"))
    for seat in seats:
        request = seat.request
        if seat.state == Seat.State.NOTIFIED:
            yield DeskItem(request.title, reverse("expert_pool:seat_answer", args=[seat.token]),
                           _("Answer the draw notice"), seat.respond_by, request.place)
            continue
        evaluation = (Evaluation.objects.filter(draw_request=request).exclude(state=Evaluation.State.REPORTED)
                      .first())
        if evaluation is None:
            if not Evaluation.objects.filter(draw_request=request).exists():
                yield DeskItem(request.title, reverse("expert_pool:my_seats"), _("Evaluation starts"),
                               request.evaluation_starts_at, request.place)
            continue
        url = reverse("expert_pool:evaluation", args=[evaluation.pk])
        submitted = ScoreSheet.objects.filter(evaluation=evaluation, seat=seat, submitted_at__isnull=False).exists()
        if evaluation.state == Evaluation.State.SCORING and not submitted:
            yield DeskItem(request.title, url, _("Score the bids"), request.evaluation_ends_at)
        elif seat.is_leader and evaluation.state == Evaluation.State.SCORING:
            yield DeskItem(request.title, url, _("Aggregate the scores (leader)"), request.evaluation_ends_at)
        elif seat.is_leader and evaluation.state == Evaluation.State.AGGREGATED:
            yield DeskItem(request.title, url, _("Sign the evaluation report (leader)"), request.evaluation_ends_at)


def host_draws(user):
    """Sections past their opening that need a committee drawn, or whose drawn committee can start evaluating."""
    org_id = user.organisation_id
    if org_id is None:
        return
    sections = (Section.objects.filter(failed_at__isnull=True,
                                       project__status__in=[Status.OPENING, Status.EVALUATION])
                .filter(Q(project__agency_id=org_id) | Q(project__agency__isnull=True, project__tenderer_id=org_id))
                .select_related("project"))
    for section in sections:
        if Evaluation.objects.filter(section=section).exists():
            continue
        project = section.project
        detail = f"{project.deal_code} · {section.code} {section.name}"
        request = DrawRequest.objects.filter(section=section).exclude(state=DrawRequest.State.CANCELLED).first()
        url = reverse("expert_pool:section_draw", args=[section.pk])
        if request is None:
            yield DeskItem(project.title, url, _("Request the expert draw"), None, detail)
        elif request.state != DrawRequest.State.COMMITTED:
            yield DeskItem(project.title, url, _("Open the evaluation once the committee has confirmed"),
                           request.evaluation_starts_at, detail)


def register() -> None:
    desk_register([Role.EXPERT], key="expert", heading=gettext_lazy("Draws and evaluations"), provider=expert_tasks,
                  empty=gettext_lazy("No draw or evaluation is waiting for you."), order=10,
                  more=lambda user: reverse("expert_pool:my_seats"))
    desk_register([Role.AGENCY, Role.TENDERER], key="draws", heading=gettext_lazy("Expert draws to request"),
                  provider=host_draws, empty=gettext_lazy("No section is waiting for an expert draw."), order=25,
                  more=lambda user: reverse("expert_pool:draws"))
