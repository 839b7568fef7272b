from django.contrib import admin
from django.db.models import Q
from django.utils import timezone

from core.admin_site import ReadOnlyAdmin

from .models import AuditCheckpoint, AuditEvent
from .services import SEALED_UNTIL


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

    def get_queryset(self, request):
        """Events that tell who takes part in a procedure stay out until its deadline (``sealed_until``)."""
        now = int(timezone.now().timestamp())
        sealed = Q(payload__has_key=SEALED_UNTIL) & Q(**{f"payload__{SEALED_UNTIL}__gt": now})
        return super().get_queryset(request).exclude(sealed)


@admin.register(AuditCheckpoint)
class AuditCheckpointAdmin(ReadOnlyAdmin):
    """Read-only: signed heads of the chain, as published."""

    list_display = ["seq", "hash", "signed_at", "key_fingerprint"]
    ordering = ["-seq"]

    def has_view_permission(self, request, obj=None):
        return request.user.is_active and request.user.is_staff
