"""The back office reads the pool, the draws and the evaluations; changes go through the pool's pages (audited)."""

from django.contrib import admin

from core.admin_site import ReadOnlyAdmin

from .models import DrawRequest, Expert, ImportJob, Specialty


@admin.register(Specialty)
class SpecialtyAdmin(ReadOnlyAdmin):
    list_display = ["code", "name", "parent"]
    search_fields = ["code", "name"]


@admin.register(Expert)
class ExpertAdmin(ReadOnlyAdmin):
    list_display = ["user", "id_number", "primary_specialty", "title", "region", "status"]
    list_filter = ["status", "region", "title"]
    search_fields = ["user__username", "user__display_name", "id_number", "employer_name"]


@admin.register(DrawRequest)
class DrawRequestAdmin(ReadOnlyAdmin):
    list_display = ["title", "state", "evaluation_starts_at", "commitment"]
    exclude = ["seed"]


@admin.register(ImportJob)
class ImportJobAdmin(ReadOnlyAdmin):
    list_display = ["file_name", "state", "total", "processed", "created", "created_at"]
    exclude = ["content"]
