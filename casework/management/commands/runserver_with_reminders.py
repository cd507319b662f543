"""``manage.py runserver_with_reminders``: the development server plus the embedded reminder scheduler.

Used by ``make run`` (SQLite, no broker). The scheduler thread starts in the process that serves
(with the autoreloader, the child process), once, and only when no Celery broker is configured;
so does a thread for Celery beat's other entries (``casework.scheduler.BeatTasks``: the
statistics' refresh).
"""

from __future__ import annotations

from typing import Any

from django.conf import settings

# The staticfiles runserver, so that the admin and the public pages get their CSS in development.
from django.contrib.staticfiles.management.commands.runserver import Command as RunserverCommand

from casework.scheduler import BeatTasks, ReminderScheduler


class Command(RunserverCommand):
    help = (
        "Run the development server and send reminders on schedule in-process (no broker needed)."
    )

    def inner_run(self, *args: Any, **options: Any) -> None:
        if not settings.CELERY_BROKER_URL:
            ReminderScheduler(interval=settings.REMINDER_SWEEP_SECONDS).start()
            self.stdout.write(
                f"Reminders: an in-process sweep every {settings.REMINDER_SWEEP_SECONDS} s (no broker)."
            )
            others = BeatTasks.intervals_from(
                settings.CELERY_BEAT_SCHEDULE, exclude=ReminderScheduler.TASKS
            )
            if others:
                BeatTasks(others).start()
                self.stdout.write(
                    "Periodic tasks in-process: "
                    + ", ".join(f"{name} every {seconds:g} s" for name, seconds in others.items())
                )
        super().inner_run(*args, **options)
