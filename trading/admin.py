"""The back office reads the trade record and changes none of it: every change goes through a service (audited).

Who registered, downloaded the documents or bid is secret until the bid deadline (EB 23/24): those rows of a
project whose deadline has not passed are left out of the back office as they are out of every other screen.
"""

from django.contrib import admin

from core.admin_site import ReadOnlyAdmin

from .models import Announcement, Award, Bid, Contract, Project, ProjectTransition, Registration, Section
from .selectors import sealed_projects


class SectionInline(admin.TabularInline):
    model = Section
    extra = 0

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Project)
class ProjectAdmin(ReadOnlyAdmin):
    """Projects change only through the services (the lifecycle is not an admin form)."""

    list_display = ["deal_code", "title", "category", "status", "bid_deadline"]
    list_filter = ["category", "status"]
    search_fields = ["deal_code", "title"]
    inlines = [SectionInline]


class SealedUntilDeadlineAdmin(ReadOnlyAdmin):
    """Rows that name a bidder of a project, shown only once the project's bid deadline has passed."""

    project_path = "section__project"

    def get_queryset(self, request):
        return super().get_queryset(request).exclude(**{f"{self.project_path}__in": sealed_projects()})


@admin.register(Bid)
class BidAdmin(SealedUntilDeadlineAdmin):
    list_display = ["section", "organisation", "state", "size", "submitted_at"]
    exclude = ["released_key"]


@admin.register(Registration)
class RegistrationAdmin(SealedUntilDeadlineAdmin):
    list_display = ["section", "organisation", "registered_at", "commitment_signed_at"]


for model in (Announcement, Award, Contract, ProjectTransition):
    admin.site.register(model, ReadOnlyAdmin)
