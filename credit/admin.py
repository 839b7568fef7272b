from django.contrib import admin

from .models import BehaviourVersion, BlacklistEntry, CreditEvent, RedlistEntry


class ReadOnlyAdmin(admin.ModelAdmin):
    """The back office may look; every change goes through the services and the audit chain."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(BlacklistEntry)
class BlacklistEntryAdmin(ReadOnlyAdmin):
    list_display = ["organisation", "person", "reason", "legal_basis", "starts_on", "ends_on", "lifted_on"]
    search_fields = ["organisation__name", "organisation__credit_code", "person__username"]


@admin.register(RedlistEntry)
class RedlistEntryAdmin(ReadOnlyAdmin):
    list_display = ["organisation", "person", "reason", "starts_on", "ends_on"]


@admin.register(CreditEvent)
class CreditEventAdmin(ReadOnlyAdmin):
    list_display = ["organisation", "person", "behaviour_version", "points", "occurred_on", "status"]
    search_fields = ["organisation__name", "organisation__credit_code", "deal_code"]


@admin.register(BehaviourVersion)
class BehaviourVersionAdmin(ReadOnlyAdmin):
    list_display = ["behaviour", "version", "title", "points", "effect", "months", "legal_basis", "active"]
