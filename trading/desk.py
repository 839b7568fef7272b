"""The trading lists of 我的工作台 (accounts.desk): a bidder's next steps, a tenderer's or agency's projects."""

import datetime as dt

from django.db.models import Count, Exists, OuterRef
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.desk import DeskItem, desk_register
from accounts.models import Role

from .models import Bid, Custodian, DocumentDownload, Project, Registration, Section, Status


def _detail(project: Project, section: Section | None = None) -> str:
    parts = [project.deal_code or _("draft")]
    if section is not None and project.sections.count() > 1:
        parts.append(_("section %(code)s %(name)s") % {"code": section.code, "name": section.name})
    return " · ".join(parts)


def bidder_bids(user):
    """Sections the bidder registered for that still take bids: sign, download, seal, or replace before the
    deadline."""
    org = user.organisation
    if org is None:
        return
    now = timezone.now()
    registrations = (Registration.objects.filter(organisation=org, section__project__status=Status.PUBLISHED,
                                                 section__project__bid_deadline__gt=now)
                     .select_related("section__project")
                     .annotate(downloaded=Exists(DocumentDownload.objects.filter(
                         organisation=org, document__project=OuterRef("section__project"))),
                         has_documents=Exists(Section.objects.filter(pk=OuterRef("section"),
                                                                     project__documents__isnull=False))))
    live = {b.section_id: b for b in Bid.objects.filter(organisation=org, state=Bid.State.SUBMITTED,
                                                        section__project__status=Status.PUBLISHED)}
    for registration in registrations:
        section, project = registration.section, registration.section.project
        url, deadline = project.get_absolute_url(), project.bid_deadline
        if registration.commitment_signed_at is None:
            action, anchor = _("Sign the credit commitment"), "#participate"
        elif registration.has_documents and not registration.downloaded:
            action, anchor = _("Download the tender documents"), "#documents"
            deadline = min(project.documents_end or deadline, deadline)
        elif section.pk not in live:
            action, anchor = _("Seal and upload your bid"), "#participate"
        else:
            action, anchor = _("Replace or withdraw your bid (optional)"), "#participate"
        yield DeskItem(project.title, url + anchor, action, deadline, _detail(project, section))


def bidder_receipts(user):
    """The receipts (回执) of the bidder's bids still in play."""
    if user.organisation is None:
        return
    bids = (Bid.objects.filter(organisation=user.organisation, state__in=[Bid.State.SUBMITTED, Bid.State.OPENED])
            .exclude(section__project__status__in=[Status.ARCHIVED, Status.CANCELLED])
            .select_related("section__project").order_by("-submitted_at"))
    for bid in bids:
        project = bid.section.project
        received = timezone.localtime(bid.submitted_at).strftime("%Y-%m-%d %H:%M")
        yield DeskItem(project.title, reverse("trading:receipt", args=[bid.pk]), _("See the receipt"), None,
                       _("%(deal)s · received %(at)s · %(state)s") % {
                           "deal": project.deal_code, "at": received, "state": bid.get_state_display()})


def _own_projects(user):
    if user.organisation_id is None:
        return Project.objects.none()
    return Project.objects.filter(tenderer_id=user.organisation_id) | Project.objects.filter(
        agency_id=user.organisation_id)


def owner_drafts(user):
    for project in _own_projects(user).filter(status=Status.DRAFT).order_by("-created_at"):
        yield DeskItem(project.title, project.get_absolute_url(), _("Complete and publish"), project.bid_deadline,
                       _("created %(at)s") % {"at": timezone.localtime(project.created_at).strftime("%Y-%m-%d")})


# What the tenderer or agency does next in each state, when it is theirs to do.
NEXT_STEP = {
    Status.EVALUATION: gettext_lazy("Publicise the candidates"),
    Status.READY_TO_AWARD: gettext_lazy("Record the award"),
    Status.AWARDED: gettext_lazy("Record the contract"),
}


def owner_next_steps(user):
    """Projects waiting for their tenderer or agency: publicity, award, contract (objections come separately)."""
    projects = (_own_projects(user).filter(status__in=list(NEXT_STEP)).order_by("bid_deadline")
                .annotate(waiting=Exists(Section.objects.filter(project=OuterRef("pk"), failed_at__isnull=True,
                                                                candidates__isnull=True))))
    for project in projects:
        deadline = project.publicity_ends_at if project.status == Status.READY_TO_AWARD else None
        # In evaluation the candidates come from the committee's signed report (or are entered by hand): until every
        # live section has them there is nothing to publicise yet.
        action = (_("Enter the candidates, or wait for the committee's report")
                  if project.status == Status.EVALUATION and project.waiting else NEXT_STEP[project.status])
        yield DeskItem(project.title, project.get_absolute_url() + "#next-steps", action,
                       deadline, f"{project.deal_code} · {project.get_status_display()}")


def owner_projects_by_state(user):
    counts = _own_projects(user).values("status").annotate(n=Count("pk")).order_by()
    by_status = {row["status"]: row["n"] for row in counts}
    desk = reverse("trading:desk")
    for status in Status:
        if by_status.get(status):
            yield DeskItem(str(status.label), f"{desk}?status={status.value}", count=by_status[status])


def suspended_projects(user):
    """Projects a regulator suspended, waiting to be lifted."""
    for project in Project.objects.filter(status=Status.SUSPENDED).order_by("updated_at"):
        yield DeskItem(project.title, project.get_absolute_url() + "#next-steps", _("Review the suspension"), None,
                       f"{project.deal_code} · {Status(project.suspended_from).label}")


def timed_work_behind(user):
    """Projects still taking bids five minutes after their deadline: the scheduler or the queue is behind."""
    late = timezone.now() - dt.timedelta(minutes=5)
    late_projects = Project.objects.filter(status=Status.PUBLISHED, bid_deadline__lte=late).order_by("bid_deadline")
    for project in late_projects[:50]:
        yield DeskItem(project.title, project.get_absolute_url(), _("Check the scheduler"), project.bid_deadline,
                       project.deal_code)


def custodian_tasks(user):
    """The opening keys this person holds a share of (开标密钥保管): prove the key before the bid deadline, and hand
    the share in when a bid waits for the custodians' backup decryption (EB 31)."""
    held = Custodian.objects.filter(user=user).exclude(share=None).select_related("project")
    unproven = held.filter(key_proven_at__isnull=True, project__status=Status.PUBLISHED,
                           project__bid_deadline__gt=timezone.now()).order_by("project__bid_deadline")
    for custodian in unproven:
        project = custodian.project
        yield DeskItem(project.title, project.get_absolute_url() + "#custody", _("Check the key of your share"),
                       project.bid_deadline, project.deal_code)
    failed = Bid.objects.filter(section__project=OuterRef("project"), state=Bid.State.SUBMITTED,
                                decrypt_bidder_fault=False)
    waiting = held.filter(submitted_at__isnull=True, project__allow_backup_decryption=True,
                          project__status__in=[Status.DEADLINE_PASSED, Status.OPENING]).filter(Exists(failed))
    for custodian in waiting.order_by("project__bid_deadline"):
        project = custodian.project
        yield DeskItem(project.title, project.get_absolute_url() + "#custody",
                       _("Hand in your share: a bid waits for the custodians' backup decryption"), None,
                       project.deal_code)


def register() -> None:
    desk_register([Role.TENDERER, Role.AGENCY, Role.REGULATOR, Role.ADMIN], key="custody",
                  heading=gettext_lazy("Opening-key shares I hold"), provider=custodian_tasks,
                  empty=gettext_lazy("No share of an opening key needs you now."), order=35)
    desk_register([Role.ADMIN], key="behind", heading=gettext_lazy("Timed work behind schedule"),
                  provider=timed_work_behind, empty=gettext_lazy("Every deadline step was taken on time."),
                  order=20)
    desk_register([Role.REGULATOR], key="suspended", heading=gettext_lazy("Suspended projects"),
                  provider=suspended_projects, empty=gettext_lazy("No project is suspended."), order=30)
    desk_register([Role.BIDDER], key="bids", heading=gettext_lazy("Bids to prepare"), provider=bidder_bids,
                  empty=gettext_lazy("No registered project is taking bids. Find one under Announcements."),
                  order=10)
    desk_register([Role.BIDDER], key="receipts", heading=gettext_lazy("My receipts"), provider=bidder_receipts,
                  empty=gettext_lazy("No bid receipts yet."), order=40, sort=False,
                  more=lambda user: reverse("trading:desk"))
    owners = [Role.TENDERER, Role.AGENCY]
    desk_register(owners, key="drafts", heading=gettext_lazy("Drafts to complete"), provider=owner_drafts,
                  empty=gettext_lazy("No drafts."), order=10)
    desk_register(owners, key="next", heading=gettext_lazy("Projects waiting for you"), provider=owner_next_steps,
                  empty=gettext_lazy("No project is waiting for a step of yours."), order=30)
    desk_register(owners, key="states", heading=gettext_lazy("My projects by state"),
                  provider=owner_projects_by_state, empty=gettext_lazy("No projects yet."), order=90, sort=False,
                  more=lambda user: reverse("trading:desk"))
