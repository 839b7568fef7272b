"""The supervision lists of 我的工作台 (accounts.desk): objections to answer, complaints by deadline, answers."""

from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.desk import DeskItem, desk_register
from accounts.models import Role

from .models import Complaint, Objection


def _detail(item) -> str:
    kind = item.get_kind_display() if hasattr(item, "kind") else item.get_track_display()
    return f"{item.deal_code} · {kind}"


def objections_to_answer(user):
    """Objections and challenges on the person's projects still waiting for the answer (TL 22/44/54, 94)."""
    org_id = user.organisation_id
    if org_id is None:
        return
    waiting = (Objection.objects.filter(state=Objection.State.OPEN)
               .filter(Q(project__tenderer_id=org_id) | Q(project__agency_id=org_id)).select_related("project"))
    for objection in waiting:
        yield DeskItem(objection.project.title, reverse("supervision:objection", args=[objection.pk]),
                       _("Answer the objection"), objection.reply_due, _detail(objection))


def bidder_filings(user):
    """The bidder's own objections and complaints: answers and decisions to read, or when they are due."""
    org_id = user.organisation_id
    if org_id is None:
        return
    for objection in Objection.objects.filter(organisation_id=org_id).select_related("project"):
        url = reverse("supervision:objection", args=[objection.pk])
        if objection.state == Objection.State.ANSWERED:
            yield DeskItem(objection.project.title, url, _("Read the answer"), None, _detail(objection))
        else:
            yield DeskItem(objection.project.title, url, _("Answer due"), objection.reply_due, _detail(objection))
    for complaint in Complaint.objects.filter(organisation_id=org_id).select_related("project", "purchase"):
        url = reverse("supervision:complaint", args=[complaint.pk])
        if complaint.state in Complaint.OPEN_STATES:
            due = complaint.decision_due or complaint.acceptance_due
            yield DeskItem(complaint.title, url, complaint.get_state_display(), due, _detail(complaint))
        else:
            yield DeskItem(complaint.title, url, _("Read the decision"), None, _detail(complaint))


def complaints_by_deadline(user):
    """Open complaints: acceptance to decide within 3 working days, then the decision (TL 61, 94)."""
    for complaint in Complaint.objects.filter(state__in=Complaint.OPEN_STATES).select_related("project", "purchase"):
        url = reverse("supervision:complaint", args=[complaint.pk])
        if complaint.state == Complaint.State.RECEIVED:
            yield DeskItem(complaint.title, url, _("Decide on acceptance"), complaint.acceptance_due,
                           _detail(complaint))
        elif complaint.state == Complaint.State.ACCEPTED:
            yield DeskItem(complaint.title, url, _("Decide the complaint"), complaint.decision_due,
                           _detail(complaint))
        else:
            yield DeskItem(complaint.title, url, _("Resume when the testing or review ends"), None,
                           _detail(complaint))


def overdue_alerts(user):
    """Objections and complaints past a legal deadline (flagged by the complaints sweep)."""
    for objection in Objection.objects.exclude(overdue_since=None).filter(state=Objection.State.OPEN) \
            .select_related("project"):
        yield DeskItem(objection.project.title, reverse("supervision:objection", args=[objection.pk]),
                       _("Objection not answered in time"), objection.reply_due, _detail(objection))
    for complaint in Complaint.objects.exclude(overdue_since=None).filter(state__in=Complaint.OPEN_STATES) \
            .select_related("project", "purchase"):
        yield DeskItem(complaint.title, reverse("supervision:complaint", args=[complaint.pk]),
                       _("Complaint past its deadline"), complaint.decision_due or complaint.acceptance_due,
                       _detail(complaint))


def register() -> None:
    desk_register([Role.AGENCY, Role.TENDERER], key="objections", heading=gettext_lazy("Objections to answer"),
                  provider=objections_to_answer, empty=gettext_lazy("No objection is waiting for your answer."),
                  order=15, more=lambda user: reverse("supervision:complaints_desk"))
    desk_register([Role.BIDDER], key="filings", heading=gettext_lazy("My objections and complaints"),
                  provider=bidder_filings, empty=gettext_lazy("You have filed no objection or complaint."),
                  order=30, more=lambda user: reverse("supervision:complaints_desk"))
    desk_register([Role.REGULATOR], key="complaints", heading=gettext_lazy("Complaints by deadline"),
                  provider=complaints_by_deadline, empty=gettext_lazy("No open complaint."), order=20,
                  more=lambda user: reverse("supervision:complaints_desk"))
    desk_register([Role.REGULATOR], key="alerts", heading=gettext_lazy("Alerts"), provider=overdue_alerts,
                  empty=gettext_lazy("No alerts."), order=5)
