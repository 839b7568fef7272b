from django.contrib import admin

from core.admin_site import ReadOnlyAdmin

from .models import AuditCheckpoint, AuditEvent


@admin.register(AuditEvent)
class AuditEventAdmin(ReadOnlyAdmin):
    """Read-only: the chain is never edited, not even by the back office."""

    list_display = [
        "seq", "created_at", "actor_label", "role", "ip_address", "source", "action", "object_type", "object_id",
    ]
    list_filter = ["action", "role", "source"]
    search_fields = ["action", "actor_label", "object_id"]
    ordering = ["-seq"]

    def has_view_permission(self, request, obj=None):
        return request.user.is_active and request.user.is_staff


@admin.register(AuditCheckpoint)
class AuditCheckpointAdmin(ReadOnlyAdmin):
    """Read-only: signed heads of the chain, as published."""

    list_display = ["seq", "hash", "signed_at", "key_fingerprint"]
    ordering = ["-seq"]

    def has_view_permission(self, request, obj=None):
        return request.user.is_active and request.user.is_staff
