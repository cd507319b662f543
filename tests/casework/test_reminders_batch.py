"""The batched sweep (issue 21, item 2): one claim, one INSERT and one commit per batch, e-mails
after the commit; a sweep that dies between its claim and its commit leaves everything due, and
the next sweep sends each reminder once."""

from __future__ import annotations

import datetime as dt
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
import time_machine
from django.core import mail
from django.db import connection, connections
from django.test.utils import CaptureQueriesContext

from audit.models import AuditEvent
from casework import reminders
from casework.models import Reminder
from intake.models import EnquiryClock
from kernel.calendar import OSLO
from tests.factories import UserFactory, make_enquiry

ROOT = Path(__file__).resolve().parents[2]
RECEIVED = dt.datetime(2026, 11, 27, 15, 0, tzinfo=OSLO)  # a Friday: due Tuesday 15:00
NOW = dt.datetime(2026, 12, 1, 15, 0, tzinfo=OSLO)


def people() -> Any:
    from accounts.models import Team

    team = Team.objects.get(slug="tonsberg")
    alice = UserFactory(
        username="alice", team=team, roles=["team_member"], email="alice@example.no"
    )
    UserFactory(username="bob", team=team, roles=["coordinator"], email="bob@example.no")
    return alice


def due_enquiries(count: int, actor: Any) -> list[Any]:
    with time_machine.travel(RECEIVED, tick=False):
        return [make_enquiry(actor=actor) for _ in range(count)]


def run_sweep(capture: Any) -> reminders.SweepResult:
    with time_machine.travel(NOW, tick=False), capture(execute=True):
        return reminders.sweep(now=NOW)


@pytest.mark.django_db
def test_a_batch_is_one_claim_one_insert_and_one_chain_of_events(
    django_capture_on_commit_callbacks: Any,
) -> None:
    alice = people()
    enquiries = due_enquiries(12, alice)
    before = AuditEvent.objects.count()
    with CaptureQueriesContext(connection) as queries:
        result = run_sweep(django_capture_on_commit_callbacks)
    assert result.count == 12
    sql = [q["sql"] for q in queries.captured_queries]
    claims = [s for s in sql if s.startswith("UPDATE") and "RETURNING" in s]
    inserts = [s for s in sql if s.startswith('INSERT INTO "casework_reminder"')]
    # One INSERT (SQLite) or one COPY (PostgreSQL, audit.events._append) for the whole batch.
    event_inserts = [
        s for s in sql if s.startswith(("INSERT INTO audit_auditevent", "COPY audit_auditevent"))
    ]
    assert (len(claims), len(inserts), len(event_inserts)) == (1, 1, 1)
    assert Reminder.objects.count() == 24  # 12 enquiries × alice and bob
    assert AuditEvent.objects.count() - before == 12  # one event per reminded enquiry
    assert len(mail.outbox) == 24
    assert all(
        c.reminded_at is not None for c in EnquiryClock.objects.filter(enquiry__in=enquiries)
    )


@pytest.mark.django_db
def test_a_failure_after_the_claim_leaves_every_item_due(
    django_capture_on_commit_callbacks: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    alice = people()
    due_enquiries(5, alice)
    events_before = AuditEvent.objects.count()

    def fail(*args: Any, **kwargs: Any) -> None:
        raise RuntimeError("the worker died after claiming")

    monkeypatch.setattr(reminders.events, "record_many", fail)
    with pytest.raises(RuntimeError):
        run_sweep(django_capture_on_commit_callbacks)
    # The claim rolled back with the rest: nothing recorded, nothing sent, everything still due.
    assert Reminder.objects.count() == 0
    assert len(mail.outbox) == 0
    assert AuditEvent.objects.count() == events_before
    assert EnquiryClock.objects.filter(reminded_at__isnull=False).count() == 0

    monkeypatch.undo()
    assert run_sweep(django_capture_on_commit_callbacks).count == 5
    assert run_sweep(django_capture_on_commit_callbacks).count == 0
    assert Reminder.objects.count() == 10
    assert len(mail.outbox) == 10


@pytest.mark.postgres
@pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="needs PostgreSQL: a separate process held at a row lock between claim and commit",
)
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_sweeping_process_killed_between_claim_and_commit_loses_nothing(
    django_capture_on_commit_callbacks: Any,
) -> None:
    """A real process: `send_reminders` claims its batch, then waits for the audit chain's head,
    which this test holds locked; killed there (SIGKILL), it leaves every item due."""
    alice = people()
    due_enquiries(6, alice)
    settings_dict = connection.settings_dict
    url = (
        f"postgres://{settings_dict['USER']}@{settings_dict['HOST'] or '127.0.0.1'}:"
        f"{settings_dict['PORT'] or 5432}/{settings_dict['NAME']}"
    )
    env = {**os.environ, "DATABASE_URL": url, "AUDIT_CHAINS": "1", "DEBUG": "False"}
    holder = connections.create_connection("default")
    try:
        holder.set_autocommit(False)
        with holder.cursor() as cursor:
            cursor.execute("SELECT id FROM audit_chainhead WHERE id = 1 FOR UPDATE")
        process = subprocess.Popen(
            [sys.executable, "manage.py", "send_reminders", "--now", NOW.isoformat()],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            deadline = time.monotonic() + 60
            claimed = False
            while time.monotonic() < deadline and not claimed:
                time.sleep(0.2)
                with connection.cursor() as cursor:
                    # The sweep's own transaction has claimed (its UPDATE ran) and now waits.
                    cursor.execute(
                        "SELECT count(*) FROM pg_stat_activity WHERE datname = %s "
                        "AND wait_event_type = 'Lock' AND query LIKE '%%audit_chainhead%%'",
                        [settings_dict["NAME"]],
                    )
                    claimed = cursor.fetchone()[0] > 0
            assert claimed, "the sweep never reached the audit chain's head"
            process.send_signal(signal.SIGKILL)
            process.wait(timeout=30)
        finally:
            if process.poll() is None:
                process.kill()
    finally:
        holder.rollback()
        holder.close()
    assert Reminder.objects.count() == 0
    assert EnquiryClock.objects.filter(reminded_at__isnull=False).count() == 0
    mail.outbox.clear()
    assert run_sweep(django_capture_on_commit_callbacks).count == 6
    assert run_sweep(django_capture_on_commit_callbacks).count == 0
    assert Reminder.objects.count() == 12
    assert len(mail.outbox) == 12
