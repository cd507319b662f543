"""Rules for free text that people type (descriptions, notes, reasons, messages).

The same rules at every door: control characters never reach the database (line breaks and tabs
are kept), and a limit is refused with a message, never cut.
"""

from __future__ import annotations

import unicodedata

from django.utils.translation import gettext as _

# Control characters never reach the database; line breaks and tabs are kept in free text.
_ALLOWED_CONTROLS = {"\n", "\r", "\t"}


def has_control_characters(value: str) -> bool:
    return any(
        unicodedata.category(ch) in {"Cc", "Cs"} and ch not in _ALLOWED_CONTROLS for ch in value
    )


def text_errors(value: str, *, limit: int) -> list[str]:
    """What is wrong with one free-text value (a note, a reason): the same rules as an enquiry's."""
    errors = []
    if has_control_characters(value):
        errors.append(_("Contains characters that are not allowed."))
    if len(value) > limit:
        errors.append(_("At most %(limit)d characters.") % {"limit": limit})
    return errors


def check_text(errors: dict[str, list[str]], field: str, value: str, *, limit: int) -> None:
    """Add ``text_errors`` of ``value`` under ``field`` to a service's ``errors``."""
    found = text_errors(value, limit=limit)
    if found:
        errors.setdefault(field, []).extend(found)
