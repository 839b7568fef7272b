"""The open-data page of the portal: what is published, under which licence, and where to get it."""

from django.conf import settings
from django.shortcuts import render

from .ocds import CATEGORY_DETAILS, EXTENSIONS, METHOD_DETAILS, PROCUREMENT_METHOD
from .selectors import latest_ocid, months, publication_summary


def opendata_index(request):
    latest = months()
    return render(request, "opendata/index.html", {
        "summary": publication_summary(), "months": latest, "prefix": settings.OPENDATA_OCID_PREFIX,
        "publisher": settings.OPENDATA_PUBLISHER, "license": settings.OPENDATA_LICENSE,
        "policy": settings.OPENDATA_PUBLICATION_POLICY, "extensions": EXTENSIONS,
        "methods": [(METHOD_DETAILS[key], PROCUREMENT_METHOD[key]) for key in PROCUREMENT_METHOD],
        "categories": list(CATEGORY_DETAILS.values()),
        "example": latest_ocid()})
