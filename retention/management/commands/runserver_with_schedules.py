"""``manage.py runserver_with_schedules``: the development server with the reminder sweep and
the nightly retention job in-process (``make run``: SQLite, no broker)."""

from __future__ import annotations

from typing import Any

from django.conf import settings

from casework.management.commands.runserver_with_reminders import Command as WithReminders
from retention.scheduler import RetentionScheduler


class Command(WithReminders):
    help = "Run the development server with reminders and retention on schedule in-process."

    def inner_run(self, *args: Any, **options: Any) -> None:
        if not settings.CELERY_BROKER_URL:
            RetentionScheduler(interval=settings.RETENTION_RUN_SECONDS).start()
            self.stdout.write(
                f"Retention: an in-process run every {settings.RETENTION_RUN_SECONDS} s (no broker)."
            )
        super().inner_run(*args, **options)
