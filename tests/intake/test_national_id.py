import datetime as dt

import pytest

from kernel import national_id


def make_id(day: int, month: int, yy: int, *, d_number: bool = False, start: int = 0) -> str:
    """The first id with valid check digits for this date (individual numbers from `start`)."""
    day_digits = day + 40 if d_number else day
    for individual in range(start, 1000):
        base = f"{day_digits:02d}{month:02d}{yy:02d}{individual:03d}"
        for k1 in range(10):
            for k2 in range(10):
                if national_id.has_valid_check_digits(f"{base}{k1}{k2}"):
                    return f"{base}{k1}{k2}"
    raise AssertionError("no valid id")


TODAY = dt.date(2026, 11, 26)


@pytest.mark.parametrize("value", ["01010750160", "15076500565"])
def test_it_accepts_valid_fodselsnummer(value):
    assert national_id.is_valid(value, today=TODAY)


def test_it_reads_the_century_from_the_individual_number():
    assert national_id.birth_date(make_id(1, 1, 40, start=0)) == dt.date(1940, 1, 1)
    assert national_id.birth_date(make_id(1, 1, 5, start=500)) == dt.date(2005, 1, 1)


def test_it_accepts_a_d_number():
    d_number = make_id(1, 1, 70, d_number=True)
    assert int(d_number[0]) >= 4
    assert national_id.birth_date(d_number) == dt.date(1970, 1, 1)
    assert national_id.is_valid(d_number, today=TODAY)


@pytest.mark.parametrize(
    "value",
    ["01017012345", "0101075016", "010107501600", "0101075016a", "", "15076500566", "١٥٠٧٦٥٠٠٥٦٥"],
)
def test_it_rejects_bad_check_digits_or_shapes(value):
    assert not national_id.is_valid(value, today=TODAY)


def test_it_rejects_a_birth_date_in_the_future():
    future = make_id(5, 5, 30, start=500)  # 2030
    assert national_id.has_valid_check_digits(future)
    assert not national_id.is_valid(future, today=TODAY)


def test_it_rejects_an_impossible_date():
    impossible = make_id(31, 2, 70)
    assert national_id.has_valid_check_digits(impossible)
    assert not national_id.is_valid(impossible, today=TODAY)
