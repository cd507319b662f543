"""Thin Celery tasks of retention (beat runs ``apply_retention`` nightly; safe to run twice)."""

from __future__ import annotations

from celery import shared_task

from retention import jobs


@shared_task(name="retention.tasks.apply_retention", acks_late=True, ignore_result=True)
def apply_retention() -> int:
    """Anonymise what is due and thin the audit trail past its retention (``retention.jobs``)."""
    return jobs.nightly().anonymised
