"""The portal's page of audit checkpoints: the chain's signed heads, for anyone to keep and check against."""

from django.core.paginator import Paginator
from django.shortcuts import render

from .checkpoints import checkpoints_recent

PER_PAGE = 50


def checkpoints_page(request):
    from core.platform_key import platform_key

    paginator = Paginator(checkpoints_recent(), PER_PAGE)
    page = paginator.get_page(request.GET.get("page"))
    key = platform_key().public_key
    return render(request, "audit/checkpoints.html", {"page": page, "fingerprint": key.fingerprint})
