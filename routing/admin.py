"""Admin for the directory and the rules, and the routing pages linked from an enquiry.

The enquiry pages (legal duty decisions, the under-18 referral) are plain admin views whose URLs
``intake.admin.EnquiryAdmin.get_urls`` mounts under the enquiry; they call routing services.
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
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from intake import policies
from intake import selectors as intake_selectors
from intake.models import Enquiry
from kernel.errors import ConflictError, TransitionRefused
from kernel.forms import add_errors
from kernel.vocabulary import choices
from routing import reminders, selectors, services
from routing.models import (
    ClockPause,
    Deadline,
    DutyDecision,
    EnquiryClock,
    HelpService,
    LegalDutyDecision,
    Reminder,
    RoutingRule,
)


@admin.register(HelpService)
class HelpServiceAdmin(admin.ModelAdmin):
    list_display = ("name", "slug", "category", "kind", "serves", "active")
    list_filter = ("category", "kind", "active")
    search_fields = ("name", "slug")

    def has_delete_permission(self, request: http.HttpRequest, obj: Any = None) -> bool:
        return False  # referrals point at services; deactivate instead


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


class ChildWelfareForm(forms.Form):
    note = forms.CharField(
        label=gettext_lazy("Note to the child welfare service"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=5_000,
    )


def _enquiry_or_redirect(model_admin: Any, request: http.HttpRequest, object_id: str) -> Any:
    try:
        return intake_selectors.enquiry_for_actor(actor=request.user, pk=object_id)
    except Enquiry.DoesNotExist:
        return model_admin._get_obj_does_not_exist_redirect(request, model_admin.opts, object_id)


def _context(
    model_admin: Any, request: http.HttpRequest, enquiry: Enquiry, title: str
) -> dict[str, Any]:
    return {
        **model_admin.admin_site.each_context(request),
        "opts": model_admin.opts,
        "original": enquiry,
        "title": title,
        "change_url": reverse("admin:intake_enquiry_change", args=[enquiry.pk]),
    }


def legal_duties_view(
    model_admin: Any, request: http.HttpRequest, object_id: str
) -> http.HttpResponse:
    enquiry = _enquiry_or_redirect(model_admin, request, object_id)
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
        **_context(model_admin, request, enquiry, _("Legal duties")),
        "duties": selectors.duty_status(enquiry),
        "decisions": LegalDutyDecision.objects.filter(enquiry=enquiry).select_related("decided_by"),
        "form": form if may_record else None,
    }
    return TemplateResponse(request, "admin/routing/legal_duties.html", context)


def child_welfare_view(
    model_admin: Any, request: http.HttpRequest, object_id: str
) -> http.HttpResponse:
    enquiry = _enquiry_or_redirect(model_admin, request, object_id)
    if not isinstance(enquiry, Enquiry):
        return enquiry
    change_url = reverse("admin:intake_enquiry_change", args=[enquiry.pk])
    if not selectors.is_child_welfare_case(enquiry) or not enquiry.is_open:
        messages.error(
            request,
            _("Only an open enquiry about a person under 18 goes to child welfare this way."),
        )
        return redirect(change_url)
    form = ChildWelfareForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.enquiry_refer_to_child_welfare(
                enquiry=enquiry, actor=request.user, note=form.cleaned_data["note"]
            )
        except ValidationError as exc:
            add_errors(form, exc)
        except (PermissionDenied, ConflictError, TransitionRefused) as exc:
            messages.error(request, str(exc) or _("You may not take this step."))
            return redirect(change_url)
        else:
            messages.success(
                request,
                _("Referred to the child welfare service and closed as referred elsewhere."),
            )
            return redirect(change_url)
    context = {
        **_context(model_admin, request, enquiry, _("Refer to the child welfare service")),
        "form": form,
    }
    return TemplateResponse(request, "admin/routing/child_welfare.html", context)


def referral_link_renew_view(
    model_admin: Any, request: http.HttpRequest, object_id: str, referral_id: str
) -> http.HttpResponse:
    enquiry = _enquiry_or_redirect(model_admin, request, object_id)
    if not isinstance(enquiry, Enquiry):
        return enquiry
    change_url = reverse("admin:intake_enquiry_change", args=[enquiry.pk])
    referral = enquiry.referrals.select_related("service").filter(pk=referral_id).first()
    if referral is None:
        raise http.Http404
    if request.method != "POST":
        context = {
            **_context(model_admin, request, enquiry, _("Send a new link")),
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


def enquiry_urls(model_admin: Any) -> list[URLPattern]:
    """Mounted by ``EnquiryAdmin.get_urls`` in front of the admin's own enquiry URLs."""
    view = model_admin.admin_site.admin_view
    return [
        path(
            "<path:object_id>/legal-duties/",
            view(partial(legal_duties_view, model_admin)),
            name="intake_enquiry_legal_duties",
        ),
        path(
            "<path:object_id>/child-welfare/",
            view(partial(child_welfare_view, model_admin)),
            name="intake_enquiry_child_welfare",
        ),
        path(
            "<path:object_id>/referrals/<uuid:referral_id>/new-link/",
            view(partial(referral_link_renew_view, model_admin)),
            name="intake_enquiry_referral_new_link",
        ),
        path(
            "<path:object_id>/clock/",
            view(partial(clock_view, model_admin)),
            name="intake_enquiry_clock",
        ),
    ]


# --- Reminders and escalation (issue 6) ---


@admin.register(Deadline)
class DeadlineAdmin(admin.ModelAdmin):
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
        reminders.deadline_save(deadline=obj, actor=request.user, fields=form.changed_data)


class OverdueFilter(admin.SimpleListFilter):
    """ "My overdue" on the enquiry list: past due, not paused, assigned to me or to nobody."""

    title = gettext_lazy("overdue")
    parameter_name = "overdue"

    def lookups(self, request: http.HttpRequest, model_admin: Any) -> list[tuple[str, Any]]:
        return [
            ("mine", gettext_lazy("My overdue")),
            ("team", gettext_lazy("All overdue in my team")),
        ]

    def queryset(self, request: http.HttpRequest, queryset: Any) -> Any:
        if self.value() not in ("mine", "team"):
            return queryset
        overdue = reminders.overdue_enquiries(request.user, mine=self.value() == "mine")
        return queryset.filter(pk__in=overdue.values("pk"))


class PauseForm(forms.Form):
    until = forms.DateTimeField(
        label=gettext_lazy("Paused until"),
        help_text=gettext_lazy("Date and time, e.g. 2026-12-15 12:00. No reminders until then."),
    )
    reason = forms.CharField(
        label=gettext_lazy("Reason"),
        max_length=500,
        help_text=gettext_lazy("E.g. waiting for the adult's consent, waiting for the police."),
    )


def clock_view(model_admin: Any, request: http.HttpRequest, object_id: str) -> http.HttpResponse:
    """The enquiry's deadline, its pauses and every reminder sent; pause or resume the clock."""
    enquiry = _enquiry_or_redirect(model_admin, request, object_id)
    if not isinstance(enquiry, Enquiry):
        return enquiry
    may_pause = policies.may_edit(request.user, enquiry) and enquiry.is_open
    form = PauseForm(request.POST or None) if may_pause else None
    if request.method == "POST":
        if not may_pause:
            messages.error(request, _("You may not do this with this enquiry."))
            return redirect(request.path)
        try:
            if "resume" in request.POST:
                reminders.enquiry_clock_resume(enquiry=enquiry, actor=request.user)
                messages.success(request, _("The clock runs again."))
                return redirect(request.path)
            if form is not None and form.is_valid():
                reminders.enquiry_clock_pause(
                    enquiry=enquiry, actor=request.user, **form.cleaned_data
                )
                messages.success(request, _("The clock is paused."))
                return redirect(request.path)
        except ValidationError as exc:
            if form is not None:
                add_errors(form, exc)
            else:
                messages.error(request, " ".join(exc.messages))
        except PermissionDenied as exc:
            messages.error(request, str(exc))
            return redirect(request.path)
    context = {
        **_context(model_admin, request, enquiry, _("Deadlines and reminders")),
        "clock": EnquiryClock.objects.filter(enquiry=enquiry).first(),
        "now": timezone.now(),
        "pauses": ClockPause.objects.filter(enquiry=enquiry).select_related(
            "paused_by", "ended_by"
        ),
        "reminders": Reminder.objects.filter(enquiry=enquiry).select_related(
            "recipient_user", "recipient_service", "referral__service"
        ),
        "form": form,
    }
    return TemplateResponse(request, "admin/routing/clock.html", context)
