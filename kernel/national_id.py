"""Norwegian national identity numbers: fødselsnummer and D-number (11 digits, two check digits)."""

from __future__ import annotations

import datetime as dt
import re

from django.utils import timezone

_WEIGHTS_1 = (3, 7, 6, 1, 8, 9, 4, 5, 2)
_WEIGHTS_2 = (5, 4, 3, 2, 7, 6, 5, 4, 3, 2)


def _check_digit(digits: list[int], weights: tuple[int, ...]) -> int | None:
    remainder = sum(d * w for d, w in zip(digits, weights, strict=False)) % 11
    check = 0 if remainder == 0 else 11 - remainder
    return None if check == 10 else check


def has_valid_check_digits(value: str) -> bool:
    if len(value) != 11 or not value.isascii() or not value.isdigit():
        return False
    digits = [int(c) for c in value]
    k1 = _check_digit(digits[:9], _WEIGHTS_1)
    if k1 is None or k1 != digits[9]:
        return False
    k2 = _check_digit(digits[:10], _WEIGHTS_2)
    return k2 is not None and k2 == digits[10]


# Eleven digits standing alone, written whole or as 6 + 5 (as on cards and letters).
_CANDIDATE = re.compile(r"(?<![0-9])([0-9]{6})[ .]?([0-9]{5})(?![0-9])")


def found_in(text: str) -> bool:
    """Whether ``text`` holds something with a national id's valid check digits (written whole
    or as 6 + 5 digits): what must never become part of a URL, a log line or an audit value."""
    return any(has_valid_check_digits(first + second) for first, second in _CANDIDATE.findall(text))


def birth_date(value: str) -> dt.date | None:
    """The birth date an id encodes, or None when it encodes no real date.

    D-numbers add 4 to the first digit of the day. The century follows from the individual number
    (digits 7-9), as the Tax Administration specifies.
    """
    day, month, yy = int(value[0:2]), int(value[2:4]), int(value[4:6])
    individual = int(value[6:9])
    if day > 40:  # D-number
        day -= 40
    if individual <= 499:
        century = 1900
    elif individual <= 749 and yy >= 54:
        century = 1800
    elif individual <= 999 and yy <= 39:
        century = 2000
    elif 900 <= individual <= 999 and yy >= 40:
        century = 1900
    else:
        return None
    try:
        return dt.date(century + yy, month, day)
    except ValueError:
        return None


def is_valid(value: str, *, today: dt.date | None = None) -> bool:
    """Valid check digits, a real birth date, and that date not in the future."""
    if not has_valid_check_digits(value):
        return False
    born = birth_date(value)
    if born is None:
        return False
    return born <= (today or timezone.localdate())
