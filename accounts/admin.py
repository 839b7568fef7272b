from axes.models import AccessAttempt
from django.contrib import admin
from django.contrib.auth.admin import UserAdmin
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core.admin_site import ReadOnlyAdmin

from . import services
from .models import Organisation, User


@admin.register(Organisation)
class OrganisationAdmin(admin.ModelAdmin):
    list_display = ["name", "credit_code", "org_type", "region", "created_at"]
    list_filter = ["org_type"]
    search_fields = ["name", "credit_code"]


@admin.register(User)
class PersonAdmin(UserAdmin):
    list_display = ["username", "display_name", "role", "organisation", "is_active"]
    list_filter = ["role", "is_active"]
    fieldsets = [
        *UserAdmin.fieldsets,
        ("Platform", {"fields": ["role", "organisation", "display_name", "phone"]}),
    ]


@admin.register(AccessAttempt)
class LoginLockoutAdmin(ReadOnlyAdmin):
    """Failed log-ins per user name and address (django-axes); "Unlock" lifts a lock-out, audited."""

    list_display = ["username", "ip_address", "failures_since_start", "attempt_time", "path_info"]
    search_fields = ["username", "ip_address"]
    actions = ["unlock"]

    @admin.action(description=gettext_lazy("Unlock the selected log-ins"))
    def unlock(self, request, queryset):
        for attempt in queryset:
            services.login_unlock(username=attempt.username, ip_address=attempt.ip_address)
        self.message_user(request, _("Unlocked: they may log in again at once."))
