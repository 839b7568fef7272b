from django.contrib import admin

from .models import AuditEvent


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    """Read-only: the chain is never edited, not even by the back office."""

    list_display = [
        "seq", "created_at", "actor_label", "role", "ip_address", "source", "action", "object_type", "object_id",
    ]
    list_filter = ["action", "role", "source"]
    search_fields = ["action", "actor_label", "object_id"]
    ordering = ["-seq"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def has_view_permission(self, request, obj=None):
        return request.user.is_active and request.user.is_staff
