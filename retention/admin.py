"""The retention screens: rules (coordinators edit them), the preview of the next 30 days with
legal holds, holds, rectifications, anonymisations, and an adult's data (right of access).
Thin: every write goes through ``retention.services``."""

from __future__ import annotations

import json
from typing import Any

from django import http
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from retention import access, policies, selectors, services
from retention.forms import LegalHoldForm, RectificationForm, SubjectAccessForm
from retention.models import Anonymisation, LegalHold, Rectification, RetentionRule


def _add_errors(form: Any, error: ValidationError) -> None:
    for name, problems in error.message_dict.items():
        form.add_error(name if name in form.fields else None, problems)


@admin.register(RetentionRule)
class RetentionRuleAdmin(admin.ModelAdmin):
    list_display = ("scope", "outcome", "months", "note", "changed_at")
    fields = ("scope", "outcome", "months", "note")
    change_list_template = "admin/retention/retentionrule/change_list.html"

    def save_model(self, request: http.HttpRequest, obj: Any, form: Any, change: bool) -> None:
        services.save_rule(actor=request.user, rule=obj, changed=list(form.changed_data))

    def delete_model(self, request: http.HttpRequest, obj: Any) -> None:
        services.delete_rule(actor=request.user, rule=obj)

    def delete_queryset(self, request: http.HttpRequest, queryset: Any) -> None:
        for rule in queryset:
            services.delete_rule(actor=request.user, rule=rule)

    def get_urls(self) -> list[Any]:
        return [
            path(
                "preview/",
                self.admin_site.admin_view(self.preview_view),
                name="retention_preview",
            ),
            path(
                "access/",
                self.admin_site.admin_view(self.access_view),
                name="retention_subject_access",
            ),
            *super().get_urls(),
        ]

    def _context(self, request: http.HttpRequest, title: Any, **extra: Any) -> dict[str, Any]:
        return {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": title,
            "changelist_url": reverse("admin:retention_retentionrule_changelist"),
            **extra,
        }

    def preview_view(self, request: http.HttpRequest) -> http.HttpResponse:
        """What will be anonymised in the next 30 days (references, codes and dates only)."""
        if not policies.may_see_preview(request.user):
            raise PermissionDenied
        team = None if request.user.is_superuser else request.user.team
        rows = selectors.preview(team=team, at=timezone.now())
        context = self._context(
            request,
            _("Retention: the next %(days)s days") % {"days": selectors.PREVIEW_DAYS},
            rows=rows,
            hold_url=reverse("admin:retention_legalhold_add"),
        )
        return TemplateResponse(request, "admin/retention/preview.html", context)

    def access_view(self, request: http.HttpRequest) -> http.HttpResponse:
        """An adult's data: the national id is POSTed, never in the URL; the result is a
        printable page or a JSON file."""
        if not policies.may_export(request.user):
            raise PermissionDenied
        form = SubjectAccessForm(request.POST if request.method == "POST" else None)
        data = None
        if request.method == "POST" and form.is_valid():
            chosen = form.cleaned_data["format"]
            data = access.subject_access(
                actor=request.user, national_id=form.cleaned_data["national_id"], format=chosen
            )
            if chosen == "json":
                response = http.HttpResponse(
                    json.dumps(data, cls=DjangoJSONEncoder, ensure_ascii=False, indent=2),
                    content_type="application/json; charset=utf-8",
                )
                stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
                response["Content-Disposition"] = f'attachment; filename="innsyn-{stamp}.json"'
                return response
        context = self._context(request, _("The adult's data (right of access)"), form=form)
        context["data"] = data
        return TemplateResponse(request, "admin/retention/subject_access.html", context)


@admin.register(LegalHold)
class LegalHoldAdmin(admin.ModelAdmin):
    list_display = ("enquiry", "set_at", "set_by", "lifted_at", "lifted_by")
    list_filter = (("lifted_at", admin.EmptyFieldListFilter),)
    actions = ["lift"]
    list_select_related = ("enquiry", "set_by", "lifted_by")

    def has_change_permission(self, request: http.HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: http.HttpRequest, obj: Any = None) -> bool:
        return False

    def get_actions(self, request: http.HttpRequest) -> dict[str, Any]:
        actions = super().get_actions(request)
        if not request.user.has_perm("retention.add_legalhold"):
            actions.pop("lift", None)
        return actions

    @admin.action(description=_("Lift the selected legal holds"))
    def lift(self, request: http.HttpRequest, queryset: Any) -> None:
        lifted = 0
        for hold in queryset.filter(lifted_at__isnull=True):
            try:
                services.lift_hold(actor=request.user, hold=hold)
            except PermissionDenied:
                messages.error(request, _("You may not lift the hold on %(e)s.") % {"e": hold})
                continue
            lifted += 1
        messages.success(request, _("Legal holds lifted: %(n)s.") % {"n": lifted})

    def add_view(
        self, request: http.HttpRequest, form_url: str = "", extra_context: Any = None
    ) -> http.HttpResponse:
        if not self.has_add_permission(request):
            raise PermissionDenied
        if request.method == "POST":
            form = LegalHoldForm(request.POST)
            if form.is_valid():
                enquiry = form.cleaned_data["reference"]
                try:
                    services.set_hold(
                        actor=request.user, enquiry=enquiry, reason=form.cleaned_data["reason"]
                    )
                except PermissionDenied:
                    form.add_error("reference", _("You may not set a hold on this enquiry."))
                except ValidationError as error:
                    _add_errors(form, error)
                else:
                    messages.success(request, _("Legal hold set on %(e)s.") % {"e": enquiry})
                    return http.HttpResponseRedirect(
                        reverse("admin:retention_legalhold_changelist")
                    )
        else:
            form = LegalHoldForm(initial={"reference": request.GET.get("reference", "")})
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": _("Set a legal hold"),
            "form": form,
            "submit": _("Set the legal hold"),
            "changelist_url": reverse("admin:retention_legalhold_changelist"),
        }
        return TemplateResponse(request, "admin/retention/form.html", context)


@admin.register(Rectification)
class RectificationAdmin(admin.ModelAdmin):
    list_display = ("enquiry", "field", "at", "by")
    list_select_related = ("enquiry", "by")
    readonly_fields = ("enquiry", "field", "reason", "at", "by")

    def has_add_permission(self, request: http.HttpRequest) -> bool:
        return request.user.has_perm("retention.rectify_enquiry")

    def has_change_permission(self, request: http.HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: http.HttpRequest, obj: Any = None) -> bool:
        return False

    def add_view(
        self, request: http.HttpRequest, form_url: str = "", extra_context: Any = None
    ) -> http.HttpResponse:
        if not self.has_add_permission(request):
            raise PermissionDenied
        form = RectificationForm(request.POST if request.method == "POST" else None)
        if request.method == "POST" and form.is_valid():
            enquiry = form.cleaned_data["reference"]
            try:
                services.rectify(
                    actor=request.user,
                    enquiry=enquiry,
                    field=form.cleaned_data["field"],
                    value=form.cleaned_data["value"],
                    reason=form.cleaned_data["reason"],
                )
            except PermissionDenied:
                form.add_error("reference", _("You may not rectify this enquiry."))
            except ValidationError as error:
                _add_errors(form, error)
            else:
                messages.success(request, _("%(e)s corrected.") % {"e": enquiry})
                return http.HttpResponseRedirect(
                    reverse("admin:retention_rectification_changelist")
                )
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": _("Rectify a fact"),
            "form": form,
            "submit": _("Correct"),
            "changelist_url": reverse("admin:retention_rectification_changelist"),
        }
        return TemplateResponse(request, "admin/retention/form.html", context)


@admin.register(Anonymisation)
class AnonymisationAdmin(admin.ModelAdmin):
    list_display = ("enquiry", "at", "rule")
    list_select_related = ("enquiry",)

    def has_add_permission(self, request: http.HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: http.HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: http.HttpRequest, obj: Any = None) -> bool:
        return False
