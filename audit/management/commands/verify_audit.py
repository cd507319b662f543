"""``python manage.py verify_audit``: exit 0 when the audit chain is intact, else 1 and the first
broken ``seq`` (API.md, management commands)."""

from __future__ import annotations

import sys
from typing import Any

from django.core.management.base import BaseCommand
from django.db import transaction

from audit.verification import BATCH_SIZE, verify_chain
from kernel import arguments

# More at a time only costs memory; PostgreSQL's FETCH takes at most a 64-bit count anyway.
MAX_BATCH_SIZE = 1_000_000


class Command(BaseCommand):
    help = "Recompute the audit trail's hash chain and report the first broken event."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument(
            "--batch-size",
            type=arguments.whole_number(low=1, high=MAX_BATCH_SIZE),
            default=BATCH_SIZE,
            help=f"Events read at a time (1 to {MAX_BATCH_SIZE}; default {BATCH_SIZE}).",
        )

    def handle(self, *args: Any, batch_size: int, **options: Any) -> None:
        with transaction.atomic():  # one transaction: on SQLite one snapshot of the whole table
            report = verify_chain(batch_size=batch_size)
        if report.intact:
            self.stdout.write(
                f"Audit chain intact: {report.checked} events, last seq {report.last_seq}."
            )
            return
        message = (
            f"Audit chain broken at seq {report.broken_seq}: {report.problem}. "
            f"The {report.checked} events before it are intact."
        )
        self.stdout.write(message)
        self.stderr.write(message)
        sys.exit(1)
