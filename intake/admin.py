"""The admin of the enquiry record's own settings: the risk instrument and the deadlines; and the
helpers that every page under an enquiry uses (``casework.admin``, ``routing.admin``).

The enquiry's own page and its steps are ``casework.admin`` (they take the workflow's steps).
"""

from __future__ import annotations

from typing import Any

from django import forms, http
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.template.loader import render_to_string
from django.template.response import TemplateResponse
from django.urls import URLPattern, path, reverse
from django.utils.text import capfirst, slugify
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _

from intake import clock, selectors
from intake.instrument import (
    instrument_items_save,
    instrument_new_draft,
    instrument_publish,
    instrument_save,
)
from intake.models import (
    GROUP_LEVELS,
    LEVEL_WHEN_IMMEDIATE_DANGER,
    LEVEL_WITHOUT_YES,
    AssessmentInstrument,
    Deadline,
    Enquiry,
    InstrumentGroup,
    InstrumentItem,
)
from kernel.forms import ServiceRefusalsOnForm
from kernel.vocabulary import label, risk_level_rank

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


class InstrumentItemForm(forms.ModelForm):
    """A question: texts that wrap (never a line wider than the page), a code made from the
    English text when left empty."""

    class Meta:
        model = InstrumentItem
        fields = ("position", "group", "text_nb", "text_en", "code")
        widgets = {
            "position": forms.NumberInput(attrs={"class": "vIntegerField", "min": 0}),
            "text_nb": forms.Textarea(attrs={"rows": 4, "cols": 30}),
            "text_en": forms.Textarea(attrs={"rows": 4, "cols": 30}),
            "code": forms.TextInput(attrs={"size": 14}),
        }
        help_texts = {
            "code": gettext_lazy("Stored with the answers; made from the English text if empty.")
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if "code" in self.fields:  # not shown for a published version
            self.fields["code"].required = False

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if not data.get("code") and data.get("text_en"):
            data["code"] = slugify(data["text_en"]).replace("-", "_")[:60].strip("_")
            self.instance.code = data["code"]
        return data


class InstrumentItemFormSet(forms.BaseInlineFormSet):
    """The questions' rows: each field named for a screen reader ("Text (Norwegian), question
    3"), since a table row's inputs have no label of their own."""

    def add_fields(self, form: forms.Form, index: int | None) -> None:
        super().add_fields(form, index)
        row = _("question %(n)s") % {"n": index + 1} if index is not None else _("new question")
        for field in form.fields.values():
            if not field.widget.is_hidden:
                field.widget.attrs["aria-label"] = f"{capfirst(field.label)}, {row}"


class InstrumentItemInline(admin.TabularInline):
    model = InstrumentItem
    form = InstrumentItemForm
    formset = InstrumentItemFormSet
    extra = 0
    fields = ("position", "group", "text_nb", "text_en", "code")

    def _editable(self, obj: AssessmentInstrument | None) -> bool:
        return obj is None or obj.published_at is None

    def get_fields(self, request: http.HttpRequest, obj: Any = None) -> Any:
        # A published version is read, not edited: its questions without their stored codes.
        fields = super().get_fields(request, obj)
        return fields if self._editable(obj) else [f for f in fields if f != "code"]

    def has_add_permission(self, request: http.HttpRequest, obj: Any = None) -> bool:
        return self._editable(obj) and super().has_add_permission(request, obj)

    def has_change_permission(self, request: http.HttpRequest, obj: Any = None) -> bool:
        return self._editable(obj) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request: http.HttpRequest, obj: Any = None) -> bool:
        return self._editable(obj) and super().has_delete_permission(request, obj)


def scoring_rows(instrument: AssessmentInstrument | None) -> list[dict[str, Any]]:
    """The instrument's scoring as rows a person reads: what gives which level, most serious
    first (``intake.models.GROUP_LEVELS``, the table ``compute`` applies)."""
    counts: dict[str, int] = {}
    if instrument is not None and instrument.pk is not None:
        for group in instrument.items.values_list("group", flat=True):
            counts[group] = counts.get(group, 0) + 1
    rows = [
        {
            "when": _("Immediate danger is reported in the enquiry"),
            "questions": None,
            "level": label("risk_levels", LEVEL_WHEN_IMMEDIATE_DANGER),
            "rank": risk_level_rank(LEVEL_WHEN_IMMEDIATE_DANGER) + 0.5,
        }
    ]
    for group, level in GROUP_LEVELS.items():
        rows.append(
            {
                "when": _("At least one yes in “%(group)s”")
                % {"group": InstrumentGroup(group).label},
                "questions": counts.get(group, 0),
                "level": label("risk_levels", level),
                "rank": risk_level_rank(level),
            }
        )
    rows.append(
        {
            "when": _("No yes at all"),
            "questions": None,
            "level": label("risk_levels", LEVEL_WITHOUT_YES),
            "rank": -1,
        }
    )
    return sorted(rows, key=lambda row: -row["rank"])


@admin.register(AssessmentInstrument)
class AssessmentInstrumentAdmin(admin.ModelAdmin):
    """Coordinators edit a draft version, then publish it; a published version never changes.

    The page shows the scoring as a table and links to a preview of the level a set of answers
    gives (``preview_view``). Every save goes through ``intake.instrument``'s services.
    """

    list_display = ("name", "version", "published_at")
    inlines = [InstrumentItemInline]
    actions = ["publish", "new_draft"]
    change_form_template = "admin/intake/assessmentinstrument/change_form.html"

    def get_fieldsets(self, request: http.HttpRequest, obj: Any = None) -> list[Any]:
        return [
            (None, {"fields": ("name", "version", "published_at")}),
            (gettext_lazy("How the level is computed"), {"fields": ("scoring",)}),
        ]

    def get_readonly_fields(self, request: http.HttpRequest, obj: Any = None) -> tuple[str, ...]:
        if obj is not None and obj.published_at is not None:
            return ("name", "version", "published_at", "scoring")
        return ("published_at", "scoring")

    @admin.display(description=gettext_lazy("Scoring"))
    def scoring(self, obj: AssessmentInstrument | None) -> str:
        return render_to_string(
            "admin/intake/assessmentinstrument/_scoring.html", {"rows": scoring_rows(obj)}
        )

    def has_change_permission(self, request: http.HttpRequest, obj: Any = None) -> bool:
        # A published version is read, never changed (answers are stored against it).
        if obj is not None and obj.published_at is not None:
            return False
        return super().has_change_permission(request, obj)

    def has_delete_permission(self, request: http.HttpRequest, obj: Any = None) -> bool:
        return False

    def save_model(
        self, request: http.HttpRequest, obj: AssessmentInstrument, form: Any, change: bool
    ) -> None:
        instrument_save(instrument=obj, actor=request.user, fields=form.changed_data)

    def save_formset(
        self, request: http.HttpRequest, form: Any, formset: Any, change: bool
    ) -> None:
        saved = formset.save(commit=False)
        instrument_items_save(
            instrument=form.instance,
            actor=request.user,
            saved=saved,
            deleted=list(formset.deleted_objects),
        )

    def get_urls(self) -> list[URLPattern]:
        preview = path(
            "<path:object_id>/preview/",
            self.admin_site.admin_view(self.preview_view),
            name="intake_assessmentinstrument_preview",
        )
        return [preview, *super().get_urls()]

    def preview_view(self, request: http.HttpRequest, object_id: str) -> http.HttpResponse:
        """Which level a set of answers gives on this version: nothing is stored or logged (the
        answers are made up, about no one)."""
        instrument = self.get_object(request, object_id)
        if instrument is None:
            return self._get_obj_does_not_exist_redirect(request, self.opts, object_id)
        if not self.has_view_or_change_permission(request, instrument):
            raise PermissionDenied
        form = InstrumentPreviewForm(request.GET or None, instrument=instrument)
        result = None
        if form.is_bound and form.is_valid():
            result = form.result()
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "original": instrument,
            "title": _("Preview the level: %(instrument)s") % {"instrument": instrument},
            "form": form,
            "result": result,
            "rows": scoring_rows(instrument),
        }
        return TemplateResponse(request, "admin/intake/assessmentinstrument/preview.html", context)

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


class InstrumentPreviewForm(forms.Form):
    """Made-up answers to one version's questions, grouped as the instrument groups them."""

    immediate_danger = forms.BooleanField(
        label=gettext_lazy("Immediate danger is reported in the enquiry"), required=False
    )

    def __init__(self, *args: Any, instrument: AssessmentInstrument, **kwargs: Any) -> None:
        super().__init__(*args, label_suffix="", **kwargs)
        self.instrument = instrument
        self.items = list(instrument.items.all())
        language = get_language()
        for item in self.items:
            self.fields[f"item_{item.code}"] = forms.BooleanField(
                label=item.text(language), required=False
            )

    def groups(self) -> list[tuple[str, list[Any]]]:
        grouped: dict[str, list[Any]] = {}
        for item in self.items:
            grouped.setdefault(item.group, []).append(self[f"item_{item.code}"])
        return [(InstrumentGroup(group).label, fields) for group, fields in grouped.items()]

    def result(self) -> dict[str, Any]:
        answers = {
            item.code: bool(self.cleaned_data.get(f"item_{item.code}")) for item in self.items
        }
        immediate_danger = bool(self.cleaned_data.get("immediate_danger"))
        level, acute_met = self.instrument.compute(answers, immediate_danger=immediate_danger)
        yes_groups = [
            InstrumentGroup(group).label
            for group in dict.fromkeys(i.group for i in self.items if answers[i.code])
            if GROUP_LEVELS[group] == level
        ]
        if immediate_danger and level == LEVEL_WHEN_IMMEDIATE_DANGER:
            because = [_("immediate danger is reported")]
        else:
            because = [_("at least one yes in “%(group)s”") % {"group": g} for g in yes_groups]
        return {
            "level": level,
            "label": label("risk_levels", level),
            "acute_criteria_met": acute_met,
            "because": because or [_("no question is answered yes")],
        }


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
