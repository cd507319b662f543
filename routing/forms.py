"""The directory's and the rules' admin forms: structured data as fields, never typed as JSON.

A routing rule's conditions are one field per condition key (``routing.models.CONDITION_KEYS``,
with the vocabulary's choices); a service's phone numbers are rows; its opening hours a week table
with exceptions (``kernel.opening_hours``). Each form builds the JSON the model stores and checks it
with the model's own validators, so a message lands on the field it is about. Saving is the
admin's, through ``routing.services``.
"""

from __future__ import annotations

import datetime as dt
import itertools
import re
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.dates import WEEKDAYS as WEEKDAY_NAMES
from django.utils.dates import WEEKDAYS_ABBR
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext, pgettext_lazy

from kernel import opening_hours
from kernel.languages import resident_languages
from kernel.opening_hours import ALWAYS, HOLIDAYS_AS_SUNDAY, HOLIDAYS_CLOSED, WEEKDAYS
from kernel.vocabulary import choices
from routing.models import (
    CONDITION_KEYS,
    CONDITION_VOCABULARY,
    HelpService,
    RoutingRule,
    condition_errors,
)

# --- Routing rules ---

# Each condition key's field: its label and help, in the words the team uses.
CONDITION_LABELS: dict[str, tuple[Any, Any]] = {
    "immediate_danger": (_("Immediate danger is reported"), ""),
    "risk_level_at_least": (
        _("Risk level at least"),
        _("Needs a risk assessment: low < moderate < high < acute."),
    ),
    "violence_any": (_("Type of violence (at least one of)"), ""),
    "risk_factors_any": (_("Vulnerability (at least one of)"), ""),
    "relation_any": (_("Perpetrator's relation (one of)"), ""),
    "location_any": (_("Location (one of)"), ""),
    "age_at_least": (
        _("Age at least"),
        _("In whole years, from the birth date or year; an unknown age never matches."),
    ),
    "age_below": (_("Age below"), _("In whole years; an unknown age never matches.")),
    "children_in_household": (_("Children live in the household"), ""),
    "acute_criteria_met": (_("The assessment's acute criteria held"), ""),
}
AGE_OLDEST = 130


def _condition_field(key: str) -> forms.Field:
    label, help_text = CONDITION_LABELS[key]
    kind = CONDITION_KEYS[key]
    if kind is bool:
        return forms.BooleanField(label=label, help_text=help_text, required=False)
    if kind is int:
        return forms.IntegerField(
            label=label, help_text=help_text, required=False, min_value=0, max_value=AGE_OLDEST
        )
    group = CONDITION_VOCABULARY[key]
    if kind is list:
        return forms.MultipleChoiceField(
            label=label,
            help_text=help_text,
            required=False,
            choices=lambda group=group: choices(group),
            widget=forms.CheckboxSelectMultiple(attrs={"class": "choice-columns"}),
        )
    return forms.ChoiceField(
        label=label,
        help_text=help_text,
        required=False,
        choices=lambda group=group: [("", _("(no condition)")), *choices(group)],
    )


class RoutingRuleForm(forms.ModelForm):
    """A rule with its conditions as fields; the stored JSON holds only the conditions filled in.

    An empty field does not constrain; a rule whose fields are all empty matches every enquiry.
    """

    class Meta:
        model = RoutingRule
        fields = [
            "name",
            "service",
            "for_whom",
            "priority",
            "legal_duty",
            "preselect",
            "reason_nb",
            "reason_en",
            "active",
        ]
        widgets = {
            "reason_nb": forms.Textarea(attrs={"rows": 2, "cols": 60}),
            "reason_en": forms.Textarea(attrs={"rows": 2, "cols": 60}),
        }

    # One field per condition key, named as the key (a test checks that none is missing).
    immediate_danger = _condition_field("immediate_danger")
    risk_level_at_least = _condition_field("risk_level_at_least")
    violence_any = _condition_field("violence_any")
    risk_factors_any = _condition_field("risk_factors_any")
    relation_any = _condition_field("relation_any")
    location_any = _condition_field("location_any")
    age_at_least = _condition_field("age_at_least")
    age_below = _condition_field("age_below")
    children_in_household = _condition_field("children_in_household")
    acute_criteria_met = _condition_field("acute_criteria_met")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        conditions = self.instance.conditions if isinstance(self.instance.conditions, dict) else {}
        if not self.is_bound:
            for key in CONDITION_KEYS:
                if key in conditions:
                    self.initial[key] = conditions[key]

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        conditions: dict[str, Any] = {}
        for key, kind in CONDITION_KEYS.items():
            value = data.get(key)
            if kind is bool and value:
                conditions[key] = True
            elif kind is int and value is not None:
                conditions[key] = value
            elif kind in (list, str) and value:
                conditions[key] = list(value) if kind is list else value
        for key, messages in condition_errors(conditions).items():
            for message in messages:
                self.add_error(key if key in self.fields else None, message)
        self.instance.conditions = conditions
        return data

    def changed_model_fields(self) -> list[str]:
        """The model's fields this save changes (conditions once, whichever condition changed)."""
        fields = [name for name in self.changed_data if name not in CONDITION_KEYS]
        if any(name in CONDITION_KEYS for name in self.changed_data):
            fields.append("conditions")
        return fields


# --- A service's phone numbers ---


class _RowForm(forms.Form):
    """A row of a table of rows: a row left (or made) wholly empty is no row at all."""

    def has_changed(self) -> bool:
        return any(
            self[name].data not in (None, "", False)
            for name in self.fields
            if name != forms.formsets.DELETION_FIELD_NAME
        )


class _RowFormSet(forms.BaseFormSet):
    """Rows left wholly empty are ignored, even rows that held a value before (emptying a row
    removes it, as its delete box does)."""

    def get_form_kwargs(self, index: int | None) -> dict[str, Any]:
        return {"empty_permitted": True}

    def rows(self) -> list[dict[str, Any]]:
        return [
            form.cleaned_data
            for form in self.forms
            if form.has_changed() and not self._should_delete_form(form) and form.cleaned_data
        ]


PHONE_NUMBER = re.compile(r"^\+?[0-9][0-9 ]{1,18}[0-9]$")


class PhoneForm(_RowForm):
    # No help text per row: the table's description says it once (a help text per row would be
    # read out again on every row).
    label = forms.CharField(label=_("What the number is for"), max_length=100)
    number = forms.CharField(label=_("Phone number"), max_length=24)

    def clean_number(self) -> str:
        number = " ".join(self.cleaned_data["number"].split())
        if not PHONE_NUMBER.match(number):
            raise ValidationError(
                _(
                    "Write the number with digits and spaces (a + first for abroad), e.g. 33 35 91 91."
                )
            )
        return number


PhoneFormSet = forms.formset_factory(
    PhoneForm, formset=_RowFormSet, extra=2, can_delete=True, max_num=20, validate_max=True
)


# --- Opening hours: a week table with exceptions ---


class HoursKind:
    UNKNOWN = "unknown"
    ALWAYS = "always"
    WEEK = "week"
    CHOICES = [
        (UNKNOWN, _("Not known")),
        (ALWAYS, _("Open day and night, every day (24/7)")),
        (WEEK, _("By the week table below")),
    ]


def _time_field(label: Any) -> forms.TimeField:
    return forms.TimeField(
        label=label,
        required=False,
        widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
    )


class _PeriodsForm(forms.Form):
    """Up to two periods (opens–closes); a pair half filled in or ending before it starts is an
    error on the field that is wrong."""

    PAIRS = (("opens", "closes"), ("opens_2", "closes_2"))

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        for opens, closes in self.PAIRS:
            if opens not in self.fields:
                continue
            start, end = data.get(opens), data.get(closes)
            if start and not end and closes not in self.errors:
                self.add_error(closes, _("Give the closing time too."))
            elif end and not start and opens not in self.errors:
                self.add_error(opens, _("Give the opening time too."))
            elif start and end and end <= start:
                self.add_error(closes, _("The closing time must be after the opening time."))
        start, end = data.get("closes"), data.get("opens_2")
        if start and end and end < start and "opens_2" in self.fields:
            self.add_error("opens_2", _("The second period must start after the first ends."))
        return data

    def periods(self) -> list[dict[str, str]]:
        return [
            {
                "from": self.cleaned_data[o].strftime("%H:%M"),
                "to": self.cleaned_data[c].strftime("%H:%M"),
            }
            for o, c in self.PAIRS
            if o in self.fields and self.cleaned_data.get(o) and self.cleaned_data.get(c)
        ]


class WeekdayForm(_PeriodsForm):
    opens = _time_field(_("Opens"))
    closes = _time_field(_("Closes"))
    opens_2 = _time_field(_("Opens again"))
    closes_2 = _time_field(_("Closes again"))

    def __init__(self, *args: Any, day: str = "", **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.day = day
        self.day_name = capfirst(WEEKDAY_NAMES[WEEKDAYS.index(day)]) if day else ""


class _WeekFormSet(forms.BaseFormSet):
    def get_form_kwargs(self, index: int) -> dict[str, Any]:
        return {"day": WEEKDAYS[index]}


WeekFormSet = forms.formset_factory(
    WeekdayForm, formset=_WeekFormSet, extra=0, min_num=7, max_num=7, validate_max=True
)


class ExceptionForm(_RowForm, _PeriodsForm):
    PAIRS = (("opens", "closes"),)

    date_from = forms.DateField(
        label=_("From"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    date_to = forms.DateField(
        label=_("To and including"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    note = forms.CharField(
        label=_("What it is"), max_length=opening_hours.NOTE_LONGEST, required=False
    )
    closed = forms.BooleanField(label=pgettext_lazy("opening hours", "Closed"), required=False)
    opens = _time_field(_("Opens"))
    closes = _time_field(_("Closes"))

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        first, last = data.get("date_from"), data.get("date_to")
        if first and last and last < first:
            self.add_error("date_to", _("The last day must not be before the first."))
        if data.get("closed"):
            if data.get("opens") or data.get("closes"):
                self.add_error("closed", _("Either closed, or opening and closing times."))
        elif not data.get("opens") and "opens" not in self.errors and "closes" not in self.errors:
            self.add_error("opens", _("Give the opening hours on these days, or tick “Closed”."))
        return data


class _ExceptionFormSet(_RowFormSet):
    def clean(self) -> None:
        if any(self.errors):
            return
        spans: list[tuple[dt.date, dt.date, forms.Form]] = []
        for form in self.forms:
            if form.has_changed() and not self._should_delete_form(form) and form.cleaned_data:
                spans.append((form.cleaned_data["date_from"], form.cleaned_data["date_to"], form))
        spans.sort(key=lambda span: span[:2])
        for (_first, last, _form), (next_first, _last, form) in itertools.pairwise(spans):
            if next_first <= last:
                form.add_error("date_from", _("This overlaps another exception."))


ExceptionFormSet = forms.formset_factory(
    ExceptionForm,
    formset=_ExceptionFormSet,
    extra=2,
    can_delete=True,
    max_num=50,
    validate_max=True,
)


def _time(value: str) -> dt.time:
    return dt.time.fromisoformat(value)


def _day_initial(periods: list[dict[str, str]]) -> dict[str, Any]:
    initial: dict[str, Any] = {}
    for (opens, closes), period in zip(_PeriodsForm.PAIRS, periods, strict=False):
        initial[opens], initial[closes] = _time(period["from"]), _time(period["to"])
    return initial


# The residents' help page (/hjelp/): what a service offers and whom it is for, in plain words,
# one text per residents' language (stored together in ``HelpService.public_texts``).
TEXT_KEYS = {
    "offers": _("What the service offers"),
    "for_whom": _("Whom it is for"),
}


def text_field_name(key: str, language: str) -> str:
    return f"{key}_{language}"


class _HelpServiceFormBase(forms.ModelForm):
    """A directory service, with its phone numbers as rows, its hours as a week table, and the
    help page's situations as checkboxes and its texts as one field per residents' language,
    instead of the JSON they are stored as.

    The rows are formsets bound to the same POST (prefixes ``phones``, ``week``, ``exceptions``);
    their errors stop the save and are shown beside their fields.
    """

    situations = forms.MultipleChoiceField(
        label=_("Situations on the help page"),
        help_text=_("The residents' help page (/hjelp/) lists the service under these."),
        choices=lambda: choices("help_situations"),
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )

    hours_kind = forms.ChoiceField(
        label=_("Opening hours"), choices=HoursKind.CHOICES, widget=forms.RadioSelect
    )
    url = forms.URLField(
        label=capfirst(HelpService._meta.get_field("url").verbose_name),
        required=False,
        assume_scheme="https",  # a service's site is https; Django 6 assumes so too
    )
    holidays = forms.ChoiceField(
        label=_("On public holidays"),
        choices=[
            (HOLIDAYS_CLOSED, pgettext_lazy("opening hours", "Closed")),
            (HOLIDAYS_AS_SUNDAY, _("Sunday's hours")),
        ],
        initial=HOLIDAYS_CLOSED,
        help_text=_(
            "Norway's public holidays (Easter, Christmas, 17 May…) are known to the system."
        ),
    )

    class Meta:
        model = HelpService
        # Every field but phones and hours, which the rows below build.
        fields = [
            "slug",
            "name",
            "kind",
            "category",
            "serves",
            "age_min",
            "age_max",
            "url",
            "email",
            "referral_route",
            "notes",
            "plan_ref",
            "active",
            "organisation",
            "situations",
            "public_order",
        ]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for language, texts in (self.instance.public_texts or {}).items():
            for key in TEXT_KEYS:
                name = text_field_name(key, language)
                if name in self.fields:
                    self.initial.setdefault(name, texts.get(key, ""))
        data = self.data if self.is_bound else None
        self.phones_formset = PhoneFormSet(
            data,
            prefix="phones",
            initial=[p for p in self.instance.phones or [] if isinstance(p, dict)],
        )
        hours = self._stored_hours()
        week = hours["week"] if isinstance(hours, dict) else {day: [] for day in WEEKDAYS}
        exceptions = hours["exceptions"] if isinstance(hours, dict) else []
        self.week_formset = WeekFormSet(
            data, prefix="week", initial=[_day_initial(week[day]) for day in WEEKDAYS]
        )
        self.exceptions_formset = ExceptionFormSet(
            data,
            prefix="exceptions",
            initial=[
                {
                    "date_from": dt.date.fromisoformat(e["from"]),
                    "date_to": dt.date.fromisoformat(e["to"]),
                    "note": e["note"],
                    "closed": not e["hours"],
                    **_day_initial(e["hours"]),
                }
                for e in exceptions
            ],
        )
        if not self.is_bound:
            self.initial["hours_kind"] = (
                HoursKind.UNKNOWN
                if hours is None
                else HoursKind.ALWAYS
                if hours == ALWAYS
                else HoursKind.WEEK
            )
            if isinstance(hours, dict):
                self.initial["holidays"] = hours["holidays"]
        self.formsets = [self.phones_formset, self.week_formset, self.exceptions_formset]
        self.stored = {"phones": self.instance.phones, "hours": self.instance.hours}

    def _stored_hours(self) -> Any:
        try:
            return opening_hours.normalise(self.instance.hours)
        except opening_hours.HoursError:
            return None  # malformed data from before validation: the form starts afresh

    def full_clean(self) -> None:
        super().full_clean()
        if self.is_bound and not all(formset.is_valid() for formset in self.formsets):
            self.add_error(None, _("Correct the rows marked below."))

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        texts: dict[str, dict[str, str]] = {}
        for language in resident_languages():
            entry = {
                key: (data.get(text_field_name(key, language)) or "").strip() for key in TEXT_KEYS
            }
            if any(entry.values()):
                texts[language] = entry
        self.instance.public_texts = texts
        if not all(formset.is_valid() for formset in self.formsets):
            return data
        self.instance.phones = [
            {"label": row["label"], "number": row["number"]} for row in self.phones_formset.rows()
        ]
        kind = data.get("hours_kind")
        if kind == HoursKind.ALWAYS:
            self.instance.hours = ALWAYS
        elif kind == HoursKind.WEEK:
            week = {form.day: form.periods() for form in self.week_formset.forms}
            if not any(week.values()):
                self.add_error(
                    "hours_kind",
                    _("Fill in the hours of at least one day, or choose “Not known”."),
                )
                return data
            hours = {
                "week": week,
                "holidays": data.get("holidays") or HOLIDAYS_CLOSED,
                "exceptions": [
                    {
                        "from": row["date_from"].isoformat(),
                        "to": row["date_to"].isoformat(),
                        "note": row.get("note", ""),
                        "hours": [] if row.get("closed") else form.periods(),
                    }
                    for form in self.exceptions_formset.forms
                    if (row := form.cleaned_data)
                    and form.has_changed()
                    and not self.exceptions_formset._should_delete_form(form)
                ],
            }
            try:
                opening_hours.validate_hours(hours)
            except opening_hours.HoursError as exc:  # the rows' checks should have caught it
                self.add_error("hours_kind", str(exc))
                return data
            self.instance.hours = hours
        elif kind == HoursKind.UNKNOWN:
            self.instance.hours = None
        return data

    def changed_model_fields(self) -> list[str]:
        """The model's fields this save changes, for the audit event (the texts as
        ``public_texts``)."""
        texts = {text_field_name(key, code) for code in resident_languages() for key in TEXT_KEYS}
        fields = [
            name
            for name in self.changed_data
            if name not in ("hours_kind", "holidays") and name not in texts
        ]
        if any(name in texts for name in self.changed_data):
            fields.append("public_texts")
        fields += [
            name for name, before in self.stored.items() if getattr(self.instance, name) != before
        ]
        return fields


def _help_service_form() -> type[forms.ModelForm]:
    fields: dict[str, forms.Field] = {}
    for language in resident_languages().values():
        for key, title in TEXT_KEYS.items():
            fields[text_field_name(key, language.code)] = forms.CharField(
                label=f"{title} ({language.name})",
                required=False,
                max_length=1_000,
                widget=forms.Textarea(
                    attrs={"rows": 2, "lang": language.code, "dir": language.direction}
                ),
            )
    return forms.models.ModelFormMetaclass("HelpServiceForm", (_HelpServiceFormBase,), fields)


HelpServiceForm = _help_service_form()


# --- How the structured data reads in lists ---


def conditions_summary(conditions: object) -> str:
    """A rule's conditions in words, e.g. "Type of violence: Physical violence, Sexual violence ·
    Age at least 62"; "Every enquiry" when there are none."""
    if not isinstance(conditions, dict) or not conditions:
        return str(_("Every enquiry"))
    parts = []
    for key, value in conditions.items():
        if key not in CONDITION_KEYS:
            continue
        label = str(CONDITION_LABELS[key][0])
        group = CONDITION_VOCABULARY.get(key)
        if value is True:
            parts.append(label)
        elif group:
            values = value if isinstance(value, list) else [value]
            names = dict(choices(group))
            parts.append(f"{label}: {', '.join(str(names.get(v, v)) for v in values)}")
        else:
            parts.append(f"{label} {value}")
    return " · ".join(parts)


def hours_summary(hours: object) -> str:
    """Opening hours in words, e.g. "Mon–Fri 08:00–15:30 (1 exception)"; days with the same hours
    are joined."""
    try:
        table = opening_hours.normalise(hours)
    except opening_hours.HoursError:
        return str(_("Not readable"))
    if table is None:
        return str(_("Not known"))
    if table == ALWAYS:
        return str(_("Day and night (24/7)"))
    assert isinstance(table, dict)
    runs: list[tuple[int, int, list[dict[str, str]]]] = []
    for index, day in enumerate(WEEKDAYS):
        periods = table["week"][day]
        if runs and runs[-1][2] == periods and runs[-1][1] == index - 1:
            runs[-1] = (runs[-1][0], index, periods)
        else:
            runs.append((index, index, periods))
    parts = []
    for first, last, periods in runs:
        if not periods:
            continue
        days = str(WEEKDAYS_ABBR[first])
        if last != first:
            days += f"–{WEEKDAYS_ABBR[last]}"
        parts.append(f"{capfirst(days)} " + ", ".join(f"{p['from']}–{p['to']}" for p in periods))
    text = "; ".join(parts) or str(pgettext_lazy("opening hours", "Closed"))
    if count := len(table["exceptions"]):
        text += " " + str(ngettext("(%(n)s exception)", "(%(n)s exceptions)", count) % {"n": count})
    return text
