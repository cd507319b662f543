"""Admin for the directory and the rules, and routing's pages under an enquiry.

The pages under an enquiry (legal-duty decisions, a new referral link) are plain admin views whose
URLs ``casework.admin.EnquiryAdmin.get_urls`` mounts under the enquiry; they call routing's
services.
"""

from __future__ import annotations

from functools import partial
from typing import Any

from django import forms, http
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import URLPattern, path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from intake import policies
from intake.admin import enquiry_or_redirect, enquiry_page_context
from intake.models import Enquiry
from kernel.admin_search import PostedSearchAdmin
from kernel.forms import add_errors
from kernel.vocabulary import choices
from routing import selectors, services
from routing.models import DutyDecision, HelpService, LegalDutyDecision, RoutingRule


@admin.register(HelpService)
class HelpServiceAdmin(PostedSearchAdmin, admin.ModelAdmin):
    list_display = ("name", "slug", "category", "kind", "serves", "active")
    list_filter = ("category", "kind", "active")
    search_fields = ("name", "slug")

    def has_delete_permission(self, request: http.HttpRequest, obj: Any = None) -> bool:
        return False  # referrals point at services; deactivate instead


@admin.register(RoutingRule)
class RoutingRuleAdmin(PostedSearchAdmin, admin.ModelAdmin):
    """Coordinators edit the rules; the model validates conditions (codes, keys) when saved."""

    list_display = ("name", "service", "priority", "for_whom", "legal_duty", "active")
    list_filter = ("active", "legal_duty", "for_whom")
    list_select_related = ("service",)
    search_fields = ("name",)
    ordering = ("priority", "name")

    def formfield_for_foreignkey(
        self, db_field: Any, request: http.HttpRequest, **kwargs: Any
    ) -> Any:
        if db_field.name == "service":
            kwargs["queryset"] = HelpService.objects.filter(active=True)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def save_model(
        self, request: http.HttpRequest, obj: RoutingRule, form: Any, change: bool
    ) -> None:
        services.routing_rule_save(rule=obj, actor=request.user, fields=form.changed_data)

    def delete_model(self, request: http.HttpRequest, obj: RoutingRule) -> None:
        services.routing_rule_delete(rule=obj, actor=request.user)

    def delete_queryset(self, request: http.HttpRequest, queryset: Any) -> None:
        for rule in queryset:
            services.routing_rule_delete(rule=rule, actor=request.user)


# --- Pages under an enquiry ---


class DutyDecisionForm(forms.Form):
    duty = forms.ChoiceField(
        label=gettext_lazy("Legal duty"), choices=lambda: choices("legal_duties")
    )
    decision = forms.ChoiceField(
        label=gettext_lazy("Decision"), choices=DutyDecision.choices, widget=forms.RadioSelect
    )
    notified_whom = forms.CharField(
        label=gettext_lazy("Notified whom"), required=False, max_length=200
    )
    notified_at = forms.DateTimeField(
        label=gettext_lazy("Notified at"),
        required=False,
        help_text=gettext_lazy("Date and time, e.g. 2026-11-26 14:30."),
    )
    reason = forms.CharField(
        label=gettext_lazy("Why the duty does not apply (or a note)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=5_000,
    )


def legal_duties_view(
    model_admin: Any, request: http.HttpRequest, object_id: str
) -> http.HttpResponse:
    enquiry = enquiry_or_redirect(model_admin, request, object_id)
    if not isinstance(enquiry, Enquiry):
        return enquiry
    may_record = policies.may_edit(request.user, enquiry) and enquiry.is_open
    initial = {"duty": request.GET.get("duty")} if request.GET.get("duty") else None
    form = DutyDecisionForm(request.POST or None, initial=initial)
    if request.method == "POST":
        if not may_record:
            messages.error(request, _("You may not do this with this enquiry."))
            return redirect(request.path)
        if form.is_valid():
            try:
                services.duty_decision_record(
                    enquiry=enquiry, actor=request.user, **form.cleaned_data
                )
            except ValidationError as exc:
                add_errors(form, exc)
            except PermissionDenied as exc:
                messages.error(request, str(exc))
                return redirect(request.path)
            else:
                messages.success(request, _("The decision was recorded."))
                return redirect(request.path)
    context = {
        **enquiry_page_context(model_admin, request, enquiry, _("Legal duties")),
        "duties": selectors.duty_status(enquiry),
        "decisions": LegalDutyDecision.objects.filter(enquiry=enquiry).select_related("decided_by"),
        "form": form if may_record else None,
    }
    return TemplateResponse(request, "admin/routing/legal_duties.html", context)


def referral_link_renew_view(
    model_admin: Any, request: http.HttpRequest, object_id: str, referral_id: str
) -> http.HttpResponse:
    enquiry = enquiry_or_redirect(model_admin, request, object_id)
    if not isinstance(enquiry, Enquiry):
        return enquiry
    change_url = reverse("admin:intake_enquiry_change", args=[enquiry.pk])
    referral = enquiry.referrals.select_related("service").filter(pk=referral_id).first()
    if referral is None:
        raise http.Http404
    if request.method != "POST":
        context = {
            **enquiry_page_context(model_admin, request, enquiry, _("Send a new link")),
            "referral": referral,
        }
        return TemplateResponse(request, "admin/routing/new_link.html", context)
    try:
        services.referral_link_renew(referral=referral, actor=request.user)
    except (ValidationError, PermissionDenied) as exc:
        messages.error(request, " ".join(getattr(exc, "messages", [str(exc)])))
    else:
        messages.success(
            request,
            _("A new link was e-mailed to %(service)s.") % {"service": referral.service.name},
        )
    return redirect(change_url)


def enquiry_pages(model_admin: Any) -> list[URLPattern]:
    """Routing's pages under an enquiry, mounted by ``casework.admin.EnquiryAdmin.get_urls``."""
    view = model_admin.admin_site.admin_view
    return [
        path(
            "<path:object_id>/legal-duties/",
            view(partial(legal_duties_view, model_admin)),
            name="intake_enquiry_legal_duties",
        ),
        path(
            "<path:object_id>/referrals/<uuid:referral_id>/new-link/",
            view(partial(referral_link_renew_view, model_admin)),
            name="intake_enquiry_referral_new_link",
        ),
    ]
