"""The admin of the enquiry record's own settings: the risk instrument and the deadlines; and the
helpers that every page under an enquiry uses (``casework.admin``, ``routing.admin``).

The enquiry's own page and its steps are ``casework.admin`` (they take the workflow's steps).
"""

from __future__ import annotations

from typing import Any

from django import http
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from audit.events import stored_values
from intake import clock, selectors
from intake.instrument import (
    instrument_items_changed,
    instrument_new_draft,
    instrument_publish,
    instrument_save,
)
from intake.models import AssessmentInstrument, Deadline, Enquiry, InstrumentItem
from kernel.forms import ServiceRefusalsOnForm

# --- Pages under an enquiry (legal duties, the clock, the under-18 referral, messages) ---


def enquiry_or_redirect(model_admin: Any, request: http.HttpRequest, object_id: str) -> Any:
    """For a page under an enquiry: the enquiry read (and logged) for this user, or the admin's
    "not found" redirect when it does not exist or is not theirs to see."""
    try:
        return selectors.enquiry_for_actor(actor=request.user, pk=object_id)
    except Enquiry.DoesNotExist:
        return model_admin._get_obj_does_not_exist_redirect(request, model_admin.opts, object_id)


def enquiry_page_context(
    model_admin: Any, request: http.HttpRequest, enquiry: Enquiry, title: str
) -> dict[str, Any]:
    """The context every page under an enquiry starts from (breadcrumbs back to it)."""
    return {
        **model_admin.admin_site.each_context(request),
        "opts": model_admin.opts,
        "original": enquiry,
        "title": title,
        "change_url": reverse("admin:intake_enquiry_change", args=[enquiry.pk]),
    }


# --- The risk instrument ---


class InstrumentItemInline(admin.TabularInline):
    model = InstrumentItem
    extra = 0
    fields = ("position", "code", "group", "text_nb", "text_en")

    def _editable(self, obj: AssessmentInstrument | None) -> bool:
        return obj is None or obj.published_at is None

    def has_add_permission(self, request: http.HttpRequest, obj: Any = None) -> bool:
        return self._editable(obj) and super().has_add_permission(request, obj)

    def has_change_permission(self, request: http.HttpRequest, obj: Any = None) -> bool:
        return self._editable(obj) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request: http.HttpRequest, obj: Any = None) -> bool:
        return self._editable(obj) and super().has_delete_permission(request, obj)


@admin.register(AssessmentInstrument)
class AssessmentInstrumentAdmin(admin.ModelAdmin):
    """Coordinators edit a draft version, then publish it; a published version never changes."""

    list_display = ("name", "version", "published_at")
    inlines = [InstrumentItemInline]
    actions = ["publish", "new_draft"]

    def get_readonly_fields(self, request: http.HttpRequest, obj: Any = None) -> tuple[str, ...]:
        if obj is not None and obj.published_at is not None:
            return ("name", "version", "published_at")
        return ("published_at",)

    def has_delete_permission(self, request: http.HttpRequest, obj: Any = None) -> bool:
        return False

    def save_model(
        self, request: http.HttpRequest, obj: AssessmentInstrument, form: Any, change: bool
    ) -> None:
        instrument_save(instrument=obj, actor=request.user, fields=form.changed_data)

    def save_formset(
        self, request: http.HttpRequest, form: Any, formset: Any, change: bool
    ) -> None:
        changed = [(f.instance, f.changed_data) for f in formset.forms if f.has_changed()]
        before = {
            id(item): stored_values(item, fields) for item, fields in changed if item.pk is not None
        }
        formset.save()
        instrument_items_changed(
            instrument=form.instance,
            actor=request.user,
            changes=[(item, fields, before.get(id(item))) for item, fields in changed],
            deleted=list(formset.deleted_objects),
        )

    @admin.action(description=gettext_lazy("Publish the selected draft"), permissions=["change"])
    def publish(self, request: http.HttpRequest, queryset: Any) -> None:
        for instrument in queryset:
            try:
                instrument_publish(instrument=instrument, actor=request.user)
            except ValidationError as exc:
                self.message_user(request, "; ".join(exc.messages), messages.ERROR)
            else:
                self.message_user(request, _("Published."), messages.SUCCESS)

    @admin.action(
        description=gettext_lazy("Make a new draft from the selected version"), permissions=["add"]
    )
    def new_draft(self, request: http.HttpRequest, queryset: Any) -> None:
        for instrument in queryset:
            instrument_new_draft(source=instrument, actor=request.user)
        self.message_user(request, _("A new draft was made."), messages.SUCCESS)


# --- Deadlines (issue 6) ---


@admin.register(Deadline)
class DeadlineAdmin(ServiceRefusalsOnForm, admin.ModelAdmin):
    """Coordinators edit the deadlines; a change applies to clocks started after it."""

    list_display = ("kind", "remind_after", "escalate_after", "unit")
    fields = ("kind", "remind_after", "escalate_after", "unit")

    def get_readonly_fields(self, request: http.HttpRequest, obj: Any = None) -> tuple[str, ...]:
        return ("kind",) if obj is not None else ()

    def has_add_permission(self, request: http.HttpRequest) -> bool:
        return False  # one row per kind, installed by the migration

    def has_delete_permission(self, request: http.HttpRequest, obj: Any = None) -> bool:
        return False

    def save_model(self, request: http.HttpRequest, obj: Deadline, form: Any, change: bool) -> None:
        clock.deadline_save(deadline=obj, actor=request.user, fields=form.changed_data)
