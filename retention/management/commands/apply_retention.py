"""``python manage.py apply_retention [--dry-run] [--batch-size N]``: anonymise every enquiry
whose retention period has run (README: Retention). Safe to run again and to interrupt."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from kernel import arguments
from retention import services


class Command(BaseCommand):
    help = "Anonymise the enquiries whose retention period has run (--dry-run only counts)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument(
            "--dry-run", action="store_true", help="Count what is due; change nothing."
        )
        parser.add_argument(
            "--batch-size",
            type=arguments.whole_number(low=1, high=10_000),
            default=services.BATCH_SIZE,
            help=f"Enquiries per transaction (1 to 10000; default {services.BATCH_SIZE}).",
        )

    def handle(self, *args: Any, dry_run: bool, batch_size: int, **options: Any) -> None:
        report = services.apply_retention(dry_run=dry_run, batch_size=batch_size)
        if dry_run:
            self.stdout.write(f"Due for anonymisation: {report.due} enquiries (dry run).")
        else:
            self.stdout.write(
                f"Anonymised {report.anonymised} enquiries in {report.batches} batches."
            )
