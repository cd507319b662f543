"""The auditor's access report form (admin)."""

from __future__ import annotations

import uuid
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from kernel.national_id import has_valid_check_digits
from oversight.selectors import enquiry_id_for


class AccessReportForm(forms.Form):
    """One enquiry's report, or one person's. The form is POSTed: a national id is never part
    of a URL. Bound to a URL's parameters (a link to one enquiry's report), it ignores one
    (``tryggest.middleware`` has refused such a URL already)."""

    enquiry = forms.CharField(
        label=_("Enquiry (reference)"),
        required=False,
        max_length=64,
        help_text=_("Its reference, e.g. TE-2026-000123."),
    )
    national_id = forms.CharField(
        label=_("National identity number"),
        required=False,
        min_length=11,
        max_length=11,
        help_text=_(
            "Every enquiry about this person. The number itself is not written to the trail."
        ),
    )

    def __init__(self, data: Any = None, *, from_url: bool = False, **kwargs: Any) -> None:
        if from_url and data is not None:
            data = data.copy()
            data.pop("national_id", None)
        super().__init__(data, **kwargs)

    def clean_enquiry(self) -> uuid.UUID | None:
        value = (self.cleaned_data.get("enquiry") or "").strip()
        if not value:
            return None
        key = enquiry_id_for(value)
        if key is None:
            raise forms.ValidationError(_("No enquiry has this reference."))
        return key

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
