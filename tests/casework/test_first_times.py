"""A "first time it happened" time is set once; repetitions are history, and the statistics say
which one they measure.

Issue 14, fault 4: assessed, forwarded, closed, reopened 60 days later and assessed again, an
enquiry's ``assessed_at`` moved 60 days on, after ``forwarded_at``, and the managers' 90th
percentile of hours to assessment for that period jumped from 2 to 865. The whole life is taken
through the API as the team takes it, and the statistics read as a manager reads them.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
import time_machine

from intake.models import Enquiry, StateChange
from kernel.calendar import OSLO
from stats import rollup
from tests.api.conftest import staff_client, submission

pytestmark = pytest.mark.django_db

RECEIVED = dt.datetime(2026, 1, 5, 8, 0, tzinfo=OSLO)


def at(moment: dt.datetime) -> Any:
    return time_machine.travel(moment, tick=False)


def later(**delta: float) -> dt.datetime:
    return RECEIVED + dt.timedelta(**delta)


def step(user: Any, moment: dt.datetime, path: str, body: dict[str, Any]) -> Any:
    with at(moment):
        response = staff_client(user).post(path, body, format="json")
    assert response.status_code in (200, 201), response.content
    return response.json()


def january(manager: Any) -> dict[str, Any]:
    rollup.refresh()  # the scheduler's refresh between the changes and the read
    with at(later(days=90)):
        response = staff_client(manager).get(
            "/api/v1/stats/", {"from": "2026-01-01", "to": "2026-01-31"}
        )
    assert response.status_code == 200, response.content
    return response.json()


@pytest.fixture
def lived(alice: Any, bob: Any) -> str:
    """Received 5 January 08:00, assessed after 2 h, forwarded 1 h later, closed; reopened 60
    days later, assessed again, closed again."""
    pk = step(alice, RECEIVED, "/api/v1/enquiries/", submission(channel="phone"))["id"]
    base = f"/api/v1/enquiries/{pk}"
    step(alice, later(hours=2), f"{base}/assessment/", {"answers": {}})
    step(
        alice,
        later(hours=3),
        f"{base}/forward/",
        {"services": ["nav-tonsberg"], "legal_basis": "consent"},
    )
    close = {"outcome": "referred_elsewhere", "outcome_asked": "not_asked"}
    step(alice, later(hours=4), f"{base}/close/", close)
    step(bob, later(days=60), f"{base}/reopen/", {"reason": "Ny bekymring fra naboen."})
    step(
        alice, later(days=60, hours=1), f"{base}/assessment/", {"answers": {"danger_weapon": True}}
    )
    step(alice, later(days=60, hours=2), f"{base}/close/", close)
    return pk


def test_the_first_assessment_and_forwarding_keep_their_times(lived: str) -> None:
    enquiry = Enquiry.objects.get(pk=lived)
    assert enquiry.assessed_at == later(hours=2)
    assert enquiry.forwarded_at == later(hours=3)
    assert enquiry.assessed_at <= enquiry.forwarded_at
    # Every repetition is a row of the history.
    assessed = StateChange.objects.filter(enquiry=enquiry, transition="assess")
    assert [change.at for change in assessed] == [later(hours=2), later(days=60, hours=1)]


def test_closed_at_is_the_current_closing_and_every_closing_is_history(lived: str) -> None:
    enquiry = Enquiry.objects.get(pk=lived)
    assert enquiry.closed_at == later(days=60, hours=2)
    closings = StateChange.objects.filter(enquiry=enquiry, transition="close")
    assert [change.at for change in closings] == [later(hours=4), later(days=60, hours=2)]


def test_the_statistics_measure_the_first_assessment_and_forwarding(lived: str, mona: Any) -> None:
    data = january(mona)
    assert data["median_hours_to_assessment"] == data["p90_hours_to_assessment"] == 2.0
    assert data["median_hours_to_forward"] == data["p90_hours_to_forward"] == 1.0
