"""The statistics count each enquiry on the Oslo day it was received, on both databases.

Issue 14, fault 10: on SQLite the roll-up missed enquiries received between midnight and 01:00
or 02:00 Oslo time (still the day before in UTC), until ``rebuild_stats`` was run. Enquiries are
submitted through the API as a service would, at a frozen moment, and counted through the
statistics API as a manager reads them; ``rebuild_stats`` must then agree.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
import time_machine
from django.core.cache import cache
from django.core.management import call_command

from kernel.calendar import OSLO, oslo_day, oslo_day_bounds
from routing.services import service_key_create
from stats import rollup
from tests.api.conftest import key_client, staff_client, submission

pytestmark = pytest.mark.django_db

# Five a moment: counts 1 to 4 are suppressed for managers (stats/disclosure.py).
PER_MOMENT = 5

MOMENTS = {
    "23:30 on a winter evening": dt.datetime(2026, 1, 14, 23, 30, tzinfo=OSLO),
    "00:30 on a winter night": dt.datetime(2026, 1, 15, 0, 30, tzinfo=OSLO),
    "00:30 on a summer night": dt.datetime(2026, 6, 15, 0, 30, tzinfo=OSLO),
    "01:59 on a summer night": dt.datetime(2026, 6, 15, 1, 59, tzinfo=OSLO),
    # Summer time starts: 02:00 becomes 03:00 on 29 March 2026 (a 23-hour day).
    "00:30 on the spring change day": dt.datetime(2026, 3, 29, 0, 30, tzinfo=OSLO),
    "03:30 on the spring change day": dt.datetime(2026, 3, 29, 3, 30, tzinfo=OSLO),
    "23:30 on the spring change day": dt.datetime(2026, 3, 29, 23, 30, tzinfo=OSLO),
    # Summer time ends: 03:00 becomes 02:00 on 25 October 2026 (a 25-hour day).
    "00:30 on the autumn change day": dt.datetime(2026, 10, 25, 0, 30, tzinfo=OSLO),
    "the second 02:30 on the autumn change day": dt.datetime(
        2026, 10, 25, 2, 30, fold=1, tzinfo=OSLO
    ),
    "23:30 on the autumn change day": dt.datetime(2026, 10, 25, 23, 30, tzinfo=OSLO),
}


@pytest.fixture
def nav(db: Any) -> Any:
    cache.clear()  # the API's throttle counts live in the cache
    return key_client(service_key_create(slug="nav-tonsberg", name="NAV Tønsberg")[1])


def submit_at(nav: Any, moment: dt.datetime, n: int = PER_MOMENT) -> None:
    with time_machine.travel(moment, tick=False):
        for _ in range(n):
            assert nav.post("/api/v1/enquiries/", submission(), format="json").status_code == 201


def received_on(client: Any, day: dt.date) -> int:
    rollup.refresh()  # the scheduler's refresh between the changes and the read
    response = client.get("/api/v1/stats/", {"from": day.isoformat(), "to": day.isoformat()})
    assert response.status_code == 200, response.content
    return response.json()["total_received"]


@pytest.mark.parametrize("moment", MOMENTS.values(), ids=MOMENTS.keys())
def test_an_enquiry_counts_on_the_oslo_day_it_was_received(
    moment: dt.datetime, nav: Any, mona: Any
) -> None:
    submit_at(nav, moment)
    day = moment.date()
    manager = staff_client(mona)
    counted = [received_on(manager, day + dt.timedelta(days=d)) for d in (-1, 0, 1)]
    assert counted == [0, PER_MOMENT, 0]
    call_command("rebuild_stats")
    assert [received_on(manager, day + dt.timedelta(days=d)) for d in (-1, 0, 1)] == counted


def test_a_refresh_of_several_days_counts_each_on_its_own_day(nav: Any, mona: Any) -> None:
    """Enquiries of several days counted in one refresh each count on their own Oslo day."""
    for moment in (
        dt.datetime(2026, 3, 28, 23, 30, tzinfo=OSLO),
        dt.datetime(2026, 3, 29, 0, 30, tzinfo=OSLO),
        dt.datetime(2026, 3, 31, 0, 30, tzinfo=OSLO),
    ):
        submit_at(nav, moment)
    manager = staff_client(mona)
    days = [dt.date(2026, 3, d) for d in (27, 28, 29, 30, 31)]
    assert [received_on(manager, day) for day in days] == [0, 5, 5, 0, 5]


def test_the_oslo_day_of_a_moment_and_the_moments_of_a_day_agree() -> None:
    """kernel.calendar's one definition, in both directions, on the days summer time changes."""
    for day, hours in ((dt.date(2026, 3, 29), 23), (dt.date(2026, 10, 25), 25)):
        start, end = oslo_day_bounds(day, day)
        assert end.astimezone(dt.UTC) - start.astimezone(dt.UTC) == dt.timedelta(hours=hours)
        assert oslo_day(start) == day and oslo_day(end - dt.timedelta(microseconds=1)) == day
        assert oslo_day(end) == day + dt.timedelta(days=1)
        assert oslo_day(start.astimezone(dt.UTC)) == day  # 22:00 or 23:00 UTC the day before
