"""The embedded scheduler: reminders on schedule without Redis, Celery beat or a second process.

``make run`` (SQLite, no broker) serves with ``manage.py runserver_with_reminders``, which starts
this daemon thread beside the development server. It runs the same sweep as Celery beat, every
``REMINDER_SWEEP_SECONDS``. With a broker configured, beat does the job and the thread is not
started. Deployments use Celery beat and a worker (docker compose), never this thread.

``BeatTasks`` runs the rest of Celery beat's schedule (``settings.CELERY_BEAT_SCHEDULE``, e.g. the
statistics' refresh every ``STATS_REFRESH_SECONDS``) in the same way, each entry at its own
interval, by task name from Celery's registry: so a periodic task any app adds to beat also runs
under ``make run``, and this module names no app above it.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterable
from typing import Any

from celery import current_app
from django.db import close_old_connections
from django.utils.module_loading import autodiscover_modules

from audit import refusals
from casework import reminders

logger = logging.getLogger(__name__)


class ReminderScheduler(threading.Thread):
    # The beat tasks a tick does itself (BeatTasks leaves them to it).
    TASKS = ("casework.tasks.sweep_reminders", "audit.tasks.summarise_refusals")

    def __init__(self, interval: float) -> None:
        super().__init__(name="reminder-scheduler", daemon=True)
        self.interval = interval
        self.stopped = threading.Event()

    def run(self) -> None:
        logger.info("Reminder scheduler: a sweep every %s seconds (no broker)", self.interval)
        while not self.stopped.is_set():
            self.tick()
            self.stopped.wait(self.interval)

    def tick(self) -> None:
        close_old_connections()
        try:
            reminders.sweep()
        except Exception:
            logger.exception("Reminder sweep failed")
        try:
            refusals.summarise()
        except Exception:
            logger.exception("Summarising refusals failed")
        finally:
            close_old_connections()

    def stop(self) -> None:
        self.stopped.set()


class BeatTasks(threading.Thread):
    """Celery beat's other entries in-process: ``intervals`` maps a task's name to its period in
    seconds. Each runs in this thread (``Task.apply``: here, not on a broker), first at start."""

    def __init__(self, intervals: dict[str, float]) -> None:
        super().__init__(name="beat-tasks", daemon=True)
        self.intervals = intervals
        self.stopped = threading.Event()

    @staticmethod
    def intervals_from(
        schedule: dict[str, Any], *, exclude: Iterable[str] = ()
    ) -> dict[str, float]:
        """Beat's entries that run every so many seconds, by task name (``exclude``: those run
        by a thread of their own). Entries on a calendar (a ``crontab``, such as retention's
        nightly run) are left out here: their app runs them in its own in-process thread."""
        skipped = set(exclude)
        return {
            entry["task"]: float(entry["schedule"])
            for entry in schedule.values()
            if entry["task"] not in skipped and isinstance(entry["schedule"], int | float)
        }

    def run(self) -> None:
        logger.info("In-process beat: %s (no broker)", self.intervals)
        due = dict.fromkeys(self.intervals, 0.0)
        while not self.stopped.is_set():
            for name, at in due.items():
                if at <= time.monotonic():
                    self.run_task(name)
                    due[name] = time.monotonic() + self.intervals[name]
            self.stopped.wait(max(min(due.values()) - time.monotonic(), 0.1))

    def run_task(self, name: str) -> None:
        close_old_connections()
        try:
            autodiscover_modules("tasks")  # every app's tasks registered (imports once)
            current_app.tasks[name].apply()
        except Exception:
            logger.exception("Periodic task %s failed", name)
        finally:
            close_old_connections()

    def stop(self) -> None:
        self.stopped.set()
