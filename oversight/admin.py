"""The auditor's screens: the trail read-only, filters, and an access report for one enquiry or
one person. Reading the trail here is itself recorded."""

from __future__ import annotations

from typing import Any

from django import http
from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db import transaction
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.translation import gettext_lazy as _

from audit import events
from audit import selectors as trail
from audit.models import AuditEvent
from kernel.admin_search import PostedSearchAdmin, posted_search_text
from kernel.ids import uuid_or_none
from oversight import selectors
from oversight.forms import AccessReportForm

# Changelist parameters worth recording with an auditor's read (the rest is paging and layout).
ACCESS_REPORT_PAGE_SIZE = 100

_RECORDED_PARAMS = (
    "enquiry",
    "actor",
    "action__exact",
    "actor_type__exact",
    "at__gte",
    "at__lt",
)


class _TextInputFilter(admin.SimpleListFilter):
    """A filter with a text box instead of a list of choices (enquiry ids, usernames)."""

    template = "admin/audit/text_input_filter.html"

    def lookups(self, request: http.HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return [("", "")]  # one dummy choice, or the admin hides the filter

    def choices(self, changelist: Any) -> Any:
        yield {
            "parameter_name": self.parameter_name,
            "value": self.value() or "",
            "others": [(k, v) for k, v in changelist.params.items() if k != self.parameter_name],
            "clear": changelist.get_query_string(remove=[self.parameter_name]),
        }


class EnquiryFilter(_TextInputFilter):
    title = _("enquiry id")
    parameter_name = "enquiry"

    def queryset(self, request: http.HttpRequest, queryset: Any) -> Any:
        if not self.value():
            return queryset
        key = uuid_or_none(self.value().strip())
        if key is None:
            return queryset.none()
        return queryset.filter(trail.concerning([key]))


class ActorFilter(_TextInputFilter):
    title = _("actor")
    parameter_name = "actor"

    def queryset(self, request: http.HttpRequest, queryset: Any) -> Any:
        return queryset.filter(actor=self.value().strip()) if self.value() else queryset


@admin.register(AuditEvent)
class AuditEventAdmin(PostedSearchAdmin, admin.ModelAdmin):
    """The trail, read-only: nobody adds, changes or deletes events here."""

    list_display = (
        "seq",
        "at",
        "actor_type",
        "actor",
        "action",
        "object_type",
        "object_id",
        "enquiry_id",
    )
    list_filter = (
        EnquiryFilter,
        ActorFilter,
        "action",
        "actor_type",
        ("at", admin.DateFieldListFilter),
    )
    search_fields = ("=actor", "=enquiry_id", "=object_id")
    show_full_result_count = False
    change_list_template = "admin/audit/auditevent/change_list.html"

    def has_add_permission(self, request: http.HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: http.HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: http.HttpRequest, obj: Any = None) -> bool:
        return False

    def get_urls(self) -> list[Any]:
        return [
            path(
                "access-report/",
                self.admin_site.admin_view(self.access_report_view),
                name="audit_auditevent_access_report",
            ),
            *super().get_urls(),
        ]

    # --- Reading the trail is recorded, in the transaction of the read ---

    def changelist_view(
        self, request: http.HttpRequest, extra_context: dict[str, Any] | None = None
    ) -> Any:
        with transaction.atomic():
            response = super().changelist_view(request, extra_context)
            if getattr(response, "status_code", None) == 200:
                filters: dict[str, Any] = {
                    k: request.GET[k] for k in _RECORDED_PARAMS if request.GET.get(k)
                }
                if posted_search_text(request):
                    filters["search"] = True  # what was typed may be personal data: not kept
                enquiry_id = uuid_or_none(filters.get("enquiry"))
                events.trail_viewed(actor=request.user, filters=filters, enquiry_id=enquiry_id)
        return response

    def change_view(
        self,
        request: http.HttpRequest,
        object_id: str,
        form_url: str = "",
        extra_context: dict[str, Any] | None = None,
    ) -> Any:
        with transaction.atomic():
            response = super().change_view(request, object_id, form_url, extra_context)
            if getattr(response, "status_code", None) == 200:
                events.trail_viewed(actor=request.user, filters={"seq": object_id})
        return response

    def access_report_view(self, request: http.HttpRequest) -> http.HttpResponse:
        if not self.has_view_permission(request):
            raise PermissionDenied
        if request.method == "POST":
            form = AccessReportForm(request.POST)
        else:  # a link to one enquiry's report; a person's is POSTed (never in the URL)
            form = AccessReportForm(request.GET or None, from_url=True)
        report = None
        if form.is_valid():
            report = selectors.access_report_for(
                actor=request.user,
                enquiry=form.cleaned_data.get("enquiry"),
                national_id=form.cleaned_data.get("national_id"),
            )
        # Paged (issue 17): a person's report can cover thousands of events; the page number is
        # POSTed with the form, so the national id never leaves the body.
        events_page = (
            Paginator(report.events, ACCESS_REPORT_PAGE_SIZE).get_page(request.POST.get("page"))
            if report is not None
            else None
        )
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": _("Access report"),
            "form": form,
            "report": report,
            "events_page": events_page,
            "changelist_url": reverse("admin:audit_auditevent_changelist"),
        }
        return TemplateResponse(request, "admin/audit/auditevent/access_report.html", context)
