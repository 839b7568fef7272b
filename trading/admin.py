from django.contrib import admin

from .models import Announcement, Award, Bid, Contract, Project, ProjectTransition, Registration, Section


class SectionInline(admin.TabularInline):
    model = Section
    extra = 0


@admin.register(Project)
class ProjectAdmin(admin.ModelAdmin):
    """Read-mostly: projects change only through the services (the lifecycle is not an admin form)."""

    list_display = ["deal_code", "title", "category", "status", "bid_deadline"]
    list_filter = ["category", "status"]
    search_fields = ["deal_code", "title"]
    inlines = [SectionInline]

    def has_change_permission(self, request, obj=None):
        return False


for model in (Announcement, Award, Bid, Contract, ProjectTransition, Registration):
    admin.site.register(model, admin.ModelAdmin)
