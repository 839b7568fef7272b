from django.contrib import admin

from core.admin_site import ReadOnlyAdmin

from .models import BehaviourVersion, BlacklistEntry, CreditEvent, RedlistEntry


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
