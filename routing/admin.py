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
from kernel.forms import ServiceRefusalsOnForm, add_errors
from kernel.languages import resident_languages
from kernel.vocabulary import choices
from routing import selectors, services
from routing.forms import (
    TEXT_KEYS,
    HelpServiceForm,
    RoutingRuleForm,
    conditions_summary,
    hours_summary,
    text_field_name,
)
from routing.models import (
    CONDITION_KEYS,
    DutyDecision,
    HelpService,
    LegalDutyDecision,
    RoutingRule,
    ServiceConsent,
)


@admin.register(HelpService)
class HelpServiceAdmin(PostedSearchAdmin, ServiceRefusalsOnForm, admin.ModelAdmin):
    """Coordinators edit the directory: phone numbers as rows, opening hours as a week table with
    exceptions (``routing.forms``); every save goes through ``services.help_service_save``."""

    form = HelpServiceForm
    change_form_template = "admin/routing/helpservice/change_form.html"
    list_display = ("name", "category", "kind", "serves", "hours_summary", "active")
    list_filter = ("category", "kind", "active")
    search_fields = ("name", "slug")
    fieldsets = [
        (None, {"fields": ("name", "slug", "kind", "category", "serves", "active")}),
        (gettext_lazy("Whom they help"), {"fields": ("age_min", "age_max", "referral_route")}),
        (gettext_lazy("Contact"), {"fields": ("url", "email", "organisation")}),
        (gettext_lazy("Opening hours"), {"fields": ("hours_kind", "holidays")}),
        (gettext_lazy("Notes"), {"fields": ("notes", "plan_ref"), "classes": ("collapse",)}),
        (
            gettext_lazy("The residents' help page (/hjelp/)"),
            {
                "description": gettext_lazy(
                    "Plain words, as to a worried neighbour. A language left empty shows the "
                    "bokmål text."
                ),
                "fields": [
                    "situations",
                    "public_order",
                    *(
                        text_field_name(key, code)
                        for code in resident_languages()
                        for key in TEXT_KEYS
                    ),
                ],
            },
        ),
    ]

    @admin.display(description=gettext_lazy("Opening hours"))
    def hours_summary(self, obj: HelpService) -> str:
        return hours_summary(obj.hours)

    def has_delete_permission(self, request: http.HttpRequest, obj: Any = None) -> bool:
        return False  # referrals point at services; deactivate instead

    def save_model(
        self, request: http.HttpRequest, obj: HelpService, form: Any, change: bool
    ) -> None:
        services.help_service_save(
            service=obj, actor=request.user, fields=form.changed_model_fields()
        )


@admin.register(RoutingRule)
class RoutingRuleAdmin(PostedSearchAdmin, ServiceRefusalsOnForm, admin.ModelAdmin):
    """Coordinators edit the rules: each condition is a field (``routing.forms.RoutingRuleForm``),
    validated by ``validate_conditions``, saved by ``services.routing_rule_save``."""

    form = RoutingRuleForm

    class Media:
        css = {"all": ("routing/admin.css",)}

    list_display = ("name", "when", "service", "priority", "legal_duty", "active")
    list_filter = ("active", "legal_duty", "for_whom")
    list_select_related = ("service",)
    search_fields = ("name",)
    ordering = ("priority", "name")
    fieldsets = [
        (
            None,
            {
                "fields": (
                    "name",
                    "service",
                    "for_whom",
                    "priority",
                    "legal_duty",
                    "preselect",
                    "active",
                )
            },
        ),
        (
            gettext_lazy("When the rule applies"),
            {
                "fields": tuple(CONDITION_KEYS),
                "description": gettext_lazy(
                    "The rule suggests the service when every condition filled in holds. A "
                    "condition left empty does not restrict; a rule without conditions applies to "
                    "every enquiry."
                ),
            },
        ),
        (
            gettext_lazy("Reason shown to the team"),
            {"fields": ("reason_nb", "reason_en")},
        ),
    ]

    @admin.display(description=gettext_lazy("When"))
    def when(self, obj: RoutingRule) -> str:
        return conditions_summary(obj.conditions)

    def formfield_for_foreignkey(
        self, db_field: Any, request: http.HttpRequest, **kwargs: Any
    ) -> Any:
        if db_field.name == "service":
            kwargs["queryset"] = HelpService.objects.filter(active=True)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def save_model(
        self, request: http.HttpRequest, obj: RoutingRule, form: Any, change: bool
    ) -> None:
        services.routing_rule_save(rule=obj, actor=request.user, fields=form.changed_model_fields())

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


# --- Consent per service and referrals told by phone (issue 16) ---


class ConsentForm(forms.Form):
    service = forms.ModelChoiceField(
        label=gettext_lazy("Service"), queryset=HelpService.objects.filter(active=True)
    )
    given_at = forms.DateTimeField(
        label=gettext_lazy("Given at"),
        help_text=gettext_lazy("Date and time, e.g. 2026-11-26 14:30."),
    )
    method = forms.ChoiceField(
        label=gettext_lazy("How it was given"), choices=lambda: choices("consent_methods")
    )


class ConsentWithdrawForm(forms.Form):
    consent = forms.IntegerField(widget=forms.HiddenInput)
    withdrawal_method = forms.ChoiceField(
        label=gettext_lazy("How it was withdrawn"), choices=lambda: choices("consent_methods")
    )


def consents_view(model_admin: Any, request: http.HttpRequest, object_id: str) -> http.HttpResponse:
    """The adult's consent to each service: record it (when, how), or its withdrawal."""
    enquiry = enquiry_or_redirect(model_admin, request, object_id)
    if not isinstance(enquiry, Enquiry):
        return enquiry
    may_record = policies.may_edit(request.user, enquiry) and enquiry.is_open
    withdrawing = "withdrawal_method" in request.POST
    form = ConsentForm(request.POST if request.method == "POST" and not withdrawing else None)
    withdraw_form = ConsentWithdrawForm(request.POST if withdrawing else None)
    if request.method == "POST":
        if not may_record:
            messages.error(request, _("You may not do this with this enquiry."))
            return redirect(request.path)
        target = withdraw_form if withdrawing else form
        if target.is_valid():
            try:
                if withdrawing:
                    consent = ServiceConsent.objects.filter(
                        enquiry=enquiry, pk=withdraw_form.cleaned_data["consent"]
                    ).first()
                    if consent is None:
                        raise http.Http404
                    services.consent_withdraw(
                        consent=consent,
                        actor=request.user,
                        method=withdraw_form.cleaned_data["withdrawal_method"],
                    )
                else:
                    services.consent_record(
                        enquiry=enquiry, actor=request.user, **form.cleaned_data
                    )
            except ValidationError as exc:
                if withdrawing:
                    messages.error(request, " ".join(exc.messages))
                    return redirect(request.path)
                add_errors(form, exc)
            except PermissionDenied as exc:
                messages.error(request, str(exc))
                return redirect(request.path)
            else:
                messages.success(
                    request,
                    _("The withdrawal was recorded.")
                    if withdrawing
                    else _("The consent was recorded."),
                )
                return redirect(request.path)
    context = {
        **enquiry_page_context(model_admin, request, enquiry, _("Consent to each service")),
        "consents": ServiceConsent.objects.filter(enquiry=enquiry).select_related(
            "service", "recorded_by", "withdrawn_by"
        ),
        "form": form if may_record else None,
        "withdraw_method": withdraw_form["withdrawal_method"] if may_record else None,
    }
    return TemplateResponse(request, "admin/routing/consents.html", context)


class PhoneCallForm(forms.Form):
    note = forms.CharField(
        label=gettext_lazy("About the call"),
        required=False,
        max_length=2_000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=gettext_lazy("Whom you spoke to; no personal data about the adult."),
    )


def phone_call_view(
    model_admin: Any, request: http.HttpRequest, object_id: str, referral_id: str
) -> http.HttpResponse:
    """Record that the team told a service without e-mail about its referral by phone."""
    enquiry = enquiry_or_redirect(model_admin, request, object_id)
    if not isinstance(enquiry, Enquiry):
        return enquiry
    referral = enquiry.referrals.select_related("service").filter(pk=referral_id).first()
    if referral is None:
        raise http.Http404
    change_url = reverse("admin:intake_enquiry_change", args=[enquiry.pk])
    form = PhoneCallForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.referral_phone_call_record(
                referral=referral, actor=request.user, note=form.cleaned_data["note"]
            )
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
            return redirect(change_url)
        except PermissionDenied as exc:
            messages.error(request, str(exc) or _("You may not do this with this referral."))
            return redirect(change_url)
        messages.success(request, _("The call was recorded."))
        return redirect(change_url)
    context = {
        **enquiry_page_context(model_admin, request, enquiry, _("Record the call")),
        "referral": referral,
        "service": referral.service,
        "hours": selectors.service_contact(referral.service),
        "form": form,
    }
    return TemplateResponse(request, "admin/routing/phone_call.html", context)


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
        path(
            "<path:object_id>/referrals/<uuid:referral_id>/phone-call/",
            view(partial(phone_call_view, model_admin)),
            name="intake_enquiry_referral_phone_call",
        ),
        path(
            "<path:object_id>/consents/",
            view(partial(consents_view, model_admin)),
            name="intake_enquiry_consents",
        ),
    ]
