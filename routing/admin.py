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
from kernel.forms import add_errors
from kernel.languages import resident_languages
from kernel.vocabulary import choices
from routing import selectors, services
from routing.models import DutyDecision, HelpService, LegalDutyDecision, RoutingRule

# The directory's fields as coordinators edit them (the help page's texts are per-language fields).
DIRECTORY_FIELDS = [
    "slug",
    "name",
    "kind",
    "category",
    "serves",
    "age_min",
    "age_max",
    "phones",
    "url",
    "email",
    "hours",
    "referral_route",
    "notes",
    "plan_ref",
    "active",
    "organisation",
]

TEXT_KEYS = {
    "offers": gettext_lazy("What the service offers"),
    "for_whom": gettext_lazy("Whom it is for"),
}


def _text_field_name(key: str, language: str) -> str:
    return f"{key}_{language}"


class _HelpServiceFormBase(forms.ModelForm):
    """The directory's form: the help page's situations as checkboxes and its texts as one field
    per residents' language, instead of the JSON they are stored as."""

    url = forms.URLField(
        label=HelpService._meta.get_field("url").verbose_name,
        required=False,
        assume_scheme="https",  # the directory's addresses are https; Django 6's default too
    )
    situations = forms.MultipleChoiceField(
        label=gettext_lazy("Situations on the help page"),
        help_text=gettext_lazy("The residents' help page (/hjelp/) lists the service under these."),
        choices=lambda: choices("help_situations"),
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )

    class Meta:
        model = HelpService
        fields = [*DIRECTORY_FIELDS, "situations", "public_order"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for language, texts in (self.instance.public_texts or {}).items():
            for key in TEXT_KEYS:
                name = _text_field_name(key, language)
                if name in self.fields:
                    self.initial.setdefault(name, texts.get(key, ""))

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        texts: dict[str, dict[str, str]] = {}
        for language in resident_languages():
            entry = {
                key: (data.get(_text_field_name(key, language)) or "").strip() for key in TEXT_KEYS
            }
            if any(entry.values()):
                texts[language] = entry
        self.instance.public_texts = texts
        return data

    def changed_model_fields(self) -> list[str]:
        """The model's names of what changed (the audit event's), the texts as public_texts."""
        texts = {_text_field_name(key, code) for code in resident_languages() for key in TEXT_KEYS}
        changed = [name for name in self.changed_data if name not in texts]
        if any(name in texts for name in self.changed_data):
            changed.append("public_texts")
        return changed


def _help_service_form() -> type[forms.ModelForm]:
    fields: dict[str, forms.Field] = {}
    for language in resident_languages().values():
        for key, title in TEXT_KEYS.items():
            fields[_text_field_name(key, language.code)] = forms.CharField(
                label=f"{title} ({language.name})",
                required=False,
                max_length=1_000,
                widget=forms.Textarea(
                    attrs={"rows": 2, "lang": language.code, "dir": language.direction}
                ),
            )
    return forms.models.ModelFormMetaclass("HelpServiceForm", (_HelpServiceFormBase,), fields)


HelpServiceForm = _help_service_form()


@admin.register(HelpService)
class HelpServiceAdmin(admin.ModelAdmin):
    """Coordinators edit the directory; what residents see of it is the help page (/hjelp/)."""

    form = HelpServiceForm
    list_display = ("name", "slug", "category", "kind", "serves", "active")
    list_filter = ("category", "kind", "active")
    search_fields = ("name", "slug")
    fieldsets = [
        (None, {"fields": DIRECTORY_FIELDS}),
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
                        _text_field_name(key, code)
                        for code in resident_languages()
                        for key in TEXT_KEYS
                    ),
                ],
            },
        ),
    ]

    def has_delete_permission(self, request: http.HttpRequest, obj: Any = None) -> bool:
        return False  # referrals point at services; deactivate instead

    def save_model(
        self, request: http.HttpRequest, obj: HelpService, form: Any, change: bool
    ) -> None:
        services.help_service_save(
            service=obj, actor=request.user, fields=form.changed_model_fields()
        )


@admin.register(RoutingRule)
class RoutingRuleAdmin(admin.ModelAdmin):
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
