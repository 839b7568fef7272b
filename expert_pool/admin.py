from django.contrib import admin

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
class DrawRequestAdmin(admin.ModelAdmin):
    """Read-only: draws change only through their services, so every step is audited."""

    list_display = ["title", "state", "evaluation_starts_at", "commitment"]
    exclude = ["seed"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(ImportJob)
class ImportJobAdmin(admin.ModelAdmin):
    list_display = ["file_name", "state", "total", "processed", "created", "created_at"]
    exclude = ["content"]
