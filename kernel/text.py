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


# Longer than any filter, search or page number a person types or a page links to.
QUERY_VALUE_MAX_LENGTH = 2_000


def query_parameter_errors(name: str, value: str) -> list[str]:
    """What is wrong with one query parameter (its name or value), before anything queries or
    logs it: control characters (a NUL byte above all: PostgreSQL refuses it in text and jsonb)
    and lengths nobody types. Line breaks and tabs are refused too: no filter has them."""
    errors = []
    if any(unicodedata.category(ch) in {"Cc", "Cs"} for ch in name + value):
        errors.append(_("Contains characters that are not allowed."))
    if len(name) > QUERY_VALUE_MAX_LENGTH or len(value) > QUERY_VALUE_MAX_LENGTH:
        errors.append(_("At most %(limit)d characters.") % {"limit": QUERY_VALUE_MAX_LENGTH})
    return errors


def header_text(raw: str) -> str | None:
    """A header's text as the client sent it in UTF-8; None when it is not UTF-8.

    WSGI hands every header over as Latin-1 (PEP 3333), so "på" sent as UTF-8 arrives as "pÃ¥";
    encoding it back to the bytes and decoding those as UTF-8 gives what was written. (A server
    that already decoded it, as in some tests, hands over characters beyond Latin-1: kept.)
    """
    try:
        data = raw.encode("latin-1")
    except UnicodeEncodeError:
        return raw
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return None
