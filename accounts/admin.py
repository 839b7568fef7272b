"""The back office's two editable lists — people and organisations — each save goes through an audited service.

Everything else in the back office is read-only (core.admin_site.ReadOnlyAdmin). Nothing is deleted here: people
and organisations stay on the record of every trade they took part in; an account is closed by unticking
"active". Django's groups and per-user permissions are not used (the role decides), and API tokens are not shown
(a token is a log-in: whoever read one could act as its owner), so neither is in the back office.
"""

from axes.models import AccessAttempt
from django.contrib import admin
from django.contrib.auth.admin import UserAdmin
from django.contrib.auth.forms import AdminPasswordChangeForm, BaseUserCreationForm
from django.contrib.auth.models import Group
from django.utils.translation import gettext_lazy as _
from rest_framework.authtoken.models import TokenProxy

from core.admin_site import ReadOnlyAdmin

from .models import Organisation, User
from .services import (
    ORGANISATION_FIELDS,
    USER_FIELDS,
    login_unlock,
    organisation_create,
    organisation_update,
    user_create,
    user_password_set,
    user_update,
)

admin.site.unregister(Group)
admin.site.unregister(TokenProxy)


def _adopt(obj, saved) -> None:
    """Make the admin's in-memory ``obj`` the row the service saved (the admin logs and redirects with it)."""
    obj.__dict__.update(saved.__dict__)


@admin.register(Organisation)
class OrganisationAdmin(admin.ModelAdmin):
    list_display = ["name", "credit_code", "org_type", "region", "created_at"]
    list_filter = ["org_type"]
    search_fields = ["name", "credit_code"]

    def get_readonly_fields(self, request, obj=None):
        return ["credit_code"] if obj is not None else []

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        if change:
            saved = organisation_update(organisation=obj, **{name: form.cleaned_data[name] for name in form.changed_data
                                                             if name in ORGANISATION_FIELDS})
        else:
            saved = organisation_create(name=obj.name, credit_code_value=obj.credit_code, org_type=obj.org_type,
                                        region=obj.region)
        _adopt(obj, saved)


class PersonCreationForm(BaseUserCreationForm):
    class Meta:
        model = User
        fields = ["username", "role", "organisation", "display_name"]


class AuditedPasswordChangeForm(AdminPasswordChangeForm):
    def save(self, commit=True):
        usable = self.cleaned_data.get("set_usable_password", True)
        return user_password_set(user=self.user, password=self.cleaned_data["password1"] if usable else None)


@admin.register(User)
class PersonAdmin(UserAdmin):
    list_display = ["username", "display_name", "role", "organisation", "is_active"]
    list_filter = ["role", "is_active"]
    fieldsets = [
        (None, {"fields": ["username", "password"]}),
        (_("Person"), {"fields": ["display_name", "first_name", "last_name", "email", "phone"]}),
        (_("Platform"), {"fields": ["role", "organisation", "is_active"]}),
        (_("Dates"), {"fields": ["last_login", "date_joined"]}),
    ]
    add_fieldsets = [(None, {"classes": ["wide"], "fields": ["username", "role", "organisation", "display_name",
                                                            "password1", "password2"]})]
    readonly_fields = ["username", "last_login", "date_joined"]
    add_form = PersonCreationForm
    change_password_form = AuditedPasswordChangeForm
    filter_horizontal = []

    def get_readonly_fields(self, request, obj=None):
        return self.readonly_fields if obj is not None else []

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        if change:
            saved = user_update(user=obj, **{name: form.cleaned_data[name] for name in form.changed_data
                                             if name in USER_FIELDS})
        else:
            data = form.cleaned_data
            saved = user_create(username=data["username"], password=data["password1"], role=data["role"],
                                organisation=data.get("organisation"), display_name=data.get("display_name", ""))
        _adopt(obj, saved)

    def save_related(self, request, form, formsets, change):
        """People have no groups or per-user permissions to save (the role decides)."""


@admin.register(AccessAttempt)
class LoginLockoutAdmin(ReadOnlyAdmin):
    """Failed log-ins per user name and address (django-axes); "Unlock" lifts a lock-out, audited."""

    list_display = ["username", "ip_address", "failures_since_start", "attempt_time", "path_info"]
    search_fields = ["username", "ip_address"]
    actions = ["unlock"]

    @admin.action(description=_("Unlock the selected log-ins"))
    def unlock(self, request, queryset):
        for attempt in queryset:
            login_unlock(username=attempt.username, ip_address=attempt.ip_address)
        self.message_user(request, _("Unlocked: they may log in again at once."))
