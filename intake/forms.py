"""The form for an enquiry's facts in the team's admin, checked by the same rules as every door
(``intake.validation``). The forms of each step are ``casework.forms``."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from intake import selectors, services
from intake.models import Enquiry
from intake.validation import validate_enquiry
from kernel.forms import add_errors
from kernel.vocabulary import STAFF_CHANNELS, choices


class EnquiryAdminForm(forms.ModelForm):
    # The version the user saw; a newer one in the database means someone else saved meanwhile.
    seen_version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    risk_factors = forms.MultipleChoiceField(
        label=_("risk factors"),
        choices=choices("risk_factors"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    violence_types = forms.MultipleChoiceField(
        label=_("violence types"),
        choices=choices("violence_types"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    class Meta:
        model = Enquiry
        fields = [*services.EDITABLE_FIELDS, "assigned_to"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if "channel" in self.fields:
            allowed = set(STAFF_CHANNELS)
            if self.instance and self.instance.channel:
                allowed.add(self.instance.channel)
            self.fields["channel"].choices = [
                (code, text) for code, text in choices("channels") if code in allowed
            ]
        if self.instance and self.instance.pk:
            self.fields["seen_version"].initial = self.instance.version
        if "assigned_to" in self.fields:
            # Only whom the assignment service accepts (a refusal would come too late).
            team_id = getattr(self.instance, "team_id", None)
            self.fields["assigned_to"].queryset = (
                selectors.assignable_users(self.instance) if team_id else User.objects.none()
            )

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        values = {
            name: data.get(name)
            for name in services.EDITABLE_FIELDS
            if name in self.fields and name in data
        }
        for name in ("subject_gender", "perpetrator_relation", "location"):
            if values.get(name) is None:
                values[name] = ""
        try:
            validate_enquiry(values)
        except forms.ValidationError as exc:
            add_errors(self, exc)
        return data

    def changes(self) -> dict[str, Any]:
        return {
            name: self.cleaned_data[name]
            for name in self.changed_data
            if name in services.EDITABLE_FIELDS
        }
