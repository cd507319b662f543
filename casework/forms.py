"""Forms of the team's pages over an enquiry: one per step, and the pages under it.

Each transition form's ``apply`` calls the one service that does the work; the form only parses.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from casework import services
from intake import public, submissions
from intake.models import AssessmentInstrument, Enquiry, InstrumentGroup
from kernel.vocabulary import choices
from routing.models import OPEN_REFERRAL_STATES, HelpService


class TransitionForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput)

    def __init__(self, *args: Any, enquiry: Enquiry, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.enquiry = enquiry
        self.fields["version"].initial = enquiry.version

    def apply(self, *, actor: Any) -> Any:  # pragma: no cover - overridden
        raise NotImplementedError


class AssessmentForm(TransitionForm):
    level_override = forms.ChoiceField(
        label=_("Level, if different from the computed one"),
        choices=[("", _("Use the computed level")), *choices("risk_levels")],
        required=False,
    )
    override_reason = forms.CharField(
        label=_("Reason for changing the level"),
        help_text=_("Required when a computed high or acute level is lowered."),
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        max_length=5_000,
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.instrument = AssessmentInstrument.current()
        language = get_language()
        self.item_fields: dict[str, list[str]] = {}
        items = list(self.instrument.items.all()) if self.instrument else []
        for item in items:
            name = f"item_{item.code}"
            self.fields[name] = forms.BooleanField(label=item.text(language), required=False)
            self.item_fields.setdefault(item.group, []).append(name)
        # Questions first, grouped as the instrument groups them.
        order = [f"item_{i.code}" for i in items] + ["level_override", "override_reason", "version"]
        self.order_fields(order)

    def groups(self) -> list[tuple[str, list[Any]]]:
        return [
            (InstrumentGroup(group).label, [self[name] for name in names])
            for group, names in self.item_fields.items()
        ]

    def apply(self, *, actor: Any) -> Any:
        answers = {
            name.removeprefix("item_"): bool(self.cleaned_data.get(name))
            for names in self.item_fields.values()
            for name in names
        }
        return services.enquiry_assess(
            enquiry=self.enquiry,
            actor=actor,
            answers=answers,
            level_override=self.cleaned_data.get("level_override") or None,
            override_reason=self.cleaned_data.get("override_reason", ""),
        )


def _legal_basis_choices() -> list[tuple[str, Any]]:
    return [("consent", _("The adult's consent")), *choices("legal_duties")]


class ForwardForm(TransitionForm):
    services = forms.MultipleChoiceField(
        label=_("Helping services"), widget=forms.CheckboxSelectMultiple, choices=[]
    )
    legal_basis = forms.ChoiceField(label=_("Legal basis"), choices=_legal_basis_choices)
    note = forms.CharField(
        label=_("Note to the services"),
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        max_length=5_000,
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Only what enquiry_forward accepts: no second referral to a service with an open one,
        # and consent only when the adult consented (otherwise a legal duty, once acted on).
        already = self.enquiry.referrals.filter(state__in=OPEN_REFERRAL_STATES).values("service")
        self.fields["services"].choices = list(
            HelpService.objects.filter(active=True)
            .exclude(pk__in=already)
            .values_list("slug", "name")
        )
        if self.enquiry.subject_consents_to_forwarding is not True:
            self.fields["legal_basis"].choices = [
                (code, text) for code, text in _legal_basis_choices() if code != "consent"
            ]

    def apply(self, *, actor: Any) -> Any:
        return services.enquiry_forward(
            enquiry=self.enquiry,
            actor=actor,
            service_slugs=self.cleaned_data["services"],
            legal_basis=self.cleaned_data["legal_basis"],
            note=self.cleaned_data.get("note", ""),
        )


def _measures_field() -> forms.MultipleChoiceField:
    return forms.MultipleChoiceField(
        label=_("Measures taken"),
        choices=choices("measures"),
        widget=forms.CheckboxSelectMultiple,
        required=False,
        help_text=_(
            "What was done for the adult. Required when closing, unless the outcome is "
            "duplicate or referred elsewhere."
        ),
    )


class CloseForm(TransitionForm):
    outcome = forms.ChoiceField(label=_("Outcome"), choices=choices("close_outcomes"))
    outcome_asked = forms.ChoiceField(
        label=_("Was the adult asked what outcome they want?"), choices=choices("outcome_asked")
    )
    outcome_achieved = forms.ChoiceField(
        label=_("Was it achieved?"),
        choices=[("", _("Not applicable")), *choices("outcome_achieved")],
        required=False,
    )
    note = forms.CharField(
        label=_("Closing note"),
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        max_length=10_000,
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # What was recorded during the case is ticked already (issue 16).
        self.fields["measures"] = _measures_field()
        self.fields["measures"].initial = list(self.enquiry.measures or [])
        self.order_fields(["outcome", "measures", "outcome_asked", "outcome_achieved", "note"])

    def apply(self, *, actor: Any) -> Any:
        return services.enquiry_close(
            enquiry=self.enquiry,
            actor=actor,
            outcome=self.cleaned_data["outcome"],
            outcome_asked=self.cleaned_data["outcome_asked"],
            outcome_achieved=self.cleaned_data.get("outcome_achieved") or None,
            note=self.cleaned_data.get("note", ""),
            measures=self.cleaned_data.get("measures") or [],
        )


class MeasuresForm(forms.Form):
    """The measures taken so far, recorded during the case (issue 16)."""

    version = forms.IntegerField(widget=forms.HiddenInput)

    def __init__(self, *args: Any, enquiry: Enquiry, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.enquiry = enquiry
        self.fields["measures"] = _measures_field()
        self.fields["measures"].initial = list(enquiry.measures or [])
        self.fields["version"].initial = enquiry.version


class ReopenForm(TransitionForm):
    reason = forms.CharField(
        label=_("Why is the enquiry reopened?"),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=5_000,
    )

    def apply(self, *, actor: Any) -> Any:
        return services.enquiry_reopen(
            enquiry=self.enquiry, actor=actor, reason=self.cleaned_data["reason"]
        )


TRANSITION_FORMS: dict[str, type[TransitionForm]] = {
    "assess": AssessmentForm,
    "forward": ForwardForm,
    "close": CloseForm,
    "reopen": ReopenForm,
}


class PauseForm(submissions.SingleUseForm):
    until = forms.DateTimeField(
        label=_("Paused until"),
        help_text=_("Date and time, e.g. 2026-12-15 12:00. No reminders until then."),
    )
    reason = forms.CharField(
        label=_("Reason"),
        max_length=500,
        help_text=_("E.g. waiting for the adult's consent, waiting for the police."),
    )


class ChildWelfareForm(forms.Form):
    note = forms.CharField(
        label=_("Note to the child welfare service"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=5_000,
    )


class ReporterMessageForm(submissions.SingleUseForm):
    text = forms.CharField(
        label=_("Message to the reporter"),
        max_length=public.MESSAGE_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_(
            "The reporter sees it with their receipt code, possibly on a shared "
            "device: write nothing they have not told you themselves."
        ),
    )
