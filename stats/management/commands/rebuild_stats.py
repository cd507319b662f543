"""Recompute the statistics' daily roll-up from the enquiries, every day of it.

Needed only after a bulk load that bypassed the triggers (``bench/generate.py``) and after
migration stats/0006 at a large size; otherwise the periodic refresh (Celery beat, ``manage.py
refresh_stats``) keeps the roll-up true by itself. Safe to run at any time, also while the service
is in use.
"""

from __future__ import annotations

import time

from django.core.management.base import BaseCommand

from stats import rollup


class Command(BaseCommand):
    help = "Recompute the statistics' daily roll-up from the enquiries."

    def handle(self, *args, **options) -> None:
        started = time.perf_counter()
        days = rollup.rebuild()
        self.stdout.write(f"{days} days recomputed in {time.perf_counter() - started:.1f} s")
