"""The regulator's look at who takes part in a project before its bid deadline: the only way anyone sees it then.

Who registered, downloaded the tender documents or bid is secret from everyone until the deadline (DOMAIN.md
"Submission"). A regulator investigating may look, but only here, only after giving a reason, and every look is
recorded in the audit chain (``supervision.participation.view``) with that reason.
"""

from django.http import Http404
from django.shortcuts import get_object_or_404, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from accounts.permissions import permission_required
from audit.services import audit_record
from trading.models import Bid, DocumentDownload, Project, Registration, Status

REASON_MAX = 500


@permission_required("supervision.enforce")
@require_http_methods(["GET", "POST"])
def project_participation(request, pk: int):
    project = get_object_or_404(Project, pk=pk)
    if project.status == Status.DRAFT:
        raise Http404
    reason = (request.POST.get("reason") or "").strip() if request.method == "POST" else ""
    error = ""
    if request.method == "POST" and not reason:
        error = _("Give the reason for this look (the case or the complaint it serves): it is recorded.")
    elif len(reason) > REASON_MAX:
        error = _("Keep the reason within %(n)d characters.") % {"n": REASON_MAX}
    context = {"project": project, "reason": reason, "error": error, "shown": False}
    if request.method == "POST" and not error:
        registrations = list(Registration.objects.filter(section__project=project)
                             .select_related("organisation", "section").order_by("section__code", "registered_at"))
        downloads = list(DocumentDownload.objects.filter(document__project=project).exclude(organisation=None)
                         .select_related("organisation", "document").order_by("downloaded_at"))
        bids = list(Bid.objects.filter(section__project=project).select_related("organisation", "section")
                    .order_by("section__code", "submitted_at"))
        audit_record(action="supervision.participation.view", obj=project, payload={
            "deal_code": project.deal_code, "reason": reason, "registrations": len(registrations),
            "downloads": len(downloads), "bids": len(bids)})
        context.update({"shown": True, "registrations": registrations, "downloads": downloads, "bids": bids})
    return render(request, "supervision/participation.html", context)
