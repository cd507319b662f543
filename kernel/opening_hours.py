"""Opening hours: of helping services in the directory, and of the TryggEst team itself.

Hours are one of, in Europe/Oslo:

- ``None``: not known;
- ``"24/7"``: always open;
- a **week table** with exceptions (what the directory's form writes)::

      {"week": {"mon": [{"from": "08:00", "to": "15:30"}], ..., "sun": []},
       "holidays": "closed",            # or "as_sunday"
       "exceptions": [{"from": "2026-07-01", "to": "2026-08-09", "note": "Sommertid",
                       "hours": [{"from": "09:00", "to": "14:00"}]}]}

  Every weekday ``mon``…``sun`` has a list of periods (empty: closed that day). On a Norwegian
  public holiday (``kernel.calendar``) the service is closed, or keeps Sunday's hours with
  ``"as_sunday"``. An exception covers the dates ``from``…``to`` (inclusive) and replaces the
  hours of every day in them on which the service would otherwise be open (summer hours, a closed
  Christmas week, a short Christmas Eve); ``"hours": []`` closes those days. Days the service is
  closed anyway stay closed: an exception never opens a closed day. Exceptions do not overlap.
- the older **list of periods** ``[{"days": "mon-fri", "from": "08:00", "to": "15:30"}]`` (days
  ``mon-fri``, ``mon-sun`` or ``sat-sun``), still read everywhere (``services.yaml``,
  ``TRYGGEST_TEAM_HOURS``): it means the week table it describes, with holidays as Sundays.

``normalise`` turns any of them into the week table (or None / ``"24/7"``); ``is_open`` and
``next_opening`` accept all of them.
"""

from __future__ import annotations

import datetime as dt
import itertools
from typing import Any

from django.utils.translation import gettext as _

from kernel.calendar import OSLO, is_public_holiday

ALWAYS = "24/7"
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
HOLIDAYS_CLOSED = "closed"
HOLIDAYS_AS_SUNDAY = "as_sunday"
HOLIDAY_RULES = (HOLIDAYS_CLOSED, HOLIDAYS_AS_SUNDAY)
NOTE_LONGEST = 100
# How far ahead next_opening looks: past the longest closure a service plausibly announces.
LOOK_AHEAD_DAYS = 400

_DAY_SETS = {
    "mon-fri": {0, 1, 2, 3, 4},
    "mon-sun": {0, 1, 2, 3, 4, 5, 6},
    "sat-sun": {5, 6},
}

Period = tuple[dt.time, dt.time]


class HoursError(ValueError):
    """Hours that are not in the format above; ``str()`` says why, in the active language."""


def _parse_time(value: object) -> dt.time:
    if not isinstance(value, str) or len(value) != 5:
        raise HoursError(_("Times are written HH:MM."))
    try:
        return dt.time.fromisoformat(value)
    except ValueError as exc:
        raise HoursError(_("Not a time: %(value)s.") % {"value": value}) from exc


def _parse_date(value: object) -> dt.date:
    if not isinstance(value, str):
        raise HoursError(_("Dates are written YYYY-MM-DD."))
    try:
        return dt.date.fromisoformat(value)
    except ValueError as exc:
        raise HoursError(_("Not a date: %(value)s.") % {"value": value}) from exc


def _periods(value: object) -> list[Period]:
    """A day's periods, checked: each ends after it starts, and none overlaps another."""
    if not isinstance(value, list):
        raise HoursError(_("A day's hours are a list of periods."))
    periods = []
    for period in value:
        if not isinstance(period, dict) or set(period) != {"from", "to"}:
            raise HoursError(_('Each period has exactly "from" and "to".'))
        start, end = _parse_time(period["from"]), _parse_time(period["to"])
        if start >= end:
            raise HoursError(_("A period must end after it starts."))
        periods.append((start, end))
    periods.sort()
    for (_start, end), (next_start, _end) in itertools.pairwise(periods):
        if next_start < end:
            raise HoursError(_("The periods of a day must not overlap."))
    return periods


def _from_list(hours: list[Any]) -> dict[str, Any]:
    """The older list of periods as the week table it describes (holidays as Sundays)."""
    if not hours:
        raise HoursError(_('Opening hours are "24/7", a week table or a list of periods.'))
    week: dict[str, list[dict[str, str]]] = {day: [] for day in WEEKDAYS}
    for period in hours:
        if not isinstance(period, dict) or set(period) != {"days", "from", "to"}:
            raise HoursError(_('Each period has exactly "days", "from" and "to".'))
        if period["days"] not in _DAY_SETS:
            raise HoursError(_("Days must be one of %(days)s.") % {"days": ", ".join(_DAY_SETS)})
        for index in sorted(_DAY_SETS[period["days"]]):
            week[WEEKDAYS[index]].append({"from": period["from"], "to": period["to"]})
    for periods in week.values():
        periods.sort(key=lambda p: p["from"])
    return {"week": week, "holidays": HOLIDAYS_AS_SUNDAY, "exceptions": []}


def normalise(hours: object) -> str | dict[str, Any] | None:
    """``hours`` in today's form: None, ``"24/7"`` or the week table. HoursError when it is
    none of the formats above (the list of periods is turned into its week table)."""
    if hours is None or hours == ALWAYS:
        return hours  # type: ignore[return-value]
    if isinstance(hours, list):
        hours = _from_list(hours)
    if not isinstance(hours, dict):
        raise HoursError(_('Opening hours are "24/7", a week table or a list of periods.'))
    if set(hours) != {"week", "holidays", "exceptions"}:
        raise HoursError(_('The week table has exactly "week", "holidays" and "exceptions".'))
    week = hours["week"]
    if not isinstance(week, dict) or set(week) != set(WEEKDAYS):
        raise HoursError(_("The week table has a list of periods for every day, mon to sun."))
    for day in WEEKDAYS:
        _periods(week[day])
    if hours["holidays"] not in HOLIDAY_RULES:
        raise HoursError(_('Public holidays are "closed" or "as_sunday".'))
    exceptions = hours["exceptions"]
    if not isinstance(exceptions, list):
        raise HoursError(_("The exceptions are a list."))
    spans = []
    for exception in exceptions:
        if not isinstance(exception, dict) or set(exception) != {"from", "to", "note", "hours"}:
            raise HoursError(_('Each exception has exactly "from", "to", "note" and "hours".'))
        first, last = _parse_date(exception["from"]), _parse_date(exception["to"])
        if last < first:
            raise HoursError(_("An exception must not end before it starts."))
        if not isinstance(exception["note"], str) or len(exception["note"]) > NOTE_LONGEST:
            raise HoursError(
                _("An exception's note is text of at most %(n)s characters.") % {"n": NOTE_LONGEST}
            )
        _periods(exception["hours"])
        spans.append((first, last))
    spans.sort()
    for (_first, last), (next_first, _last) in itertools.pairwise(spans):
        if next_first <= last:
            raise HoursError(_("Exceptions must not overlap."))
    return hours


def validate_hours(hours: object) -> None:
    """Raise HoursError (a ValueError) with the reason when ``hours`` is in none of the formats."""
    normalise(hours)


def _usual_periods(table: dict[str, Any], day: dt.date) -> list[Period]:
    """The week table's periods on ``day`` before exceptions: public holidays by the rule."""
    if is_public_holiday(day):
        if table["holidays"] == HOLIDAYS_CLOSED:
            return []
        return _periods(table["week"]["sun"])
    return _periods(table["week"][WEEKDAYS[day.weekday()]])


def periods_on(hours: object, day: dt.date) -> list[Period] | None:
    """The periods (start, end) the service is open on the Oslo date ``day``, in order; None when
    the hours are not known. ``"24/7"`` is the whole day. HoursError on malformed hours."""
    return _day_periods(normalise(hours), day)


def _day_periods(table: str | dict[str, Any] | None, day: dt.date) -> list[Period] | None:
    if table is None:
        return None
    if table == ALWAYS:
        return [(dt.time.min, dt.time.max)]
    assert isinstance(table, dict)
    usual = _usual_periods(table, day)
    if not usual:
        return []
    for exception in table["exceptions"]:
        if _parse_date(exception["from"]) <= day <= _parse_date(exception["to"]):
            return _periods(exception["hours"])
    return usual


def is_open(hours: object, at: dt.datetime) -> bool | None:
    """Whether the service is open at the moment ``at`` (any time zone; judged in Oslo time):
    True or False, or None when the hours are not known."""
    if hours == ALWAYS:
        return True
    local = at.astimezone(OSLO)
    periods = periods_on(hours, local.date())
    if periods is None:
        return None
    now = local.time().replace(tzinfo=None)
    return any(start <= now < end for start, end in periods)


def next_opening(hours: object, at: dt.datetime) -> dt.datetime | None:
    """When the service next opens, as an Oslo datetime (``at`` itself when it is open now); None
    when the hours are not known or it does not open within LOOK_AHEAD_DAYS."""
    if hours is None:
        return None
    if hours == ALWAYS or is_open(hours, at):
        return at
    table = normalise(hours)
    local = at.astimezone(OSLO)
    for offset in range(LOOK_AHEAD_DAYS):
        day = local.date() + dt.timedelta(days=offset)
        for start, _end in _day_periods(table, day) or []:
            candidate = dt.datetime.combine(day, start, tzinfo=OSLO)
            if candidate > local:
                return candidate
    return None
