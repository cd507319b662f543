"""``manage.py send_reminders [--now ISO8601] [--dry-run]``: the sweep that the scheduler runs."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.utils import timezone

from casework import reminders
from kernel import arguments


class Command(BaseCommand):
    help = "Send the reminders and escalations that are due (the same sweep as Celery beat runs)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--now",
            type=arguments.moment,
            help="Sweep as of this time (ISO 8601; without an offset, Oslo time; years 2000 to "
            "2100), e.g. for catch-up or tests.",
        )
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="List what is due; claim, store and send nothing.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        result = reminders.sweep(now=options["now"], dry_run=options["dry_run"])
        # References and usernames only: no personal data in the output.
        for item in result.planned:
            service = f" [{item.referral_service}]" if item.referral_service else ""
            self.stdout.write(
                f"{item.kind} {item.deadline} {item.reference}{service} "
                f"due {timezone.localtime(item.due_at).isoformat(timespec='minutes')} "
                f"-> {', '.join(item.recipients) or '-'}"
            )
        verb = "due (dry run, nothing sent)" if result.dry_run else "sent"
        retried = (
            f"; {result.mail_retried} failed e-mails tried again" if result.mail_retried else ""
        )
        self.stdout.write(
            f"{result.count} {verb} as of {timezone.localtime(result.now).isoformat(timespec='seconds')}{retried}"
        )
