"""The rules every new or changed enquiry must satisfy, whichever door it came in by.

The API, the team's admin and the residents' form all call these through the services, so they
give the same answers. Errors are keyed by model field name; each door maps them to its own
names (the API uses dotted paths such as ``subject.national_id``).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils import timezone
from django.utils.translation import gettext as _

from kernel import national_id
from kernel.text import has_control_characters
from kernel.vocabulary import codes

# Model field → the vocabulary its codes come from.
CODED_FIELDS = {
    "channel": "channels",
    "reporter_type": "reporter_types",
    "subject_gender": "genders",
    "perpetrator_relation": "perpetrator_relations",
    "location": "locations",
}
CODED_LISTS = {"risk_factors": "risk_factors", "violence_types": "violence_types"}

MAX_LENGTHS = {
    "reporter_name": 200,
    "reporter_phone": 40,
    "reporter_email": 254,
    "reporter_organisation": 200,
    "subject_name": 200,
    "subject_national_id": 11,
    "subject_address": 300,
    "subject_phone": 40,
    "description": 10_000,
    "close_note": 10_000,
}

REPORTER_CONTACT_FIELDS = ("reporter_name", "reporter_phone", "reporter_email")


def anonymous_contact_message() -> str:
    """The rule's message under each contact field an anonymous reporter filled in (the
    residents' form replaces them with one message saying what to do)."""
    return _("An anonymous reporter gives no name, phone or e-mail.")


def validate_enquiry(values: dict[str, Any], *, today: dt.date | None = None) -> None:
    """Raise ValidationError({field: [messages]}) for everything wrong with these values."""
    today = today or timezone.localdate()
    errors: dict[str, list[str]] = {}

    def add(field: str, message: str) -> None:
        errors.setdefault(field, []).append(message)

    for field, value in values.items():
        if isinstance(value, str):
            if has_control_characters(value):
                add(field, _("Contains characters that are not allowed."))
            limit = MAX_LENGTHS.get(field)
            if limit and len(value) > limit:
                add(field, _("At most %(limit)d characters.") % {"limit": limit})

    for field, group in CODED_FIELDS.items():
        value = values.get(field)
        if value and value not in codes(group):
            add(field, _("Unknown code: %(code)s.") % {"code": value})
    for field, group in CODED_LISTS.items():
        value = values.get(field) or []
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            add(field, _("Must be a list of codes."))
            continue
        known = set(codes(group))
        for code in value:
            if code not in known:
                add(field, _("Unknown code: %(code)s.") % {"code": code})
        if len(set(value)) != len(value):
            add(field, _("A code is given more than once."))

    if not values.get("reporter_type"):
        add("reporter_type", _("This field is required."))
    description = values.get("description")
    if not isinstance(description, str) or not description.strip():
        add("description", _("Describe the concern."))

    if values.get("reporter_type") == "anonymous":
        for field in REPORTER_CONTACT_FIELDS:
            if values.get(field):
                add(field, anonymous_contact_message())

    email = values.get("reporter_email")
    if email:
        try:
            validate_email(email)
        except ValidationError:
            add("reporter_email", _("Not a valid e-mail address."))

    nid = values.get("subject_national_id")
    if nid:
        if not national_id.has_valid_check_digits(nid):
            add("subject_national_id", _("Not a valid national identity number or D-number."))
        else:
            born = national_id.birth_date(nid)
            if born is None:
                add("subject_national_id", _("Not a valid national identity number or D-number."))
            elif born > today:
                add("subject_national_id", _("The birth date lies in the future."))
    birth_date = values.get("subject_birth_date")
    if isinstance(birth_date, dt.date) and birth_date > today:
        add("subject_birth_date", _("The birth date lies in the future."))
    birth_year = values.get("subject_birth_year")
    if birth_year is not None:
        if isinstance(birth_year, bool) or not isinstance(birth_year, int):
            add("subject_birth_year", _("Must be a year."))
        elif birth_year > today.year or birth_year < 1880:
            add("subject_birth_year", _("Must be a year between 1880 and this year."))

    # The national id tells the birth date; a birth date or year that says otherwise is a mistake
    # in one of them, and guessing which would decide whether a child is protected (issue 14).
    from_id = birth_date_from_national_id(values)
    if from_id is not None:
        if isinstance(birth_date, dt.date) and birth_date != from_id:
            add(
                "subject_birth_date",
                _("Does not match the birth date in the national identity number."),
            )
        if isinstance(birth_year, int) and birth_year != from_id.year:
            add(
                "subject_birth_year",
                _("Does not match the birth year in the national identity number."),
            )
    elif (
        isinstance(birth_date, dt.date)
        and isinstance(birth_year, int)
        and not isinstance(birth_year, bool)
        and birth_year != birth_date.year
    ):
        add("subject_birth_year", _("Does not match the birth date."))

    if errors:
        raise ValidationError(errors)


def birth_date_from_national_id(values: dict[str, Any]) -> dt.date | None:
    """The birth date the subject's national id encodes; None without a valid id.

    The one place a fact is derived from the national id (``kernel.national_id`` reads it).
    """
    nid = values.get("subject_national_id")
    if not nid or not national_id.has_valid_check_digits(nid):
        return None
    return national_id.birth_date(nid)


def subject_age(values: dict[str, Any], *, today: dt.date | None = None) -> int | None:
    """The adult's age in whole years from national id, birth date and birth year; None when
    none is known.

    New enquiries cannot contradict themselves (``validate_enquiry``), but older records may: when
    the facts disagree or are partial, the youngest age they allow counts, because the rules
    that depend on it (under 18: child welfare's case, routing-rules.yaml) protect a child.
    A birth year alone gives the lower of its two possible ages.
    """
    today = today or timezone.localdate()
    ages: list[int] = []
    for born in (birth_date_from_national_id(values), values.get("subject_birth_date")):
        if isinstance(born, dt.date):
            ages.append(
                today.year - born.year - ((today.month, today.day) < (born.month, born.day))
            )
    year = values.get("subject_birth_year")
    if isinstance(year, int) and not isinstance(year, bool) and year:
        ages.append(today.year - year - 1)
    return min(ages) if ages else None
