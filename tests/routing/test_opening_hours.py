"""Opening hours (kernel.opening_hours): "24/7", the older list of periods and the week table with
exceptions, each answering is_open and next_opening right, in Oslo time, on holidays and across
the clock change."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from kernel.calendar import OSLO
from kernel.opening_hours import HoursError, is_open, next_opening, normalise, periods_on
from routing.defaults import service_rows
from routing.models import HelpService


def oslo(*args: int) -> dt.datetime:
    return dt.datetime(*args, tzinfo=OSLO)


OFFICE_LIST = [{"days": "mon-fri", "from": "08:00", "to": "15:30"}]
EVERY_DAY_LIST = [{"days": "mon-sun", "from": "10:00", "to": "18:00"}]


def week(**days: list[tuple[str, str]]) -> dict[str, Any]:
    table = {day: [] for day in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")}
    for day, periods in days.items():
        table[day] = [{"from": start, "to": end} for start, end in periods]
    return table


def hours(
    holidays: str = "closed", exceptions: list[dict[str, Any]] | None = None, **days: Any
) -> dict[str, Any]:
    return {"week": week(**days), "holidays": holidays, "exceptions": exceptions or []}


OFFICE = [("08:00", "15:30")]
WEEKDAYS_OFFICE = dict.fromkeys(("mon", "tue", "wed", "thu", "fri"), OFFICE)


# --- "24/7" and unknown hours ---


def test_always_open_is_open_at_any_time_and_opens_now() -> None:
    at = oslo(2026, 12, 25, 3, 0)  # Christmas Day, three in the night
    assert is_open("24/7", at) is True
    assert next_opening("24/7", at) == at


def test_unknown_hours_answer_none() -> None:
    at = oslo(2026, 12, 1, 10, 0)
    assert is_open(None, at) is None
    assert next_opening(None, at) is None


# --- The older list of periods, still read ---


@pytest.mark.parametrize(
    ("at", "expected"),
    [
        (oslo(2026, 11, 30, 8, 0), True),  # Monday, at opening
        (oslo(2026, 11, 30, 15, 29), True),
        (oslo(2026, 11, 30, 15, 30), False),  # closing time is closed
        (oslo(2026, 11, 30, 7, 59), False),
        (oslo(2026, 12, 5, 10, 0), False),  # Saturday
        (oslo(2027, 5, 17, 10, 0), False),  # Monday, Constitution Day: holidays as Sundays
    ],
)
def test_the_list_of_periods_is_still_read(at: dt.datetime, expected: bool) -> None:
    assert is_open(OFFICE_LIST, at) is expected


def test_in_the_list_a_holiday_keeps_sundays_hours() -> None:
    assert (
        is_open(EVERY_DAY_LIST, oslo(2027, 5, 17, 12, 0)) is True
    )  # open every day: on 17 May too


def test_the_list_means_the_week_table_it_describes() -> None:
    assert normalise(OFFICE_LIST) == hours(holidays="as_sunday", **WEEKDAYS_OFFICE)


def test_after_friday_closing_the_list_next_opens_on_monday() -> None:
    assert next_opening(OFFICE_LIST, oslo(2026, 12, 4, 16, 0)) == oslo(2026, 12, 7, 8, 0)


@pytest.mark.django_db
def test_the_stored_directory_is_the_week_table_of_the_shipped_list() -> None:
    """Migration routing/0008 turned every stored list into the week table it describes."""
    shipped = {row["slug"]: row["hours"] for row in service_rows()}
    assert any(isinstance(h, list) for h in shipped.values())
    for service in HelpService.objects.all():
        assert service.hours == normalise(shipped[service.slug]), service.slug
        assert not isinstance(service.hours, list)


# --- The week table ---


def test_a_day_with_a_break_is_closed_in_the_break_and_opens_again() -> None:
    table = hours(mon=[("08:00", "11:30"), ("12:30", "15:00")])
    assert is_open(table, oslo(2026, 11, 30, 11, 0)) is True
    assert is_open(table, oslo(2026, 11, 30, 12, 0)) is False
    assert next_opening(table, oslo(2026, 11, 30, 12, 0)) == oslo(2026, 11, 30, 12, 30)
    assert is_open(table, oslo(2026, 11, 30, 14, 0)) is True


@pytest.mark.parametrize(("rule", "expected"), [("closed", False), ("as_sunday", True)])
def test_public_holidays_are_closed_or_keep_sundays_hours(rule: str, expected: bool) -> None:
    table = hours(holidays=rule, sun=[("12:00", "16:00")], **WEEKDAYS_OFFICE)
    # Ascension Day 2027 is Thursday 6 May: at 13:00 only Sunday's hours could be open.
    assert is_open(table, oslo(2027, 5, 6, 13, 0)) is expected
    assert is_open(table, oslo(2027, 5, 6, 9, 0)) is False  # never the weekday's hours
    assert is_open(table, oslo(2027, 5, 7, 9, 0)) is True  # Friday after: the week table


def test_over_easter_the_next_opening_skips_every_holiday() -> None:
    table = hours(**WEEKDAYS_OFFICE)
    # Maundy Thursday 25 March 2027 → Easter Monday 29 March: next open Tuesday 30 March.
    assert next_opening(table, oslo(2027, 3, 24, 16, 0)) == oslo(2027, 3, 30, 8, 0)


def test_next_opening_is_right_across_the_spring_clock_change() -> None:
    # 28 March 2027 (Easter Sunday: Sunday's hours kept): clocks go from 02:00 to 03:00 in Oslo.
    table = hours(holidays="as_sunday", sun=[("01:00", "05:00")])
    opening = next_opening(table, oslo(2027, 3, 27, 23, 0))
    assert opening == oslo(2027, 3, 28, 1, 0)
    assert opening.utcoffset() == dt.timedelta(hours=1)
    later = next_opening(
        hours(holidays="as_sunday", sun=[("09:00", "10:00")]), oslo(2027, 3, 28, 1, 0)
    )
    assert later == oslo(2027, 3, 28, 9, 0) and later.utcoffset() == dt.timedelta(hours=2)


def test_is_open_judges_in_oslo_time_whatever_the_time_zone_given() -> None:
    table = hours(**WEEKDAYS_OFFICE)
    utc_moment = dt.datetime(2026, 11, 30, 7, 30, tzinfo=dt.UTC)  # 08:30 in Oslo
    assert is_open(table, utc_moment) is True


# --- Exceptions: summer hours, Christmas, closures ---

SUMMER = {
    "from": "2027-07-01",
    "to": "2027-08-08",
    "note": "Sommertid",
    "hours": [{"from": "09:00", "to": "14:00"}],
}
CHRISTMAS_CLOSED = {"from": "2026-12-23", "to": "2027-01-03", "note": "Jul", "hours": []}


def test_summer_hours_replace_the_week_table_on_open_days() -> None:
    table = hours(exceptions=[SUMMER], **WEEKDAYS_OFFICE)
    assert is_open(table, oslo(2027, 7, 5, 8, 30)) is False  # Monday in July: opens 09:00
    assert is_open(table, oslo(2027, 7, 5, 13, 30)) is True
    assert is_open(table, oslo(2027, 7, 5, 14, 30)) is False
    assert next_opening(table, oslo(2027, 7, 5, 8, 30)) == oslo(2027, 7, 5, 9, 0)
    assert periods_on(table, dt.date(2027, 8, 8)) == []  # a Sunday: closed days stay closed
    assert is_open(table, oslo(2027, 8, 6, 13, 59)) is True  # the last Friday of the exception
    assert is_open(table, oslo(2027, 8, 9, 15, 0)) is True  # the day after: the week table


def test_a_closure_closes_every_day_and_the_next_opening_is_after_it() -> None:
    table = hours(exceptions=[CHRISTMAS_CLOSED], **WEEKDAYS_OFFICE)
    assert is_open(table, oslo(2026, 12, 23, 10, 0)) is False
    assert is_open(table, oslo(2027, 1, 1, 10, 0)) is False
    assert next_opening(table, oslo(2026, 12, 22, 16, 0)) == oslo(2027, 1, 4, 8, 0)


def test_next_opening_looks_past_a_closure_of_many_weeks() -> None:
    long = {"from": "2027-06-01", "to": "2027-08-31", "note": "Stengt i sommer", "hours": []}
    table = hours(exceptions=[long], **WEEKDAYS_OFFICE)
    assert next_opening(table, oslo(2027, 6, 1, 7, 0)) == oslo(2027, 9, 1, 8, 0)


def test_never_open_has_no_next_opening() -> None:
    closed = {"from": "2026-01-01", "to": "2030-12-31", "note": "Nedlagt", "hours": []}
    table = hours(exceptions=[closed], **WEEKDAYS_OFFICE)
    assert is_open(table, oslo(2026, 11, 30, 10, 0)) is False
    assert next_opening(table, oslo(2026, 11, 30, 10, 0)) is None


# --- What is refused ---


@pytest.mark.parametrize(
    "bad",
    [
        "always",
        [],
        [{"days": "mon-thu", "from": "08:00", "to": "15:00"}],
        [{"days": "mon-fri", "from": "15:00", "to": "08:00"}],
        {"week": week(), "holidays": "closed"},  # no exceptions key
        hours(mon=[("8:00", "15:00")]),  # HH:MM
        hours(mon=[("08:00", "12:00"), ("11:00", "15:00")]),  # overlapping periods
        hours(mon=[("12:00", "12:00")]),  # ends when it starts
        hours(holidays="open"),
        hours(exceptions=[{**SUMMER, "to": "2027-06-30"}]),  # ends before it starts
        hours(exceptions=[SUMMER, {**SUMMER, "from": "2027-08-08", "to": "2027-08-20"}]),
        hours(exceptions=[{**SUMMER, "note": "x" * 101}]),
        hours(exceptions=[{**SUMMER, "from": "1. juli"}]),
    ],
)
def test_malformed_hours_are_refused_with_a_reason(bad: object) -> None:
    with pytest.raises(HoursError) as info:
        normalise(bad)
    assert str(info.value)
