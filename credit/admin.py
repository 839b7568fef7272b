from django.contrib import admin

from .models import BlacklistEntry


@admin.register(BlacklistEntry)
class BlacklistEntryAdmin(admin.ModelAdmin):
    list_display = ["organisation", "person", "reason", "legal_basis", "starts_on", "ends_on"]
    search_fields = ["organisation__name", "organisation__credit_code", "person__username"]
