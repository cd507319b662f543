"""Disclosure control, in one place: small counts identify people.

With 50–200 enquiries a year, a count of 1 in a category can name a person. Every count from 1 to
4 is suppressed (``None``; "<5" on screen) and its path listed; zeros stay. For publication the
yearly report can also round the rest to the nearest 5 (England's Safeguarding Adults Collection).
"""

from __future__ import annotations

from typing import Any

SUPPRESS_BELOW = 5


def suppress(data: dict[str, Any], *, round_to_5: bool = False) -> tuple[dict[str, Any], list[str]]:
    """A copy of ``data`` with small counts replaced by None, and the dotted paths replaced.

    Only ints count as counts; floats (medians, hours) and strings pass through unchanged.
    """
    suppressed: list[str] = []

    def walk(value: Any, path: str) -> Any:
        if isinstance(value, dict):
            return {
                key: walk(item, f"{path}.{key}" if path else str(key))
                for key, item in value.items()
            }
        if isinstance(value, bool) or not isinstance(value, int):
            return value
        if 0 < value < SUPPRESS_BELOW:
            suppressed.append(path)
            return None
        if round_to_5:
            return int(5 * round(value / 5))
        return value

    return walk(data, ""), suppressed
