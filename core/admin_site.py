"""The back office: only platform admins; everyone else signed in gets a 403 that says why."""

from functools import update_wrapper

from django.contrib import admin
from django.contrib.admin.apps import AdminConfig
from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy


class SunshineAdminSite(admin.AdminSite):
    site_header = gettext_lazy("Sunshine Trading Platform · back office")
    site_title = gettext_lazy("Back office")

    def _refuse_signed_in_outsiders(self, request):
        if request.user.is_authenticated and not self.has_permission(request):
            raise PermissionDenied(_("The back office is for platform admins only. Use your desk instead."))

    def admin_view(self, view, cacheable=False):
        wrapped = super().admin_view(view, cacheable)

        def inner(request, *args, **kwargs):
            self._refuse_signed_in_outsiders(request)
            return wrapped(request, *args, **kwargs)

        return update_wrapper(inner, view)

    def login(self, request, extra_context=None):
        self._refuse_signed_in_outsiders(request)
        return super().login(request, extra_context)


class ReadOnlyAdmin(admin.ModelAdmin):
    """The back office may look; every change goes through the services and the audit chain."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class SunshineAdminConfig(AdminConfig):
    default_site = "core.admin_site.SunshineAdminSite"
