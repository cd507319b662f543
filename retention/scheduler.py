"""The nightly retention job in-process, for ``make run`` (SQLite, no broker): a daemon thread
beside the reminder scheduler, started by ``manage.py runserver_with_schedules``. Deployments
use Celery beat (settings.CELERY_BEAT_SCHEDULE), never this thread."""

from __future__ import annotations

import logging
import threading

from django.db import close_old_connections

from retention import jobs

logger = logging.getLogger(__name__)


class RetentionScheduler(threading.Thread):
    def __init__(self, interval: float) -> None:
        super().__init__(name="retention-scheduler", daemon=True)
        self.interval = interval
        self.stopped = threading.Event()

    def run(self) -> None:
        logger.info("Retention scheduler: a run every %s seconds (no broker)", self.interval)
        while not self.stopped.is_set():
            self.tick()
            self.stopped.wait(self.interval)

    def tick(self) -> None:
        close_old_connections()
        try:
            jobs.nightly()
        except Exception:
            logger.exception("Retention run failed")
        finally:
            close_old_connections()

    def stop(self) -> None:
        self.stopped.set()
