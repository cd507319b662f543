from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.utils.translation import gettext_lazy as _

from accounts.models import Team, User


@admin.register(Team)
class TeamAdmin(admin.ModelAdmin):
    list_display = ("name", "slug", "email")


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    list_display = ("username", "first_name", "last_name", "team", "is_active")
    list_filter = ("team", "groups", "is_active")
    fieldsets = (*DjangoUserAdmin.fieldsets, (_("TryggEst"), {"fields": ("team",)}))
