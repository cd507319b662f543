"""Reminders through a real Celery worker and beat over the real Redis (.ci/run's PostgreSQL pass).

These tests start ``celery -A tryggest worker -B`` as a subprocess against the test database, so
the data they make must be committed (a transactional test). The flush after a transactional test
empties what the data migrations installed; ``serialized_rollback`` puts it back for the next one.
"""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote

import kombu.exceptions
import pytest
import redis.exceptions
from django.conf import settings
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from casework.models import Reminder, ReminderKind
from intake.models import Deadline, DeadlineKind, DeadlineUnit, Enquiry, EnquiryClock
from tests.conftest import logged_in
from tests.factories import UserFactory

BROKER = os.environ.get("CELERY_BROKER_URL", "")
CLOSED_PORT_BROKER = "redis://127.0.0.1:1/0"  # nothing listens on port 1
ROOT = Path(__file__).resolve().parents[2]

pytestmark = [
    pytest.mark.redis,
    pytest.mark.skipif(
        not BROKER.startswith("redis://"),
        reason="needs a real Redis in CELERY_BROKER_URL (set by .ci/run's PostgreSQL pass)",
    ),
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def _database_url() -> str:
    """The test database, for the worker process (which must see what this test committed)."""
    db = connection.settings_dict
    if db["ENGINE"] != "django.db.backends.postgresql":
        pytest.skip("the worker process needs a database it can open beside the tests: PostgreSQL")
    auth = quote(db["USER"] or "")
    if db.get("PASSWORD"):
        auth += ":" + quote(db["PASSWORD"])
    return f"postgres://{auth}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


@pytest.fixture
def worker(tmp_path: Path) -> Iterator[Callable[..., subprocess.Popen[bytes]]]:
    """Start ``celery worker -B`` (beat inside) on its own queue, sweeping every second."""
    started: list[tuple[subprocess.Popen[bytes], Any]] = []
    queue = f"reminders-test-{uuid.uuid4().hex[:8]}"
    mail_dir = tmp_path / "mail"

    def start(broker: str) -> subprocess.Popen[bytes]:
        env = {
            **os.environ,
            "DATABASE_URL": _database_url(),
            "DB_CONN_MAX_AGE": "0",
            "CELERY_BROKER_URL": broker,
            "CELERY_QUEUE": queue,
            "REMINDER_SWEEP_SECONDS": "1",
            "EMAIL_BACKEND": "django.core.mail.backends.filebased.EmailBackend",
            "EMAIL_FILE_PATH": str(mail_dir),
            "DEBUG": "False",
            "SECRET_KEY": settings.SECRET_KEY,
            "AUDIT_HMAC_KEY": settings.AUDIT_HMAC_KEY,
        }
        log = open(tmp_path / f"worker-{len(started)}.log", "wb")  # noqa: SIM115 - closed below
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "tryggest",
                "worker",
                "-B",
                "--pool=solo",
                "--loglevel=INFO",
                "-n",
                f"{queue}-{len(started)}@%h",
                "-s",
                str(tmp_path / f"beat-schedule-{len(started)}"),
            ],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        started.append((process, log))
        return process

    start.mail_dir = mail_dir  # type: ignore[attr-defined]
    start.logs = tmp_path  # type: ignore[attr-defined]
    yield start
    for process, log in started:
        stop(process)
        log.close()
    # Leave the shared Redis as it was: the test queue's list and kombu's bindings for it.
    import redis

    client = redis.Redis.from_url(BROKER)
    for key in client.scan_iter(match=f"*{queue}*"):
        client.delete(key)


def stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=5)


def wait_for(condition: Callable[[], bool], *, seconds: float, logs: Path) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.5)
    output = "\n".join(
        p.read_text(errors="replace")[-3000:] for p in sorted(logs.glob("worker-*.log"))
    )
    pytest.fail(f"not within {seconds} s; worker output:\n{output}")


@pytest.fixture
def alice_and_bob(db: Any) -> tuple[Any, Any]:
    from accounts.models import Team

    team = Team.objects.get(slug="tonsberg")
    alice = UserFactory(
        username="alice", team=team, roles=["team_member"], email="alice@example.no"
    )
    bob = UserFactory(username="bob", team=team, roles=["coordinator"], email="bob@example.no")
    return alice, bob


@pytest.fixture
def one_minute_assessments(db: Any) -> None:
    """Make the assessment deadline a minute, so an enquiry falls due while the test waits."""
    Deadline.objects.filter(kind=DeadlineKind.ASSESSMENT).update(
        remind_after=1, escalate_after=60, unit=DeadlineUnit.MINUTES
    )


def mails_mentioning(mail_dir: Path, text: str) -> list[str]:
    if not mail_dir.exists():
        return []
    # The file backend writes each connection's messages into one file, separated by a rule.
    found = [m for p in mail_dir.iterdir() for m in p.read_text(errors="replace").split("-" * 79)]
    return [m for m in found if text in m]


def test_an_enquiry_that_falls_due_is_reminded_through_the_worker(
    worker: Any, alice_and_bob: Any, one_minute_assessments: None
) -> None:
    from intake import services
    from tests.factories import enquiry_values

    alice, _bob = alice_and_bob
    enquiry = services.enquiry_create(
        actor=alice,
        values=enquiry_values(),
        channel="phone",
        received_at=timezone.now() - dt.timedelta(seconds=55),  # due in about five seconds
    )
    due_at = EnquiryClock.objects.get(enquiry=enquiry).due_at
    worker(BROKER)
    wait_for(
        lambda: Reminder.objects.filter(enquiry=enquiry).count() == 2, seconds=60, logs=worker.logs
    )
    rows = list(Reminder.objects.filter(enquiry=enquiry))
    assert {r.recipient_user.username for r in rows} == {"alice", "bob"}
    assert all(r.kind == ReminderKind.REMINDER and r.sent_at >= due_at for r in rows)
    wait_for(
        lambda: len(mails_mentioning(worker.mail_dir, enquiry.reference)) == 2,
        seconds=20,
        logs=worker.logs,
    )
    time.sleep(3)  # three more sweeps: nothing is sent twice
    assert Reminder.objects.filter(enquiry=enquiry).count() == 2


def test_with_the_broker_down_intake_works_and_the_reminder_arrives_when_it_returns(
    worker: Any, alice_and_bob: Any, one_minute_assessments: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    from tryggest.celery import app

    alice, _bob = alice_and_bob
    # The broker is down for everyone: this process's Celery app and the worker with beat point at
    # a closed port, so anything published in the request path would fail, and no sweep can run.
    monkeypatch.setattr(app.conf, "broker_url", CLOSED_PORT_BROKER)
    down = worker(CLOSED_PORT_BROKER)

    # Submitting through the admin is quick and stores the row: nothing in the request path
    # talks to the broker.
    client = logged_in(alice)
    started = time.monotonic()
    response = client.post(
        reverse("admin:intake_enquiry_add"),
        {
            "channel": "phone",
            "reporter_type": "relative",
            "description": "Datteren ringer om moren.",
        },
    )
    elapsed = time.monotonic() - started
    assert response.status_code == 302, response.content.decode()[:2000]
    assert elapsed < 2, elapsed
    enquiry = Enquiry.objects.get()
    clock = EnquiryClock.objects.get(enquiry=enquiry)
    assert clock.due_at == enquiry.received_at + dt.timedelta(minutes=1)
    # Rather than wait the minute: the deadline falls a few seconds from now.
    due_at = timezone.now() + dt.timedelta(seconds=3)
    EnquiryClock.objects.filter(pk=clock.pk).update(due_at=due_at)

    # A publish to the dead broker fails fast (bounded timeouts), and is never on the request path.
    with app.connection_for_write(CLOSED_PORT_BROKER) as conn:
        started = time.monotonic()
        # kombu wraps the refused connection in its OperationalError (or lets redis-py's or the
        # socket's own through): a connection error, not any error.
        with pytest.raises(
            (kombu.exceptions.OperationalError, redis.exceptions.ConnectionError, OSError)
        ):
            app.send_task("casework.tasks.sweep_reminders", connection=conn, retry=False)
        assert time.monotonic() - started < 3

    # The reminder falls due while the broker is down: nothing can send it.
    while timezone.now() < due_at + dt.timedelta(seconds=2):
        time.sleep(0.5)
    assert not Reminder.objects.filter(enquiry=enquiry).exists()

    # The broker is back: beat's next sweep sends what fell due meanwhile, once.
    stop(down)
    worker(BROKER)
    wait_for(
        lambda: Reminder.objects.filter(enquiry=enquiry).count() == 2, seconds=60, logs=worker.logs
    )
    wait_for(
        lambda: len(mails_mentioning(worker.mail_dir, enquiry.reference)) == 2,
        seconds=20,
        logs=worker.logs,
    )
    time.sleep(3)
    assert Reminder.objects.filter(enquiry=enquiry).count() == 2
