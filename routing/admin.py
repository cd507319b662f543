from __future__ import annotations

from typing import Any

from django import http
from django.contrib import admin

from routing.models import HelpService, RoutingRule


@admin.register(HelpService)
class HelpServiceAdmin(admin.ModelAdmin):
    list_display = ("name", "slug", "category", "kind", "serves", "active")
    list_filter = ("category", "kind", "active")
    search_fields = ("name", "slug")

    def has_delete_permission(self, request: http.HttpRequest, obj: Any = None) -> bool:
        return False  # referrals point at services; deactivate instead


@admin.register(RoutingRule)
class RoutingRuleAdmin(admin.ModelAdmin):
    list_display = ("name", "service", "priority", "for_whom", "legal_duty", "active")
    list_filter = ("active", "legal_duty", "for_whom")
    list_select_related = ("service",)
    search_fields = ("name",)
    ordering = ("priority", "name")
