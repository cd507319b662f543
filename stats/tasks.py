"""Thin Celery tasks (STYLE.md): bring the statistics' roll-up up to date between reads."""

from __future__ import annotations

from celery import shared_task

from stats import rollup


@shared_task(name="stats.tasks.refresh_rollup", ignore_result=True)
def refresh_rollup() -> int:
    """Recompute the marked days, so that a manager's next view has little left to do."""
    return rollup.refresh()
