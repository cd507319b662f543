"""``python manage.py verify_audit``: exit 0 when every audit chain is intact, else 1 and the first
broken ``seq`` (API.md, management commands)."""

from __future__ import annotations

import os
import sys
from typing import Any

from django.core.management.base import BaseCommand

from audit.verification import BATCH_SIZE, verify_chain
from kernel import arguments

# More at a time only costs memory; PostgreSQL's FETCH takes at most a 64-bit count anyway.
MAX_BATCH_SIZE = 1_000_000
MAX_WORKERS = 64


class Command(BaseCommand):
    help = "Recompute the audit trail's hash chains and report the first broken event."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument(
            "--batch-size",
            type=arguments.whole_number(low=1, high=MAX_BATCH_SIZE),
            default=BATCH_SIZE,
            help=f"Events read at a time (1 to {MAX_BATCH_SIZE}; default {BATCH_SIZE}).",
        )
        parser.add_argument(
            "--workers",
            type=arguments.whole_number(low=1, high=MAX_WORKERS),
            default=os.cpu_count() or 1,
            help="Processes verifying segments at once (PostgreSQL; default: the CPUs).",
        )
        parser.add_argument(
            "--since-checkpoint",
            action="store_true",
            help="Verify only events after the last intact run's checkpoint, plus a sample.",
        )
        parser.add_argument(
            "--sample-percent",
            type=arguments.whole_number(low=0, high=100),
            default=1,
            help="With --since-checkpoint: per cent of the older trail re-checked (default 1).",
        )

    def handle(
        self,
        *args: Any,
        batch_size: int,
        workers: int,
        since_checkpoint: bool,
        sample_percent: int,
        **options: Any,
    ) -> None:
        report = verify_chain(
            batch_size=batch_size,
            workers=workers,
            since_checkpoint=since_checkpoint,
            sample=sample_percent / 100,
            save_checkpoint=True,
        )
        if report.intact:
            sampled = f", {report.sampled} of them re-checked by sample" if report.sampled else ""
            self.stdout.write(
                f"Audit chain intact: {report.checked} events{sampled}, {report.chains} chains, "
                f"last seq {report.last_seq}."
            )
            return
        message = (
            f"Audit chain broken at seq {report.broken_seq}: {report.problem}. "
            f"{report.checked} events checked."
        )
        self.stdout.write(message)
        self.stderr.write(message)
        sys.exit(1)
