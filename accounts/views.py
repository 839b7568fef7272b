from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods
from drf_spectacular.utils import extend_schema
from rest_framework.decorators import api_view
from rest_framework.response import Response

from core.forms import form_add_service_errors

from . import services
from .desk import desk_for
from .forms import RegistrationForm
from .models import Organisation, Role
from .permissions import require
from .serializers import MeSerializer

ROLE_FOR_ORG_TYPE = {
    Organisation.Type.BIDDER: Role.BIDDER,
    Organisation.Type.AGENCY: Role.AGENCY,
    Organisation.Type.TENDERER: Role.TENDERER,
}


@login_required
def dashboard(request):
    return redirect("accounts:dashboard_role", role=request.user.role)


@login_required
def dashboard_role(request, role: str):
    if role not in Role.values:
        raise Http404
    require(request.user, f"dashboard.{role}")
    query = request.GET.get("q", "")
    return render(request, f"accounts/dashboard/{role}.html", {
        "role_label": Role(role).label, "query": query,
        "sections": desk_for(request.user, query=query, pages=request.GET)})


@require_http_methods(["GET", "POST"])
def register(request):
    form = RegistrationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            user = services.organisation_register(
                name=data["org_name"], credit_code_value=data["credit_code"], org_type=data["org_type"],
                region=data["region"], username=data["username"], password=data["password"],
                role=ROLE_FOR_ORG_TYPE[data["org_type"]], display_name=data["display_name"],
            )
        except ValidationError as exc:
            form_add_service_errors(form, exc, field_map=_FORM_FIELD)
        else:
            login(request, user, backend="django.contrib.auth.backends.ModelBackend")
            messages.success(request, _("Registered %(org)s. Welcome.") % {"org": user.organisation.name})
            return redirect("accounts:dashboard")
    return render(request, "accounts/register.html", {"form": form})


# Model field names mapped to the registration form's fields.
_FORM_FIELD = {"name": "org_name"}


@extend_schema(responses=MeSerializer)
@api_view(["GET"])
def me(request):
    """Who the caller is: the bidder tool and integrations start here."""
    return Response(MeSerializer(request.user).data)
