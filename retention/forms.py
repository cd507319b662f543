"""Forms of the retention screens: a legal hold, a rectification, an adult's data (POSTed: a
national id is never part of a URL)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from intake.models import Enquiry
from kernel.forms import LimitsStated
from kernel.national_id import has_valid_check_digits
from retention.services import RECTIFIABLE


class EnquiryByReference(LimitsStated):
    reference = forms.CharField(label=_("Enquiry reference"), max_length=20)

    def clean_reference(self) -> Enquiry:
        value = self.cleaned_data["reference"].strip().upper()
        enquiry = Enquiry.objects.filter(reference=value).first()
        if enquiry is None:
            raise forms.ValidationError(_("No enquiry has this reference."))
        return enquiry


class LegalHoldForm(EnquiryByReference):
    reason = forms.CharField(
        label=_("Reason for the legal hold"),
        max_length=2_000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("For example an open police case. Kept until the enquiry is anonymised."),
    )


class RectificationForm(EnquiryByReference):
    field = forms.ChoiceField(label=_("Field"), choices=[])
    value = forms.CharField(
        label=_("Corrected value"),
        max_length=300,
        required=False,
        help_text=_("Dates as YYYY-MM-DD. Empty removes the value."),
    )
    reason = forms.CharField(
        label=_("Why it is corrected"), max_length=2_000, widget=forms.Textarea(attrs={"rows": 3})
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["field"].choices = [
            (name, Enquiry._meta.get_field(name).verbose_name.capitalize()) for name in RECTIFIABLE
        ]


class SubjectAccessForm(forms.Form):
    national_id = forms.CharField(
        label=_("National identity number"),
        min_length=11,
        max_length=11,
        widget=forms.TextInput(attrs={"autocomplete": "off", "inputmode": "numeric"}),
    )
    format = forms.ChoiceField(
        label=_("Format"),
        choices=[("html", _("Printable page")), ("json", _("JSON file"))],
        initial="html",
    )

    def clean_national_id(self) -> str:
        value = self.cleaned_data["national_id"].strip()
        if not has_valid_check_digits(value):
            raise forms.ValidationError(_("Not a valid national identity number."))
        return value
