from django.contrib import admin

from core.admin_site import ReadOnlyAdmin

from .models import DrawRequest, Expert, ImportJob, Specialty


@admin.register(Specialty)
class SpecialtyAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "parent"]
    search_fields = ["code", "name"]


@admin.register(Expert)
class ExpertAdmin(admin.ModelAdmin):
    list_display = ["user", "id_number", "primary_specialty", "title", "region", "status"]
    list_filter = ["status", "region", "title"]
    search_fields = ["user__username", "user__display_name", "id_number", "employer_name"]
    readonly_fields = ["user", "status"]


@admin.register(DrawRequest)
class DrawRequestAdmin(ReadOnlyAdmin):
    """Read-only: draws change only through their services, so every step is audited."""

    list_display = ["title", "state", "evaluation_starts_at", "commitment"]
    exclude = ["seed"]


@admin.register(ImportJob)
class ImportJobAdmin(admin.ModelAdmin):
    list_display = ["file_name", "state", "total", "processed", "created", "created_at"]
    exclude = ["content"]
