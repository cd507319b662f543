"""Forms of the team's pages over an enquiry: one per step, and the pages under it.

Each transition form's ``apply`` calls the one service that does the work; the form only parses.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from casework import followups, journal, services
from casework.models import JournalKind
from intake import public, submissions
from intake.assessment import answers_known_at_intake, latest_answers
from intake.models import AssessmentInstrument, Enquiry, InstrumentGroup
from kernel.forms import LimitsStated
from kernel.vocabulary import choices
from routing.models import OPEN_REFERRAL_STATES, HelpService, legal_basis_choices
from routing.selectors import offered_bases
from routing.services import ServiceBasis


class TransitionForm(LimitsStated):
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
        # Issue 16: the form starts from what is known: the latest assessment's answers, and
        # what intake was told (marked as such, so the assessor confirms rather than assumes).
        earlier = latest_answers(self.enquiry)
        from_intake = answers_known_at_intake(self.enquiry)
        self.prefilled_from_intake: list[str] = []
        for item in items:
            name = f"item_{item.code}"
            self.fields[name] = forms.BooleanField(
                label=item.text(language),
                required=False,
                initial=bool(earlier.get(item.code) or from_intake.get(item.code)),
            )
            if from_intake.get(item.code):
                self.fields[name].help_text = _("Pre-filled: answered at intake.")
                self.prefilled_from_intake.append(name)
            self.item_fields.setdefault(item.group, []).append(name)
        # Not a question: immediate danger reported at intake makes the level acute.
        self.immediate_danger_reported = bool(self.enquiry.immediate_danger)
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
    return legal_basis_choices()


class ForwardForm(TransitionForm):
    """Forward to services, each on its own legal basis (issue 16): a basis for all, and beside
    each service the basis for that service where it differs. The services the matching rules
    say to tick (``RoutingRule.preselect``) come ticked."""

    services = forms.MultipleChoiceField(
        label=_("Helping services"), widget=forms.CheckboxSelectMultiple, choices=[]
    )
    legal_basis = forms.ChoiceField(
        label=_("Legal basis"),
        choices=_legal_basis_choices,
        help_text=_("For every service chosen, unless a service has its own basis below."),
    )
    decided_by = forms.CharField(
        label=_("Who decided the basis"),
        required=False,
        max_length=200,
        help_text=_(
            "For an adult who lacks capacity to consent: who decided the legal basis (name and role)."
        ),
    )
    note = forms.CharField(
        label=_("Note to the services"),
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        max_length=5_000,
    )

    def __init__(self, *args: Any, suggestions: list[Any] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Only what enquiry_forward accepts: no second referral to a service with an open one.
        already = self.enquiry.referrals.filter(state__in=OPEN_REFERRAL_STATES).values("service")
        offered = list(
            HelpService.objects.filter(active=True)
            .exclude(pk__in=already)
            .values_list("slug", "name")
        )
        self.fields["services"].choices = offered
        self.fields["services"].initial = [
            s.service for s in suggestions or [] if getattr(s, "preselect", False)
        ]
        # Beside each service only the bases that can apply to it (routing.selectors
        # .offered_bases); for all, consent only when the adult consented to forwarding.
        labels = dict(_legal_basis_choices())
        if self.enquiry.subject_consents_to_forwarding is not True:
            self.fields["legal_basis"].choices = [
                (code, text) for code, text in _legal_basis_choices() if code != "consent"
            ]
        self.basis_fields: list[tuple[str, str]] = []
        for service in HelpService.objects.filter(slug__in=[slug for slug, _name in offered]):
            field_name = f"basis_{service.slug}"
            self.fields[field_name] = forms.ChoiceField(
                label=_("Legal basis for %(service)s") % {"service": service.name},
                choices=[
                    ("", _("As for all")),
                    *((code, labels[code]) for code in offered_bases(self.enquiry, service)),
                ],
                required=False,
            )
        self.basis_fields = [(slug, f"basis_{slug}") for slug, _name in offered]

    def service_rows(self) -> list[tuple[Any, Any]]:
        """(the service's checkbox, its own basis) for the template's table."""
        boxes = {box.data["value"]: box for box in self["services"]}
        return [(boxes[slug], self[name]) for slug, name in self.basis_fields if slug in boxes]

    def apply(self, *, actor: Any) -> Any:
        chosen = self.cleaned_data["services"]
        own = {slug: self.cleaned_data.get(name) for slug, name in self.basis_fields}
        default = self.cleaned_data["legal_basis"]
        decided_by = self.cleaned_data.get("decided_by", "")
        bases = [
            ServiceBasis(service=slug, legal_basis=own.get(slug) or default, decided_by=decided_by)
            for slug in chosen
        ]
        try:
            return services.enquiry_forward(
                enquiry=self.enquiry,
                actor=actor,
                bases=bases,
                note=self.cleaned_data.get("note", ""),
            )
        except ValidationError as exc:
            # The service names the per-service field by its place in the list; the form names
            # it by the service.
            raise ValidationError(_errors_by_service(exc, chosen, own)) from exc


def _errors_by_service(
    exc: ValidationError, chosen: list[str], own: dict[str, str | None]
) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    for key, messages in exc.message_dict.items():
        parts = key.split(".")
        if len(parts) == 3 and parts[0] == "services" and parts[1].isdigit():
            slug = chosen[int(parts[1])]
            field = f"basis_{slug}" if own.get(slug) and parts[2] == "legal_basis" else None
            if parts[2] == "legal_basis" and field is None:
                field = "legal_basis"
            elif parts[2] == "decided_by":
                field = "decided_by"
            errors.setdefault(field or "services", []).extend(messages)
        else:
            errors.setdefault(key, []).extend(messages)
    return {key: list(dict.fromkeys(messages)) for key, messages in errors.items()}


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


# --- The journal, tasks (issue 16) ---


class JournalEntryForm(submissions.SingleUseForm):
    kind = forms.ChoiceField(label=_("Kind"), choices=JournalKind.choices)
    occurred_at = forms.DateTimeField(
        label=_("When it happened"),
        help_text=_("Date and time, e.g. 2026-12-15 12:00. May be earlier than now."),
    )
    text = forms.CharField(
        label=_("What happened"),
        max_length=journal.JOURNAL_TEXT_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 5}),
    )
    corrects = forms.IntegerField(widget=forms.HiddenInput, required=False)


class TaskForm(submissions.SingleUseForm):
    title = forms.CharField(
        label=_("What is to be done"),
        max_length=followups.TASK_TITLE_MAX_LENGTH,
        help_text=_("E.g. call the GP back."),
    )
    due_at = forms.DateTimeField(
        label=_("Due"), help_text=_("Date and time, e.g. 2026-12-15 12:00.")
    )
    owner = forms.ModelChoiceField(label=_("Owner"), queryset=User.objects.none())

    def __init__(self, *args: Any, owners: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = owners


class TaskCloseForm(LimitsStated):
    kind = forms.ChoiceField(label=_("Kind"), choices=JournalKind.choices, initial="note")
    text = forms.CharField(
        label=_("What was done (written in the journal)"),
        max_length=journal.JOURNAL_TEXT_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
