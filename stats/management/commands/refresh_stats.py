"""Bring the statistics' roll-up up to date now: what Celery beat does every STATS_REFRESH_SECONDS.

Applies the changes of every marked enquiry as differences (``stats.rollup.refresh``) and says how
many enquiries were counted again. Safe at any time, also beside beat (refreshes take turns).
"""

from __future__ import annotations

import time

from django.core.management.base import BaseCommand

from stats import rollup


class Command(BaseCommand):
    help = (
        "Apply the changes waiting for the statistics' roll-up now (as the periodic refresh does)."
    )

    def handle(self, *args, **options) -> None:
        started = time.perf_counter()
        enquiries = rollup.refresh()
        self.stdout.write(
            f"{enquiries} enquiries counted again in {time.perf_counter() - started:.2f} s"
        )
