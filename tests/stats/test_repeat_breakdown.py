"""The repeat breakdown (issue 17): enquiries that are the first about their adult, and those that
repeat one received in the 12 months before (any team), suppressed like every other count."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from stats.selectors import repeat_counts
from tests.casework.test_same_adult import NATIONAL_ID, OTHER_ID, with_check_digits
from tests.stats.test_disclosure import frozen, received_on, stats

__all__ = ["frozen"]  # the fixture, used by name


@pytest.mark.django_db
def test_first_and_repeat_within_12_months_are_counted_and_small_ones_hidden(
    frozen: Any, alice: Any, tor: Any, mona: Any, as_user: Any
) -> None:
    # Last year's enquiry about the adult (outside the range) makes May's a repeat; more than
    # 12 months earlier would not.
    received_on(alice, dt.date(2025, 9, 1), subject_national_id=NATIONAL_ID)
    received_on(tor, dt.date(2024, 1, 1), subject_national_id=OTHER_ID, subject_birth_date=None)
    for day in range(1, 8):
        received_on(alice, dt.date(2026, 5, day), subject_national_id=NATIONAL_ID)
    received_on(alice, dt.date(2026, 5, 9), subject_national_id=OTHER_ID, subject_birth_date=None)
    for index in range(6):
        received_on(
            alice,
            dt.date(2026, 5, 10 + index),
            subject_national_id=with_check_digits(f"0{index + 1}0250300"),
            subject_birth_date=None,
        )
    body = stats(as_user(mona))
    assert body["total_received"] == 14
    # 7 first enquiries (the other id's, two years after its last; six new adults); 7 repeats.
    assert body["by_repeat"] == {"first": 7, "repeat_within_12_months": 7}

    small = stats(as_user(mona), "2026-05-01", "2026-05-03")
    # Three repeats and no first: the 3 is hidden, and so is the 0 (with the total known, it
    # would give the 3 away).
    assert small["total_received"] == 3
    assert small["by_repeat"] == {"first": None, "repeat_within_12_months": None}
    assert "by_repeat.repeat_within_12_months" in small["suppressed"]


@pytest.mark.django_db
def test_repeats_add_up_to_the_total_while_the_refresh_is_behind(
    frozen: Any, alice: Any, mona: Any, as_user: Any
) -> None:
    """Found by using the service: the total came from the roll-up (behind) and the repeats from
    the enquiries (live), so the dashboard showed 0 received beside 5 first enquiries."""
    for day in range(1, 8):
        received_on(alice, dt.date(2026, 5, day), subject_national_id=NATIONAL_ID)
    counted = stats(as_user(mona))  # refreshed
    for day in range(10, 16):  # not yet refreshed
        received_on(alice, dt.date(2026, 5, day), subject_national_id=NATIONAL_ID)
    response = as_user(mona).get("/api/v1/stats/", {"from": "2026-01-01", "to": "2026-06-15"})
    behind = response.json()
    assert behind["freshness"]["pending_changes"] == 6
    assert behind["total_received"] == counted["total_received"] == 7
    assert behind["by_repeat"] == counted["by_repeat"]
    # Unsuppressed, straight from the selector: the 7 counted, not the 13 received.
    raw = repeat_counts(dt.date(2026, 1, 1), dt.date(2026, 6, 15))
    assert raw == {"first": 1, "repeat_within_12_months": 6}
