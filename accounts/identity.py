"""What a staff identity is: one normalised username, unique whatever its case, and a valid
e-mail address. Every door that creates or renames a user (``create_user``, the admin, single
sign-on) goes through these two functions, so "Kari", "kari" and "kari " are one person.
"""

from __future__ import annotations

import unicodedata

from django.contrib.auth.validators import UnicodeUsernameValidator
from django.core.exceptions import ValidationError
from django.core.validators import EmailValidator
from django.utils.translation import gettext as _

USERNAME_MAX_LENGTH = 150
_username_characters = UnicodeUsernameValidator()
_email = EmailValidator()


def normalise_username(raw: object) -> str:
    """The stored form of a username: Unicode NFKC, surrounding white space removed, lower case.

    Lower case (``casefold``) because people type their name as they please and a sign-in
    provider sends it as it pleases (``Kari.Nordmann@Tonsberg.kommune.no``); two spellings that
    differ by case must never be two accounts.
    """
    text = unicodedata.normalize("NFKC", str(raw or ""))
    return text.strip().casefold()


def clean_username(raw: object) -> str:
    """The normalised username, or ``ValidationError`` (field ``username``) when it is empty,
    too long, or has characters other than letters, digits and ``@ . + - _`` (no spaces)."""
    username = normalise_username(raw)
    if not username:
        raise ValidationError({"username": _("Give a username.")})
    if len(username) > USERNAME_MAX_LENGTH:
        raise ValidationError(
            {"username": _("A username has at most %(n)d characters.") % {"n": USERNAME_MAX_LENGTH}}
        )
    try:
        _username_characters(username)
    except ValidationError:
        raise ValidationError(
            {
                "username": _(
                    "A username may contain letters, digits and @ . + - _ only (no spaces)."
                )
            }
        ) from None
    return username


def clean_email(raw: object) -> str:
    """The e-mail address with surrounding white space removed and the domain in lower case,
    ``""`` for none, or ``ValidationError`` (field ``email``) when it is not an address."""
    email = str(raw or "").strip()
    if not email:
        return ""
    try:
        _email(email)
    except ValidationError:
        raise ValidationError({"email": _("Enter a valid e-mail address.")}) from None
    local, _at, domain = email.rpartition("@")
    return f"{local}@{domain.lower()}"
