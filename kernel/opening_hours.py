"""Opening hours: of helping services in the directory, and of the TryggEst team itself.

Hours are "24/7", a list of periods ``{"days": "mon-fri", "from": "08:00", "to": "15:30"}``, or
unknown (None), in Europe/Oslo. On a public holiday a service open only on weekdays is closed;
holidays count as Sundays.
"""

from __future__ import annotations

import datetime as dt

from kernel.calendar import OSLO, is_public_holiday

ALWAYS = "24/7"
_DAY_SETS = {
    "mon-fri": {0, 1, 2, 3, 4},
    "mon-sun": {0, 1, 2, 3, 4, 5, 6},
    "sat-sun": {5, 6},
}


def _parse_time(value: object) -> dt.time:
    if not isinstance(value, str):
        raise ValueError("Times are written HH:MM.")
    try:
        return dt.time.fromisoformat(value)
    except ValueError as exc:
        raise ValueError(f"Not a time: {value!r}.") from exc


def validate_hours(hours: object) -> None:
    """Raise ValueError with the reason when ``hours`` is not in the format above."""
    if hours is None or hours == ALWAYS:
        return
    if not isinstance(hours, list) or not hours:
        raise ValueError('Opening hours are "24/7" or a list of periods.')
    for period in hours:
        if not isinstance(period, dict) or set(period) != {"days", "from", "to"}:
            raise ValueError('Each period has exactly "days", "from" and "to".')
        if period["days"] not in _DAY_SETS:
            raise ValueError(f"Days must be one of {', '.join(_DAY_SETS)}.")
        if _parse_time(period["from"]) >= _parse_time(period["to"]):
            raise ValueError("A period must end after it starts.")


def _weekday_for_hours(day: dt.date) -> int:
    return 6 if is_public_holiday(day) else day.weekday()


def is_open(hours: object, at: dt.datetime) -> bool | None:
    """True or False, or None when the hours are not known."""
    if hours is None:
        return None
    if hours == ALWAYS:
        return True
    local = at.astimezone(OSLO)
    weekday = _weekday_for_hours(local.date())
    now = local.time()
    for period in hours:  # type: ignore[union-attr]
        if weekday in _DAY_SETS[period["days"]] and (
            _parse_time(period["from"]) <= now < _parse_time(period["to"])
        ):
            return True
    return False


def next_opening(hours: object, at: dt.datetime) -> dt.datetime | None:
    """When the service next opens (now, if it is open), or None when unknown."""
    if hours is None:
        return None
    if hours == ALWAYS or is_open(hours, at):
        return at
    local = at.astimezone(OSLO)
    for offset in range(15):
        day = local.date() + dt.timedelta(days=offset)
        weekday = _weekday_for_hours(day)
        starts = sorted(
            _parse_time(p["from"])
            for p in hours  # type: ignore[union-attr]
            if weekday in _DAY_SETS[p["days"]]
        )
        for start in starts:
            candidate = dt.datetime.combine(day, start, tzinfo=OSLO)
            if candidate > local:
                return candidate
    return None
