"""Small public lookups that pages' pickers ask for."""

from django.http import Http404, HttpResponse, JsonResponse
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_GET

from .regions import region_children, region_get


@require_GET
@cache_control(max_age=86400, public=True)
def region_children_json(request):
    """The divisions one level below ``?parent=`` (the provinces without it), for the region picker."""
    parent = request.GET.get("parent", "")
    if parent and region_get(parent) is None:
        raise Http404
    return JsonResponse({"parent": parent,
                         "regions": [{"code": r.code, "name": r.name} for r in region_children(parent)]})


@require_GET
@cache_control(max_age=3600, public=True)
def platform_ca_pem(request):
    """The platform CA's certificate (PEM): trust it in a PDF reader to see the platform's signatures as valid."""
    from .pdf_signing import platform_ca_pem as chain

    response = HttpResponse(chain(), content_type="application/x-pem-file")
    response["Content-Disposition"] = 'attachment; filename="platform-ca.pem"'
    return response
