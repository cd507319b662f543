"""The team's admin over an enquiry: the list, the enquiry's page with its steps, and the pages
under it. Thin: forms parse (``casework.forms``), services write, selectors read and log."""

from __future__ import annotations

from functools import partial
from typing import Any

from django import http
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django_fsm.admin import FSMAdminMixin

from casework import (
    admin_measures,
    admin_work,
    assignment,
    links,
    notifications,
    same_adult_admin,
    services,
)
from casework import policies as casework_policies
from casework import selectors as casework_selectors
from casework.forms import (
    TRANSITION_FORMS,
    ChildWelfareForm,
    PauseForm,
    ReporterMessageForm,
)
from casework.models import Reminder
from intake import break_glass, clock, persons, policies, public, selectors, submissions
from intake import services as intake_services
from intake.admin import enquiry_or_redirect, enquiry_page_context
from intake.forms import EnquiryAdminForm
from intake.models import (
    ClockPause,
    Enquiry,
    EnquiryClock,
    EnquiryReceipt,
    RiskAssessment,
    State,
    StateChange,
)
from kernel.admin_search import PostedSearchAdmin
from kernel.errors import ConflictError, EnquiryClosed, TransitionRefused
from kernel.forms import ServiceRefusalsOnForm, add_errors
from kernel.ids import uuid_or_none
from routing import admin as routing_admin
from routing import selectors as routing_selectors
from routing.models import Referral

# A form sent twice (a double click, a reload) is taken once (intake.submissions).
ALREADY_RECEIVED = gettext_lazy("This was already received; nothing was saved twice.")


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
        overdue = casework_selectors.overdue_enquiries(request.user, mine=self.value() == "mine")
        return queryset.filter(pk__in=overdue.values("pk"))


class AssignedFilter(admin.SimpleListFilter):
    """Who works the enquiry: me, or nobody yet (the start pages of accounts.start link here)."""

    title = gettext_lazy("assigned to")
    parameter_name = "assigned"

    def lookups(self, request: http.HttpRequest, model_admin: Any) -> list[tuple[str, Any]]:
        return [("me", gettext_lazy("Me")), ("nobody", gettext_lazy("Nobody"))]

    def queryset(self, request: http.HttpRequest, queryset: Any) -> Any:
        if self.value() == "me":
            return queryset.filter(assigned_to=request.user)
        if self.value() == "nobody":
            return queryset.filter(assigned_to__isnull=True)
        return queryset


class ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False
    show_change_link = False

    def has_add_permission(self, request: http.HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: http.HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: http.HttpRequest, obj: Any = None) -> bool:
        return False

    def has_view_permission(self, request: http.HttpRequest, obj: Any = None) -> bool:
        # Shown only on an enquiry's page, which the enquiry's own policy has already let the
        # user see. (Django also asks without an object, to decide whether to list any rows.)
        return request.user.has_perm("intake.view_enquiry")


class AssessmentInline(ReadOnlyInline):
    model = RiskAssessment
    fields = (
        "version",
        "computed_level",
        "level",
        "override_reason",
        "acute_criteria_met",
        "instrument",
        "assessed_by",
        "assessed_at",
    )
    readonly_fields = fields
    verbose_name_plural = gettext_lazy("Risk assessments")


class ReferralInline(ReadOnlyInline):
    model = Referral
    fields = (
        "service",
        "status",  # issue 16: "to contact by phone", not "sent", until the call is recorded
        "legal_basis",
        "basis_decided_by",
        "sent_at",
        "due_at",
        "acknowledged_at",
        "decline_reason",
        "completed_at",
        "completion_note",
    )
    readonly_fields = fields

    @admin.display(description=gettext_lazy("state"))
    def status(self, referral: Referral) -> str:
        return referral.status_label()


class StateChangeInline(ReadOnlyInline):
    model = StateChange
    fields = ("at", "step", "source", "target", "actor", "reason")
    readonly_fields = fields
    verbose_name_plural = gettext_lazy("History")

    @admin.display(description=gettext_lazy("step"))
    def step(self, change: StateChange) -> str:
        return change.transition_label


@admin.register(Enquiry)
class EnquiryAdmin(PostedSearchAdmin, ServiceRefusalsOnForm, FSMAdminMixin, admin.ModelAdmin):
    """The team's page for an enquiry: its facts, the steps the user may take (django-fsm-2's
    buttons, each opening its form from ``casework.forms``), and the pages under it."""

    fsm_fields = ["state"]
    fsm_forms = TRANSITION_FORMS
    form = EnquiryAdminForm
    # The model's version is not editable; the form's own hidden field carries it (optimistic
    # lock). Without this, building the change form fails with a FieldError.
    exclude = ("version",)
    change_form_template = "admin/intake/enquiry/change_form.html"
    list_display = (
        "reference",
        "state",
        "risk_level",
        "received_at",
        "next_deadline",
        "channel",
        "assigned_to",
    )
    list_filter = (OverdueFilter, AssignedFilter, "state", "risk_level", "team")
    search_fields = ("reference",)
    list_per_page = 50
    show_full_result_count = False
    list_select_related = ("assigned_to",)
    inlines = [AssessmentInline, ReferralInline, StateChangeInline]
    fieldsets = (
        (
            None,
            {
                "fields": (
                    "reference",
                    "state",
                    "risk_level",
                    "team",
                    "assigned_to",
                    "channel",
                    "received_at",
                    "seen_version",
                )
            },
        ),
        (
            gettext_lazy("Reporter"),
            {
                "fields": (
                    "reporter_type",
                    "reporter_name",
                    "reporter_phone",
                    "reporter_email",
                    "reporter_organisation",
                )
            },
        ),
        (
            gettext_lazy("The adult at risk"),
            {
                "fields": (
                    "subject_name",
                    "subject_national_id",
                    "subject_birth_date",
                    "subject_birth_year",
                    "subject_gender",
                    "subject_address",
                    "subject_phone",
                    "subject_knows_about_enquiry",
                    "subject_consents_to_forwarding",
                    "subject_consent_capacity_doubted",
                )
            },
        ),
        (
            gettext_lazy("The concern"),
            {
                "fields": (
                    "description",
                    "violence_types",
                    "risk_factors",
                    "perpetrator_relation",
                    "location",
                    "immediate_danger",
                    "children_in_household",
                )
            },
        ),
        (
            gettext_lazy("Closing"),
            {"fields": ("outcome", "outcome_asked", "outcome_achieved", "close_note", "closed_at")},
        ),
    )

    def get_urls(self) -> list[Any]:
        # The pages under an enquiry, in front of the admin's own enquiry URLs: routing's (legal
        # duties, a new referral link) and casework's (the clock, the under-18 referral, the
        # messages with the reporter).
        view = self.admin_site.admin_view
        pages = [
            path(
                "<path:object_id>/reporter-messages/",
                view(self.reporter_messages_view),
                name="intake_enquiry_reporter_messages",
            ),
            path(
                "<path:object_id>/child-welfare/",
                view(partial(child_welfare_view, self)),
                name="intake_enquiry_child_welfare",
            ),
            path(
                "<path:object_id>/clock/",
                view(partial(clock_view, self)),
                name="intake_enquiry_clock",
            ),
            # The work on an enquiry (issue 16): casework.admin_work.
            path(
                "mine/", view(partial(admin_work.my_cases_view, self)), name="intake_enquiry_mine"
            ),
            path(
                "notices/",
                view(partial(admin_work.notices_view, self)),
                name="intake_enquiry_notices",
            ),
            path(
                "<path:object_id>/take/",
                view(partial(admin_work.take_view, self)),
                name="intake_enquiry_take",
            ),
            path(
                "<path:object_id>/journal/",
                view(partial(admin_work.journal_view, self)),
                name="intake_enquiry_journal",
            ),
            path(
                "<path:object_id>/tasks/<str:task_id>/close/",
                view(partial(admin_work.task_close_view, self)),
                name="intake_enquiry_task_close",
            ),
            path(
                "<path:object_id>/tasks/",
                view(partial(admin_work.tasks_view, self)),
                name="intake_enquiry_tasks",
            ),
            # The same adult (issue 17): casework/same_adult_admin.py
            path(
                "same-adult-hint/",
                view(partial(same_adult_admin.hint_view, self)),
                name="intake_enquiry_same_adult_hint",
            ),
            path(
                "person-search/",
                view(partial(same_adult_admin.search_view, self)),
                name="intake_enquiry_person_search",
            ),
            path(
                "<path:object_id>/links/",
                view(partial(same_adult_admin.link_view, self)),
                name="intake_enquiry_links",
            ),
            path(
                "<path:object_id>/duplicate/",
                view(partial(same_adult_admin.duplicate_view, self)),
                name="intake_enquiry_duplicate",
            ),
        ]
        return [
            *pages,
            *admin_measures.enquiry_pages(self),  # issue 16: measures
            *routing_admin.enquiry_pages(self),
            *super().get_urls(),
        ]

    # --- Scope and permissions: the policies decide, per object ---

    def get_queryset(self, request: http.HttpRequest) -> Any:
        # With "Frist" (the next deadline), so the list can show and sort by it.
        return assignment.with_next_deadline(selectors.enquiries_visible_to(request.user))

    @admin.display(description=gettext_lazy("Deadline"), ordering="next_deadline")
    def next_deadline(self, obj: Enquiry) -> Any:
        """ "Frist": the earliest of the running clock and the open tasks (issue 16)."""
        return getattr(obj, "next_deadline", None) or "–"

    def has_module_permission(self, request: http.HttpRequest) -> bool:
        return request.user.has_perm("intake.view_enquiry")

    def has_view_permission(self, request: http.HttpRequest, obj: Any = None) -> bool:
        if obj is None:
            return request.user.has_perm("intake.view_enquiry")
        return (
            policies.may_view(request.user, obj) or getattr(request, "_enquiry_read", None) is obj
        )

    def has_change_permission(self, request: http.HttpRequest, obj: Any = None) -> bool:
        if obj is None:
            return request.user.has_perm("intake.change_enquiry")
        return policies.may_edit(request.user, obj)

    def has_add_permission(self, request: http.HttpRequest) -> bool:
        return request.user.has_perm("intake.add_enquiry") and request.user.team_id is not None

    def has_delete_permission(self, request: http.HttpRequest, obj: Any = None) -> bool:
        return False  # enquiries are closed, never deleted; retention is a separate process

    def get_readonly_fields(self, request: http.HttpRequest, obj: Any = None) -> tuple[str, ...]:
        fixed = [
            "reference",
            "state",
            "risk_level",
            "team",
            "received_at",
            "outcome",
            "outcome_asked",
            "outcome_achieved",
            "close_note",
            "closed_at",
        ]
        if obj is None or not policies.may_assign(request.user, obj):
            fixed.append("assigned_to")
        return tuple(fixed)

    def get_fieldsets(self, request: http.HttpRequest, obj: Any = None) -> Any:
        if obj is None:  # adding: the facts only
            return [
                (
                    name,
                    {"fields": [f for f in opts["fields"] if f in intake_services.EDITABLE_FIELDS]},
                )
                for name, opts in self.fieldsets
                if any(f in intake_services.EDITABLE_FIELDS for f in opts["fields"])
            ]
        return self.fieldsets

    def get_inlines(self, request: http.HttpRequest, obj: Any = None) -> list[Any]:
        return self.inlines if obj is not None else []

    # --- Reads are logged ---

    def get_changelist_instance(self, request: http.HttpRequest) -> Any:
        changelist = super().get_changelist_instance(request)
        filters = {
            key: value
            for key, value in request.GET.items()
            if key in {"state__exact", "risk_level__exact", "team__id__exact", "overdue", "p", "o"}
        }
        if changelist.query:
            filters["search"] = True  # the search text itself may be personal data
        selectors.log_enquiries_listed(
            actor=request.user, enquiries=changelist.result_list, filters=filters
        )
        return changelist

    def change_view(
        self,
        request: http.HttpRequest,
        object_id: str,
        form_url: str = "",
        extra_context: dict[str, Any] | None = None,
    ) -> http.HttpResponse:
        reason = break_glass.granted_reason(request, object_id)
        if (
            not reason
            and policies.may_break_glass(request.user)
            and not (
                selectors.enquiries_visible_to(request.user)
                .filter(pk=uuid_or_none(object_id))
                .exists()
            )
        ):
            # Another team's (or no) enquiry: ask a coordinator why before reading anything.
            form = break_glass.BreakGlassForm(
                request.POST if "_break_glass" in request.POST else None
            )
            if form.is_valid():
                break_glass.grant(request, object_id, form.cleaned_data["reason"])
                return http.HttpResponseRedirect(request.path)
            context = {
                **self.admin_site.each_context(request),
                "opts": self.opts,
                "form": form,
                "title": _("State a reason"),
            }
            return TemplateResponse(request, "admin/intake/enquiry/break_glass.html", context)
        try:
            enquiry = selectors.enquiry_for_actor(actor=request.user, pk=object_id, reason=reason)
        except Enquiry.DoesNotExist:
            return self._get_obj_does_not_exist_redirect(request, self.opts, object_id)
        # The page shows the very object the selector read and logged (read-only after a break
        # of the glass: has_change_permission still asks the team policy).
        request._enquiry_read = enquiry  # type: ignore[attr-defined]
        # Opening the enquiry reads its notices of new work (issue 16).
        notifications.notices_read(user=request.user, enquiry_id=enquiry.pk)
        extra_context = {
            **(extra_context or {}),
            "may_take": casework_policies.may_take(request.user, enquiry)
            and enquiry.assigned_to_id != request.user.pk,
            "may_write_journal": casework_policies.may_write_journal(request.user, enquiry),
            # Re-assessing keeps the state, so it is no state-machine button: a link to the form.
            "can_reassess": enquiry.state in (State.RISK_ASSESSED, State.FORWARDED)
            and policies.may_transition(request.user, enquiry, "assess"),
            "same_adult": same_adult_admin.panel(request, enquiry),  # issue 17
        }
        return super().change_view(request, object_id, form_url, extra_context)

    def get_object(self, request: http.HttpRequest, object_id: str, from_field: Any = None) -> Any:
        enquiry = getattr(request, "_enquiry_read", None)
        if enquiry is not None and from_field is None and str(enquiry.pk) == str(object_id):
            return enquiry
        return super().get_object(request, object_id, from_field)

    def changeform_view(
        self, request: http.HttpRequest, *args: Any, **kwargs: Any
    ) -> http.HttpResponse:
        try:
            return super().changeform_view(request, *args, **kwargs)
        except ConflictError as exc:
            self.message_user(request, str(exc), messages.ERROR)
            return http.HttpResponseRedirect(request.path)
        except PermissionDenied as exc:
            read = getattr(request, "_enquiry_read", None)
            if not str(exc) and read is not None and not read.is_open:
                exc = EnquiryClosed()  # Django's own refusal to save a read-only page
            self.message_user(request, str(exc) or _("You may not do this."), messages.ERROR)
            return http.HttpResponseRedirect(request.path)

    # --- Writes go through the services ---

    def save_model(
        self, request: http.HttpRequest, obj: Enquiry, form: EnquiryAdminForm, change: bool
    ) -> None:
        if not change:
            values = {
                name: form.cleaned_data[name]
                for name in intake_services.EDITABLE_FIELDS
                if name in form.cleaned_data and name != "channel"
            }
            values = {
                k: (
                    ""
                    if v is None and k in {"subject_gender", "perpetrator_relation", "location"}
                    else v
                )
                for k, v in values.items()
            }
            created = intake_services.enquiry_create(
                actor=request.user, values=values, channel=form.cleaned_data["channel"]
            )
            obj.__dict__.update(created.__dict__)
            return
        original = Enquiry.objects.get(pk=obj.pk)
        seen_version = form.cleaned_data.get("seen_version")
        if seen_version is not None:
            original.version = seen_version
        changes = form.changes()
        if changes:
            intake_services.enquiry_update(enquiry=original, actor=request.user, changes=changes)
        if "assigned_to" in form.changed_data:
            services.enquiry_assign(
                enquiry=original, actor=request.user, assignee=form.cleaned_data.get("assigned_to")
            )

    # --- Transitions: django-fsm-2's buttons, our forms, the services do the work ---

    def _apply_fsm_transition(
        self, *, obj: Any, transition_name: str, request: http.HttpRequest, kwargs: Any = None
    ) -> bool:
        # Every transition has a form; a bare transition POST never moves the state.
        self.message_user(request, _("Use the form for this step."), messages.ERROR)
        return False

    def fsm_transition_view(
        self, request: http.HttpRequest, object_id: str, transition_name: str, **kwargs: Any
    ) -> http.HttpResponse:
        change_url = reverse("admin:intake_enquiry_change", args=[object_id])
        form_class = TRANSITION_FORMS.get(transition_name)
        if form_class is None:
            raise http.Http404
        try:
            enquiry = selectors.enquiry_for_actor(actor=request.user, pk=object_id)
        except Enquiry.DoesNotExist:
            return self._get_obj_does_not_exist_redirect(request, self.opts, object_id)
        if not policies.may_transition(request.user, enquiry, transition_name):
            self.message_user(request, _("You may not take this step."), messages.ERROR)
            return redirect(change_url)
        # Issue 16: the forwarding form ticks what the rules say to; the risk form starts from
        # what intake was told.
        suggestions = self._suggestions(enquiry) if transition_name == "forward" else []
        extra = {"suggestions": suggestions} if transition_name == "forward" else {}
        form = form_class(request.POST or None, enquiry=enquiry, **extra)
        if request.method == "POST" and form.is_valid():
            enquiry.version = form.cleaned_data["version"]
            try:
                form.apply(actor=request.user)
            except ValidationError as exc:
                add_errors(form, exc)
            except (ConflictError, TransitionRefused, PermissionDenied) as exc:
                self.message_user(
                    request, str(exc) or _("You may not take this step."), messages.ERROR
                )
                return redirect(change_url)
            else:
                self.message_user(request, _("Saved."), messages.SUCCESS)
                return redirect(change_url)
        transition = self._get_fsm_transition_by_name(obj=enquiry, transition_name=transition_name)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "original": enquiry,
            "title": self.get_fsm_label(transition),
            "transition_name": transition_name,
            "transition_label": self.get_fsm_label(transition),
            "form": form,
            "suggestions": suggestions,
            # Issue 17: repeated concerns, for the instrument's question on them.
            "repeat_count": persons.count_last_12_months(actor=request.user, enquiry=enquiry)
            if transition_name == "assess"
            else None,
        }
        return TemplateResponse(request, "admin/intake/enquiry/transition_form.html", context)

    @staticmethod
    def _suggestions(enquiry: Enquiry) -> list[Any]:
        return routing_selectors.suggestions_for(enquiry)

    def get_fsm_block_label(self, fsm_field_name: str) -> str:  # type: ignore[override]
        return _("Next step")

    # --- Messages with a reporter who follows the enquiry with a receipt code (issue 8) ---

    def reporter_messages_view(
        self, request: http.HttpRequest, object_id: str
    ) -> http.HttpResponse:
        try:
            enquiry = selectors.enquiry_for_actor(actor=request.user, pk=object_id)
        except Enquiry.DoesNotExist:
            return self._get_obj_does_not_exist_redirect(request, self.opts, object_id)
        may_write = policies.may_edit(request.user, enquiry)
        form = ReporterMessageForm(request.POST or None)
        if request.method == "POST":
            if not may_write:
                self.message_user(
                    request, _("You may not do this with this enquiry."), messages.ERROR
                )
                return redirect(request.path)
            if form.is_valid():
                try:
                    with transaction.atomic():
                        form.use_once()
                        public.reporter_message_send(
                            enquiry=enquiry, actor=request.user, text=form.cleaned_data["text"]
                        )
                except ValidationError as exc:
                    add_errors(form, exc, to="text")
                except submissions.AlreadyReceived:
                    self.message_user(request, str(ALREADY_RECEIVED), messages.INFO)
                    return redirect(request.path)
                else:
                    self.message_user(
                        request,
                        _("Sent. The reporter reads it with their receipt code."),
                        messages.SUCCESS,
                    )
                    return redirect(request.path)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "original": enquiry,
            "title": _("Messages with the reporter"),
            "has_receipt": EnquiryReceipt.objects.filter(enquiry=enquiry).exists(),
            # With the messages of enquiries closed as duplicates of this one (issue 17).
            "reporter_messages": links.reporter_messages_in_timeline(enquiry),
            "form": form if may_write else None,
            "change_url": reverse("admin:intake_enquiry_change", args=[enquiry.pk]),
        }
        return TemplateResponse(request, "admin/intake/enquiry/reporter_messages.html", context)


# --- Pages under an enquiry ---


def child_welfare_view(
    model_admin: Any, request: http.HttpRequest, object_id: str
) -> http.HttpResponse:
    enquiry = enquiry_or_redirect(model_admin, request, object_id)
    if not isinstance(enquiry, Enquiry):
        return enquiry
    change_url = reverse("admin:intake_enquiry_change", args=[enquiry.pk])
    if not routing_selectors.is_child_welfare_case(enquiry) or not enquiry.is_open:
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
        **enquiry_page_context(
            model_admin, request, enquiry, _("Refer to the child welfare service")
        ),
        "form": form,
    }
    return TemplateResponse(request, "admin/casework/child_welfare.html", context)


def clock_view(model_admin: Any, request: http.HttpRequest, object_id: str) -> http.HttpResponse:
    """The enquiry's deadline, its pauses and every reminder sent; pause or resume the clock."""
    enquiry = enquiry_or_redirect(model_admin, request, object_id)
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
                clock.enquiry_clock_resume(enquiry=enquiry, actor=request.user)
                messages.success(request, _("The clock runs again."))
                return redirect(request.path)
            if form is not None and form.is_valid():
                try:
                    with transaction.atomic():
                        form.use_once()
                        clock.enquiry_clock_pause(
                            enquiry=enquiry,
                            actor=request.user,
                            until=form.cleaned_data["until"],
                            reason=form.cleaned_data["reason"],
                        )
                except submissions.AlreadyReceived:
                    messages.info(request, str(ALREADY_RECEIVED))
                    return redirect(request.path)
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
        **enquiry_page_context(model_admin, request, enquiry, _("Deadlines and reminders")),
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
    return TemplateResponse(request, "admin/casework/clock.html", context)
