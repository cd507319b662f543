"""The Norwegian calendar the service works by: Europe/Oslo, public holidays, working days.

Deadlines in working days (``intake.clock``), opening hours (``kernel.opening_hours``) and the
statistics' days (``stats.rollup``) all count in Oslo time with Norway's statutory public
holidays (the ``holidays`` library).
"""

from __future__ import annotations

import datetime as dt
from functools import cache
from zoneinfo import ZoneInfo

import holidays

OSLO = ZoneInfo("Europe/Oslo")


@cache
def _norwegian_holidays(year: int) -> holidays.HolidayBase:
    # Only the statutory public holidays (not Sundays, which the library can also list).
    return holidays.country_holidays("NO", years=year)


def is_public_holiday(day: dt.date) -> bool:
    return day in _norwegian_holidays(day.year)


def is_working_day(day: dt.date) -> bool:
    return day.weekday() < 5 and not is_public_holiday(day)


def add_working_days(start: dt.datetime, days: int) -> dt.datetime:
    """The same local time of day, ``days`` Norwegian working days later."""
    local = start.astimezone(OSLO)
    day = local.date()
    remaining = days
    while remaining > 0:
        day += dt.timedelta(days=1)
        if is_working_day(day):
            remaining -= 1
    return dt.datetime.combine(day, local.time(), tzinfo=OSLO)
