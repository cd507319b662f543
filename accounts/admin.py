import contextlib

from django.contrib import admin
from django.contrib.auth.admin import GroupAdmin as DjangoGroupAdmin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.models import Group
from django.utils.translation import gettext_lazy as _
from rest_framework_api_key.admin import APIKeyModelAdmin
from rest_framework_api_key.models import APIKey

from accounts.models import ServiceKey, ServiceOrganisation, Team, User
from kernel.admin_search import PostedSearchAdmin


@admin.register(Team)
class TeamAdmin(admin.ModelAdmin):
    list_display = ("name", "slug", "email")


@admin.register(User)
class UserAdmin(PostedSearchAdmin, DjangoUserAdmin):
    list_display = ("username", "first_name", "last_name", "team", "is_active")
    list_filter = ("team", "groups", "is_active")
    fieldsets = (*DjangoUserAdmin.fieldsets, (_("TryggEst"), {"fields": ("team",)}))


@admin.register(ServiceOrganisation)
class ServiceOrganisationAdmin(PostedSearchAdmin, admin.ModelAdmin):
    list_display = ("name", "slug", "answers_for", "is_active")
    list_filter = ("is_active",)
    search_fields = ("name", "slug")

    @admin.display(description=_("helping service"))
    def answers_for(self, organisation: ServiceOrganisation) -> object:
        # Linked from the directory's side (routing.HelpService.organisation).
        return organisation.service or "–"


@admin.register(ServiceKey)
class ServiceKeyAdmin(PostedSearchAdmin, APIKeyModelAdmin):
    """Keys are created here or with ``create_service_key`` and shown once; revoking is final."""

    list_display = (*APIKeyModelAdmin.list_display, "organisation")
    list_filter = ("organisation", "revoked")


# Django's own group admin, with the search box every admin here has (kernel.admin_search).
admin.site.unregister(Group)


@admin.register(Group)
class GroupAdmin(PostedSearchAdmin, DjangoGroupAdmin):
    pass


# The library's own key model is unused: every key belongs to an organisation (ServiceKey).
with contextlib.suppress(admin.sites.NotRegistered):
    admin.site.unregister(APIKey)
