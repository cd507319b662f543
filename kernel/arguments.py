"""Typed parsers for the management commands' arguments: a bad value is a usage error.

Each is an argparse ``type=``: it returns the value or raises ``argparse.ArgumentTypeError`` with
a message saying what is accepted. Django's ``CommandParser`` turns that into a ``CommandError``
(``call_command``) or a usage message and exit status 2 (the command line), before the command
runs: nothing reaches the database or the calendar's arithmetic unchecked, so no argument ends in
a traceback (issue 14). Every argument a command takes goes through one of these or a choice
list; the limits are the columns' and the service's own.
"""

from __future__ import annotations

import argparse
import datetime as dt
import re
from collections.abc import Callable

from kernel.calendar import parse_moment
from kernel.text import text_errors

SLUG = re.compile(r"^[-a-zA-Z0-9_]+$")


def moment(value: str) -> dt.datetime:
    """An ISO 8601 time in the service's years (``kernel.calendar.parse_moment``)."""
    try:
        return parse_moment(value)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from exc


def whole_number(*, low: int, high: int) -> Callable[[str], int]:
    """A whole number from ``low`` to ``high``."""

    def parse(value: str) -> int:
        try:
            number = int(value.strip())
        except ValueError:
            number = None
        if number is None or not low <= number <= high:
            raise argparse.ArgumentTypeError(
                f"{value!r} is not a whole number from {low} to {high}."
            )
        return number

    return parse


def slug(*, max_length: int) -> Callable[[str], str]:
    """A slug: letters, digits, - and _, at most ``max_length`` characters."""

    def parse(value: str) -> str:
        value = value.strip()
        if not SLUG.match(value) or len(value) > max_length:
            raise argparse.ArgumentTypeError(
                f"{value[:60]!r} is not a slug of letters, digits, - and _ "
                f"(at most {max_length} characters)."
            )
        return value

    return parse


def text(*, max_length: int) -> Callable[[str], str]:
    """Text by the free-text rules (``kernel.text``): at most ``max_length`` characters."""

    def parse(value: str) -> str:
        value = value.strip()
        if found := text_errors(value, limit=max_length):
            raise argparse.ArgumentTypeError(" ".join(found))
        return value

    return parse
