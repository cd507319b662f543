"""The Norwegian calendar the service works by: Europe/Oslo, public holidays, working days.

Deadlines in working days (``intake.clock``), opening hours (``kernel.opening_hours``) and the
statistics' days (``stats.rollup``) all count in Oslo time with Norway's statutory public
holidays (the ``holidays`` library).

**The Oslo day of a moment** is defined here once, for Python (``oslo_day``, ``oslo_today``,
``oslo_day_bounds``) and for SQL (``oslo_day_sql``, ``OsloDay``): the date on the clocks in
Norway at that moment. A day starts at Oslo midnight, so it lasts 23 hours when summer time
starts and 25 when it ends; between midnight and 01:00 (02:00 in summer) it is still the day
before in UTC, which is how the database stores every moment.

Deadlines counted in days keep the local clock time across a change of summer time
(``add_calendar_days``, ``add_working_days``): 30 days from 10 March 10:00 is 9 April 10:00.
"""

from __future__ import annotations

import datetime as dt
from functools import cache
from typing import Any
from zoneinfo import ZoneInfo

import holidays
from django.db import connection
from django.db.models.functions import TruncDate

OSLO = ZoneInfo("Europe/Oslo")


def _aware(moment: dt.datetime) -> dt.datetime:
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError("A moment must carry its time zone (an aware datetime).")
    return moment


# The moments the service can be asked about (an operator's --now, a task's catch-up time): the
# years its records can hold, with room on both sides for the arithmetic of deadlines and retries.
EARLIEST_MOMENT = dt.datetime(2000, 1, 1, tzinfo=OSLO)
LATEST_MOMENT = dt.datetime(2101, 1, 1, tzinfo=OSLO)  # exclusive


def parse_moment(text: str) -> dt.datetime:
    """An ISO 8601 date or date and time (without an offset: Oslo time) as an aware datetime.

    ValueError, with a message for the person who typed it, when it is no such time or falls
    outside 2000-01-01 to 2100-12-31 (``EARLIEST_MOMENT``, ``LATEST_MOMENT``).
    """
    try:
        moment = dt.datetime.fromisoformat(text.strip())
    except (ValueError, TypeError, AttributeError):
        moment = None
    if moment is None:
        raise ValueError(f"{text!r} is not an ISO 8601 time, e.g. 2026-12-01T15:00.")
    try:
        if moment.tzinfo is None or moment.utcoffset() is None:
            moment = _on_oslo_clocks(moment.replace(tzinfo=None))
        within = EARLIEST_MOMENT <= moment < LATEST_MOMENT
    except OverflowError:  # in UTC it would fall before the calendar's first day or after its last
        within = False
    if not within:
        raise ValueError(
            f"{text!r} is outside the service's years: give a time from "
            f"{EARLIEST_MOMENT:%Y-%m-%d} to {LATEST_MOMENT.year - 1}-12-31."
        )
    return moment


def oslo_day(moment: dt.datetime) -> dt.date:
    """The Oslo day of ``moment`` (an aware datetime): its date on the clocks in Norway.

    ValueError for a naive datetime, whose moment is unknown. SQL's twin is ``oslo_day_sql``.
    """
    return _aware(moment).astimezone(OSLO).date()


def oslo_today() -> dt.date:
    """The Oslo day it is now."""
    return oslo_day(dt.datetime.now(dt.UTC))


def oslo_midnight(day: dt.date) -> dt.datetime:
    """The moment ``day`` starts in Oslo (midnight exists every day: summer time changes at
    02:00 and 03:00)."""
    return dt.datetime.combine(day, dt.time(), tzinfo=OSLO)


def oslo_day_bounds(first: dt.date, last: dt.date) -> tuple[dt.datetime, dt.datetime]:
    """The moments of the Oslo days ``first`` to ``last`` (inclusive): [start, end), aware.

    A moment ``m`` lies in them exactly when ``first <= oslo_day(m) <= last``. Compare them with
    stored moments through the ORM, or as ``connection.ops.adapt_datetimefield_value`` of them in
    raw SQL (SQLite stores UTC text and compares text: an Oslo time would not compare true).
    """
    return oslo_midnight(first), oslo_midnight(last + dt.timedelta(days=1))


def oslo_day_sql(column: str) -> tuple[str, list[Any]]:
    """SQL (and its parameters) for the Oslo day of the moment in ``column``, on the connection's
    database: ``oslo_day`` in SQL. On SQLite Django's function converts with the same zoneinfo."""
    sql, params = connection.ops.datetime_cast_date_sql(column, (), OSLO.key)
    return sql, list(params)


class OsloDay(TruncDate):
    """The ORM expression for the Oslo day of a moment field: ``oslo_day`` in a query."""

    def __init__(self, expression: Any, **extra: Any) -> None:
        super().__init__(expression, tzinfo=OSLO, **extra)


@cache
def _norwegian_holidays(year: int) -> holidays.HolidayBase:
    # Only the statutory public holidays (not Sundays, which the library can also list).
    return holidays.country_holidays("NO", years=year)


def is_public_holiday(day: dt.date) -> bool:
    return day in _norwegian_holidays(day.year)


def is_working_day(day: dt.date) -> bool:
    return day.weekday() < 5 and not is_public_holiday(day)


def _on_oslo_clocks(naive: dt.datetime) -> dt.datetime:
    """The moment the clocks in Oslo read ``naive``, as an Oslo datetime.

    Of a time that occurs twice (the hour repeated when summer time ends) the first; a time that
    does not occur (the hour skipped when summer time starts) is read as the hour before the change
    would have, so 02:30 is the moment the clocks show 03:30. Normalised, so that two such
    datetimes compare by their moments.
    """
    return naive.replace(tzinfo=OSLO, fold=0).astimezone(dt.UTC).astimezone(OSLO)


def add_local(moment: dt.datetime, delta: dt.timedelta) -> dt.datetime:
    """The moment the Oslo clocks read ``delta`` later than they read at ``moment``.

    Days in ``delta`` are calendar days on the clocks, whatever summer time does meanwhile: a day
    is 23 or 25 hours across a change. Use plain ``+`` for elapsed time (an hour is an hour).
    """
    local = _aware(moment).astimezone(OSLO).replace(tzinfo=None)
    return _on_oslo_clocks(local + delta)


def local_difference(start: dt.datetime, end: dt.datetime) -> dt.timedelta:
    """How far the Oslo clocks moved from ``start`` to ``end``: ``add_local(start, result) ==
    end``. Differs from ``end - start`` by an hour when a change of summer time lies between."""
    return _aware(end).astimezone(OSLO).replace(tzinfo=None) - _aware(start).astimezone(
        OSLO
    ).replace(tzinfo=None)


def add_calendar_days(start: dt.datetime, days: int) -> dt.datetime:
    """The same local time of day, ``days`` calendar days later (negative: earlier)."""
    return add_local(start, dt.timedelta(days=days))


def add_working_days(start: dt.datetime, days: int) -> dt.datetime:
    """The same local time of day, ``days`` Norwegian working days later."""
    local = _aware(start).astimezone(OSLO)
    day = local.date()
    remaining = days
    while remaining > 0:
        day += dt.timedelta(days=1)
        if is_working_day(day):
            remaining -= 1
    return _on_oslo_clocks(dt.datetime.combine(day, local.time()))
