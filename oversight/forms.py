"""The auditor's access report form (admin)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from kernel.national_id import has_valid_check_digits


class AccessReportForm(forms.Form):
    enquiry = forms.UUIDField(label=_("Enquiry id"), required=False)
    national_id = forms.CharField(
        label=_("National identity number"),
        required=False,
        min_length=11,
        max_length=11,
        help_text=_(
            "Every enquiry about this person. The number itself is not written to the trail."
        ),
    )

    def clean_national_id(self) -> str:
        value = self.cleaned_data.get("national_id", "")
        if value and not has_valid_check_digits(value):
            raise forms.ValidationError(_("Not a valid national identity number."))
        return value

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if bool(data.get("enquiry")) == bool(data.get("national_id")):
            raise forms.ValidationError(
                _("Give either an enquiry id or a national identity number.")
            )
        return data
