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
from intake.selectors import enquiry_ids_for_national_id
from kernel.admin_search import PostedSearchAdmin, posted_search_text
from kernel.national_id import has_valid_check_digits
from oversight import export, selectors
from oversight.forms import AccessReportForm
from oversight.labels import object_type_label

# The most events one export holds (a filter narrows a larger one down).
EXPORT_LIMIT = 100_000

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
    """The events about one enquiry, named by its reference (or its id)."""

    title = _("enquiry (reference)")
    parameter_name = "enquiry"

    def queryset(self, request: http.HttpRequest, queryset: Any) -> Any:
        if not self.value():
            return queryset
        key = selectors.enquiry_id_for(self.value())
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

    list_display = ("seq", "at", "action", "who", "object_label", "reference")
    ordering = ("-seq",)
    list_filter = (
        EnquiryFilter,
        ActorFilter,
        "action",
        "actor_type",
        ("at", admin.DateFieldListFilter),
    )
    search_fields = ("=actor", "=enquiry_id", "=object_id")
    search_help_text = _(
        "A reference, a username or a national identity number (every enquiry about the "
        "person). What you type is sent in the form, never in the address, and not recorded."
    )
    show_full_result_count = False
    change_list_template = "admin/audit/auditevent/change_list.html"

    @admin.display(description=_("actor"), ordering="actor")
    def who(self, event: AuditEvent) -> str:
        return f"{event.actor} ({event.get_actor_type_display()})"

    @admin.display(description=_("about"))
    def object_label(self, event: AuditEvent) -> str:
        return object_type_label(event.object_type)

    @admin.display(description=_("enquiry"))
    def reference(self, event: AuditEvent) -> str:
        if not event.enquiry_id:
            return ""
        # The page's references are read once (get_results below), not one query per row.
        references = getattr(self, "_references", None) or {}
        return references.get(event.enquiry_id) or str(event.enquiry_id)

    def get_changelist(self, request: http.HttpRequest, **kwargs: Any) -> Any:
        admin_ = self

        class WithReferences(super().get_changelist(request, **kwargs)):  # type: ignore[misc]
            def get_results(self, request: http.HttpRequest) -> None:
                super().get_results(request)
                admin_._references = selectors.references_for(
                    event.enquiry_id for event in self.result_list
                )

        return WithReferences

    def get_search_results(
        self, request: http.HttpRequest, queryset: Any, search_term: str
    ) -> tuple[Any, bool]:
        """A national identity number finds the events about every enquiry of that person; a
        reference those about its enquiry; anything else an actor, an enquiry or object id."""
        text = search_term.strip()
        if text.isdigit() and len(text) == 11 and has_valid_check_digits(text):
            ids = enquiry_ids_for_national_id(text)
            return queryset.filter(trail.concerning(ids)) if ids else queryset.none(), False
        if text.upper().startswith("TE-"):
            key = selectors.enquiry_id_for(text)
            return (queryset.filter(trail.concerning([key])) if key else queryset.none()), False
        return super().get_search_results(request, queryset, search_term)

    def has_add_permission(self, request: http.HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: http.HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: http.HttpRequest, obj: Any = None) -> bool:
        return False

    def get_urls(self) -> list[Any]:
        return [
            path(
                "export/",
                self.admin_site.admin_view(self.export_view),
                name="audit_auditevent_export",
            ),
            path(
                "access-report/",
                self.admin_site.admin_view(self.access_report_view),
                name="audit_auditevent_access_report",
            ),
            *super().get_urls(),
        ]

    # --- Reading the trail is recorded, in the transaction of the read ---

    def _recorded_filters(self, request: http.HttpRequest) -> dict[str, Any]:
        filters: dict[str, Any] = {
            k: request.GET[k] for k in _RECORDED_PARAMS if request.GET.get(k)
        }
        if posted_search_text(request):
            filters["search"] = True  # what was typed may be personal data: not kept
        return filters

    def export_view(self, request: http.HttpRequest) -> http.HttpResponse:
        """The list as it is filtered (and searched: the search text comes POSTed with the
        button), as CSV, newest first; the export is recorded with its filters and size."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        if request.method != "POST":
            return http.HttpResponseNotAllowed(["POST"])
        changelist = self.get_changelist_instance(request)
        filters = self._recorded_filters(request)
        with transaction.atomic():
            rows = list(changelist.get_queryset(request)[:EXPORT_LIMIT])
            references = selectors.references_for(event.enquiry_id for event in rows)
            enquiry_id = selectors.enquiry_id_for(filters.get("enquiry", ""))
            events.trail_exported(
                actor=request.user, filters=filters, rows=len(rows), enquiry_id=enquiry_id
            )
        return export.trail_csv(rows, references)

    def changelist_view(
        self, request: http.HttpRequest, extra_context: dict[str, Any] | None = None
    ) -> Any:
        with transaction.atomic():
            response = super().changelist_view(request, extra_context)
            if getattr(response, "status_code", None) == 200:
                filters = self._recorded_filters(request)
                enquiry_id = selectors.enquiry_id_for(filters.get("enquiry", ""))
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
            "references": selectors.references_for(report.enquiries) if report else {},
            "events_page": events_page,
            "changelist_url": reverse("admin:audit_auditevent_changelist"),
        }
        return TemplateResponse(request, "admin/audit/auditevent/access_report.html", context)
