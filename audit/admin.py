from __future__ import annotations

from typing import Any

from django import http
from django.contrib import admin

from audit.models import AuditEvent


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    """The trail, read-only: nobody adds, changes or deletes events here."""

    list_display = ("seq", "at", "actor_type", "actor", "action", "object_type", "object_id", "enquiry_id")
    list_filter = ("action", "actor_type", ("at", admin.DateFieldListFilter))
    search_fields = ("=actor", "=enquiry_id", "=object_id")
    show_full_result_count = False

    def has_add_permission(self, request: http.HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: http.HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: http.HttpRequest, obj: Any = None) -> bool:
        return False
