"""Migration intake/0007 ends the pauses that hide urgency in data made before it (issue 14).

Before 0007 a pause survived immediate danger recorded later, and the closing of its enquiry;
clocks in that state are mended by the migration, and running clocks learn the time their step
was paused from the pauses' history.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

from kernel import sqlite_triggers
from kernel.calendar import local_difference
from tests.factories import make_enquiry

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

BEFORE = [("intake", "0007_used_form_token")]
AFTER = [("intake", "0008_clock_pause_shift_and_end_cause")]


def migrate(targets: list[tuple[str, str]]) -> Any:
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


@pytest.fixture(autouse=True)
def _back_to_the_latest_schema() -> Any:
    """Migrating intake back also unapplies what depends on it in other apps (later migrations
    of routing and stats); the tests after this one need every app's latest schema again."""
    yield
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(executor.loader.graph.leaf_nodes())
    # As the migrate command does when it is done: triggers a table rebuild dropped on SQLite.
    sqlite_triggers.restore(connection.alias)


def test_a_paused_acute_clock_and_a_closed_enquirys_pause_are_ended(alice: Any) -> None:
    acute = make_enquiry(actor=alice, immediate_danger=True)
    closed = make_enquiry(actor=alice)
    waiting = make_enquiry(actor=alice)
    apps = migrate(BEFORE)
    now = timezone.now()
    EnquiryClock = apps.get_model("intake", "EnquiryClock")
    ClockPause = apps.get_model("intake", "ClockPause")
    until = now + dt.timedelta(days=10)
    for enquiry in (acute, closed, waiting):
        ClockPause.objects.create(
            enquiry_id=enquiry.pk,
            reason="Venter på politiet.",
            paused_at=now,
            paused_until=until,
            paused_by_id=alice.pk,
        )
        EnquiryClock.objects.filter(enquiry_id=enquiry.pk).update(paused_until=until)
    EnquiryClock.objects.filter(enquiry_id=closed.pk).update(kind="", due_at=None)

    apps = migrate(AFTER)
    EnquiryClock = apps.get_model("intake", "EnquiryClock")
    ClockPause = apps.get_model("intake", "ClockPause")
    clock = EnquiryClock.objects.get(enquiry_id=acute.pk)
    assert clock.paused_until is None
    assert clock.due_at <= timezone.now()  # the acute deadline is due, not in ten days
    assert ClockPause.objects.get(enquiry_id=acute.pk).end_cause == "immediate_danger"
    assert EnquiryClock.objects.get(enquiry_id=closed.pk).paused_until is None
    assert ClockPause.objects.get(enquiry_id=closed.pk).end_cause == "closed"
    # A pause of an ordinary assessment runs on and counts as time paused in its step.
    clock = EnquiryClock.objects.get(enquiry_id=waiting.pk)
    assert clock.paused_until == until
    assert clock.pause_shift == local_difference(now, until)  # ten days on the Oslo clocks
    assert ClockPause.objects.get(enquiry_id=waiting.pk).ended_at is None
