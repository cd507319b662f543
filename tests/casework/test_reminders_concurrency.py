"""Two sweeps at the same moment, in two threads with their own database connections (PostgreSQL).

The in-process race (one sweep overtaking another before its claim) is in test_reminders.py and
runs everywhere; this one lets the database's row locks decide, as two Celery workers would.
"""

from __future__ import annotations

import datetime as dt
import threading
from typing import Any

import pytest
import time_machine
from django.db import connection

from casework import reminders
from casework.models import Reminder
from kernel.calendar import OSLO
from tests.factories import UserFactory, make_enquiry

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def test_two_workers_sweeping_at_once_send_each_reminder_once(db: Any) -> None:
    if connection.vendor != "postgresql":
        pytest.skip(
            "needs PostgreSQL: two connections racing on row locks (the .ci/run PostgreSQL pass)"
        )
    from accounts.models import Team

    team = Team.objects.get(slug="tonsberg")
    alice = UserFactory(
        username="alice", team=team, roles=["team_member"], email="alice@example.no"
    )
    UserFactory(username="bob", team=team, roles=["coordinator"], email="bob@example.no")
    with time_machine.travel(dt.datetime(2026, 11, 27, 15, 0, tzinfo=OSLO), tick=False):
        enquiries = [make_enquiry(actor=alice) for _ in range(30)]
    now = dt.datetime(2026, 12, 1, 15, 0, tzinfo=OSLO)

    start = threading.Barrier(2)
    counts: list[int] = []
    errors: list[BaseException] = []

    def worker() -> None:
        try:
            start.wait()
            counts.append(reminders.sweep(now=now).count)
        except BaseException as exc:
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not errors, errors
    assert sum(counts) == 30, counts  # every enquiry reminded by exactly one of the two
    for enquiry in enquiries:
        assert Reminder.objects.filter(enquiry=enquiry).count() == 2  # alice and bob, once each
