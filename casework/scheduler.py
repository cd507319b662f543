"""The embedded scheduler: reminders on schedule without Redis, Celery beat or a second process.

``make run`` (SQLite, no broker) serves with ``manage.py runserver_with_reminders``, which starts
this daemon thread beside the development server. It runs the same sweep as Celery beat, every
``REMINDER_SWEEP_SECONDS``. With a broker configured, beat does the job and the thread is not
started. Deployments use Celery beat and a worker (docker compose), never this thread.
"""

from __future__ import annotations

import logging
import threading

from django.db import close_old_connections

from audit import refusals
from casework import reminders

logger = logging.getLogger(__name__)


class ReminderScheduler(threading.Thread):
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
