"""The admin's desk: the health of the audit chain, the task queue and the disk (accounts.desk lists)."""

from django.conf import settings
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from audit.models import AuditEvent, AuditHead
from core.health import disk_usage, queue_length

from .desk import DeskItem, desk_register
from .models import Role


def _gib(n: int) -> str:
    return f"{n / 2**30:,.1f} GiB"


def platform_health(user):
    head = AuditHead.objects.first()
    last = AuditEvent.objects.order_by("-seq").only("created_at", "seq").first()
    audit_url = reverse("admin:audit_auditevent_changelist")
    if head is None or last is None:
        yield DeskItem(_("Audit chain"), audit_url, _("Open"), None, _("empty"))
    else:
        yield DeskItem(_("Audit chain"), audit_url, _("Open"), None, _(
            "%(n)s events · last at %(at)s · head %(hash)s…") % {
            "n": f"{head.seq:,}", "at": timezone.localtime(last.created_at).strftime("%Y-%m-%d %H:%M:%S"),
            "hash": head.hash[:12]})
    waiting = queue_length()
    if waiting is None:
        queue = _("tasks run inside the web process; the embedded scheduler fires deadlines")
    elif waiting < 0:
        queue = _("the queue (Redis) does not answer")
    else:
        queue = _("%(n)s tasks waiting in the queue") % {"n": f"{waiting:,}"}
    yield DeskItem(_("Scheduler and queue"), reverse("admin:index"), _("Open"), None, queue)
    disk = disk_usage()
    note = _("%(free)s free of %(total)s (%(share)s)") % {
        "free": _gib(disk.free_bytes), "total": _gib(disk.total_bytes), "share": f"{disk.free_share:.0%}"}
    if disk.free_share < settings.HEALTH_DISK_FREE_WARNING:
        note = _("Low on space: %(note)s") % {"note": note}
    yield DeskItem(_("Disk"), reverse("admin:index"), _("Open"), None, note)


def register() -> None:
    desk_register([Role.ADMIN], key="health", heading=gettext_lazy("Platform health"), provider=platform_health,
                  empty=gettext_lazy("No figures."), order=10, sort=False)
