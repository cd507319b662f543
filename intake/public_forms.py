"""Forms of the residents' pages (/meld/ and /meld/status/). They only parse; the rules of an
enquiry are checked once, by ``intake.validation`` through ``intake.public``.

Field names are the model's, so that the services' errors land beside the field they are about.
"""

from __future__ import annotations

import time
from typing import Any, ClassVar

from django import forms
from django.core.exceptions import ValidationError
from django.utils.formats import number_format
from django.utils.functional import lazy
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from intake import submissions
from intake.public import MESSAGE_MAX_LENGTH
from intake.validation import MAX_LENGTHS, anonymous_contact_message
from kernel.forms import add_errors
from kernel.vocabulary import ResidentLabel, resident_choices, vocabulary

# After this long the signed start time is refused, and the page asks to send again.
STARTED_MAX_AGE = 24 * 60 * 60

YES_NO_UNKNOWN = [("yes", _("Yes")), ("no", _("No")), ("", _("Don't know"))]
_AS_BOOL = {"yes": True, "no": False, "": None}

REPORTER_TYPES = [
    ("self", _("It is about me")),
    ("relative", _("I am family or a relative")),
    ("acquaintance", _("I am a friend, neighbour or someone they know")),
    ("municipal_service", _("I work in a municipal service")),
    ("health_service", _("I work in a health service (GP, hospital)")),
    ("other_service", _("I work in another service or organisation")),
    ("other", _("Other")),
    ("anonymous", _("I would rather not say (anonymous)")),
]


DESCRIPTION_MAX_LENGTH = MAX_LENGTHS["description"]


def _optional(group: str) -> list[tuple[str, Any]]:
    # A select's options are text only, so the plain label goes on the same line.
    return [
        ("", _("Choose if you know")),
        *(
            (code, lazy(lambda c=code: ResidentLabel(group, c).with_plain, str)())
            for code in vocabulary()[group]
        ),
    ]


def _count(number: int) -> str:
    return number_format(number, force_grouping=True)


def _limit_hint(limit: int) -> str:
    return gettext("You can write up to %(limit)s characters.") % {"limit": _count(limit)}


def check_length(value: str, limit: int) -> None:
    """Refuse a text over ``limit`` characters with a message that says how far over it is.

    A long text is never cut (by the browser's maxlength or here): the resident gets the form
    back with every word, and decides what to shorten.
    """
    if len(value) > limit:
        raise forms.ValidationError(
            gettext(
                "The text has %(length)s characters, but the limit is %(limit)s. Shorten it and "
                "send again. What you wrote is still in the field."
            )
            % {"length": _count(len(value)), "limit": _count(limit)}
        )


def form_started_token(at: float | None = None) -> str:
    """The form's signed single-use token (``intake.submissions``): the time it was handed out
    (a person needs a while to fill it in) and a random part that makes it one form, sent once."""
    return submissions.new_token(at)


class YesNoUnknownField(forms.TypedChoiceField):
    widget = forms.RadioSelect

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(
            choices=YES_NO_UNKNOWN,
            coerce=lambda v: _AS_BOOL[v],
            empty_value=None,
            required=False,
            **kwargs,
        )


class PublicEnquiryForm(forms.Form):
    # The form's single-use token: when it was handed out (signed, so that a script cannot
    # claim it waited) and which form it is (sent twice, it creates one enquiry).
    started = forms.CharField(widget=forms.HiddenInput)
    # A honeypot: hidden from people (CSS and aria-hidden), filled in by naive scripts.
    website = forms.CharField(
        label=_("Leave this field empty"),
        required=False,
        widget=forms.TextInput(attrs={"tabindex": "-1", "autocomplete": "off"}),
    )

    description = forms.CharField(
        label=_("What are you worried about?"),
        help_text=lazy(
            lambda: " ".join(
                [
                    gettext(
                        "Write in your own words what has happened or what you are afraid of. "
                        "You do not need to know everything."
                    ),
                    _limit_hint(DESCRIPTION_MAX_LENGTH),
                ]
            ),
            str,
        )(),
        # No maxlength: browsers cut a pasted text there without a word.
        widget=forms.Textarea(attrs={"rows": 8, "dir": "auto"}),
        strip=True,
        error_messages={"required": _("Describe what you are worried about.")},
    )
    immediate_danger = forms.TypedChoiceField(
        label=_("Is someone in danger right now?"),
        help_text=_("If so, call 112 now as well. This form is not read at once."),
        choices=[("yes", _("Yes")), ("no", _("No"))],
        coerce=lambda v: v == "yes",
        empty_value=False,
        required=False,
        widget=forms.RadioSelect,
    )

    reporter_type = forms.ChoiceField(
        label=_("Who are you?"),
        choices=REPORTER_TYPES,
        widget=forms.RadioSelect,
        error_messages={"required": _("Choose who you are, or choose anonymous.")},
    )
    reporter_name = forms.CharField(
        label=_("Your name"),
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "name", "dir": "auto"}),
    )
    reporter_phone = forms.CharField(
        label=_("Your phone number"),
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "tel", "type": "tel"}),
    )
    reporter_email = forms.CharField(
        label=_("Your e-mail address"),
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "email", "type": "email"}),
    )
    reporter_organisation = forms.CharField(
        label=_("Your workplace, if you write as an employee"),
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "organization", "dir": "auto"}),
    )

    subject_name = forms.CharField(
        label=_("Their name"),
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "off", "dir": "auto"}),
    )
    subject_birth_year = forms.IntegerField(
        label=_("Year of birth"),
        help_text=_("An approximate year is fine."),
        required=False,
        error_messages={"invalid": _("Write the year with four digits, for example 1950.")},
        widget=forms.TextInput(
            attrs={"inputmode": "numeric", "autocomplete": "off", "maxlength": 4}
        ),
    )
    subject_national_id = forms.CharField(
        label=_("National identity number (11 digits)"),
        help_text=_("Only if you know it."),
        required=False,
        widget=forms.TextInput(
            attrs={"inputmode": "numeric", "autocomplete": "off", "maxlength": 11}
        ),
    )
    subject_gender = forms.ChoiceField(
        label=_("Gender"), choices=_optional("genders"), required=False
    )
    subject_address = forms.CharField(
        label=_("Where they live"),
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "off", "dir": "auto"}),
    )
    subject_phone = forms.CharField(
        label=_("Their phone number"),
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "off", "type": "tel"}),
    )
    subject_knows_about_enquiry = YesNoUnknownField(
        label=_("Does the person know that you are contacting us?")
    )
    subject_consents_to_forwarding = YesNoUnknownField(
        label=_("Has the person said yes to us talking with other services about this?")
    )
    subject_consent_capacity_doubted = YesNoUnknownField(
        label=_(
            "Do you think the person may find it hard to understand their situation or decide "
            "for themselves?"
        )
    )

    violence_types = forms.MultipleChoiceField(
        label=_("What is happening? Tick all that fit."),
        choices=resident_choices("violence_types"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    perpetrator_relation = forms.ChoiceField(
        label=_("Who is causing the harm, seen from the person?"),
        choices=_optional("perpetrator_relations"),
        required=False,
    )
    location = forms.ChoiceField(
        label=_("Where does it happen?"), choices=_optional("locations"), required=False
    )
    risk_factors = forms.MultipleChoiceField(
        label=_("Is there something that makes the person more vulnerable? Tick all that fit."),
        choices=resident_choices("risk_factors"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    children_in_household = YesNoUnknownField(label=_("Do children live in the home?"))

    # Shown in this order, in these groups.
    SECTIONS: ClassVar[list[tuple[Any, list[str]]]] = [
        (_("Your concern"), ["description", "immediate_danger"]),
        (
            _("About you"),
            [
                "reporter_type",
                "reporter_name",
                "reporter_phone",
                "reporter_email",
                "reporter_organisation",
            ],
        ),
        (
            _("About the person you are worried about"),
            [
                "subject_name",
                "subject_birth_year",
                "subject_national_id",
                "subject_gender",
                "subject_address",
                "subject_phone",
                "subject_knows_about_enquiry",
                "subject_consents_to_forwarding",
                "subject_consent_capacity_doubted",
            ],
        ),
        (
            _("More about what is happening"),
            [
                "violence_types",
                "perpetrator_relation",
                "location",
                "risk_factors",
                "children_in_household",
            ],
        ),
    ]
    VALUE_FIELDS: ClassVar[list[str]] = [name for _title, names in SECTIONS for name in names]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not self.is_bound:
            self.initial.setdefault("started", form_started_token())

    def clean_description(self) -> str:
        description = self.cleaned_data["description"]
        check_length(description, DESCRIPTION_MAX_LENGTH)
        return description

    def add_service_errors(self, exc: ValidationError) -> None:
        """The services' errors beside their fields, with the anonymity rule said once.

        The rule (``intake.validation``, for every door) names each contact field an anonymous
        reporter filled in; a resident needs one message, on the choice, saying what to do.
        """
        rule = anonymous_contact_message()
        found = exc.message_dict
        messages = {field: [m for m in texts if m != rule] for field, texts in found.items()}
        if any(rule in texts for texts in found.values()):
            messages.setdefault("reporter_type", []).append(
                gettext(
                    "You chose to be anonymous, but you also wrote your name, phone number or "
                    "e-mail address. To stay anonymous, delete them. If the team may contact "
                    "you, choose who you are instead."
                )
            )
        add_errors(self, ValidationError({f: texts for f, texts in messages.items() if texts}))

    def sections(self) -> list[tuple[str, list[forms.BoundField]]]:
        return [(title, [self[name] for name in names]) for title, names in self.SECTIONS]

    # --- Abuse checks; the view decides what to do about them ---

    def is_honeypot_filled(self) -> bool:
        return bool(self.data.get("website", "").strip())

    def form_token(self) -> submissions.FormToken | None:
        """The form's single-use token; None when it is forged or too old."""
        return submissions.read_token(self.data.get("started", ""), max_age=STARTED_MAX_AGE)

    def seconds_since_start(self) -> float | None:
        """Seconds since the form was handed out; None when the token is forged or too old."""
        token = self.form_token()
        return None if token is None else time.time() - token.issued_at

    def values(self) -> dict[str, Any]:
        """The enquiry's values for the services: blanks as the model stores them."""
        data = self.cleaned_data
        values: dict[str, Any] = {}
        for name in self.VALUE_FIELDS:
            value = data.get(name)
            if name in ("children_in_household", "immediate_danger"):
                value = bool(value)  # "don't know" is stored as no: the model has yes or no
            elif name in ("violence_types", "risk_factors"):
                value = list(value or [])
            elif value is None and name not in (
                "subject_birth_year",
                "subject_knows_about_enquiry",
                "subject_consents_to_forwarding",
                "subject_consent_capacity_doubted",
            ):
                value = ""
            values[name] = value
        return values


class ReceiptCodeForm(forms.Form):
    code = forms.CharField(
        label=_("Your receipt code"),
        help_text=_("The code you got when you sent the form, for example ABCD-1234-EFGH-5678."),
        max_length=40,
        widget=forms.TextInput(
            attrs={
                "autocomplete": "off",
                "autocapitalize": "characters",
                "spellcheck": "false",
                "dir": "ltr",
            }
        ),
        error_messages={
            "required": _("Write your receipt code."),
            "max_length": _("A receipt code has 16 letters and digits, like ABCD-1234-EFGH-5678."),
        },
    )


class ReporterReplyForm(submissions.SingleUseForm):
    code = forms.CharField(widget=forms.HiddenInput, max_length=40)
    text = forms.CharField(
        label=_("Answer or add information"),
        help_text=lazy(
            lambda: " ".join(
                [
                    gettext(
                        "The team reads it in its opening hours. If someone is in danger, do not "
                        "write here: call 112."
                    ),
                    _limit_hint(MESSAGE_MAX_LENGTH),
                ]
            ),
            str,
        )(),
        # No maxlength: browsers cut a pasted text there without a word.
        widget=forms.Textarea(attrs={"rows": 6, "dir": "auto"}),
        error_messages={"required": _("Write a message.")},
    )

    def clean_text(self) -> str:
        text = self.cleaned_data["text"]
        check_length(text, MESSAGE_MAX_LENGTH)
        return text
