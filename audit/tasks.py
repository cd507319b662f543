"""Thin Celery tasks of the audit trail."""

from __future__ import annotations

from celery import shared_task

from audit import refusals


@shared_task(ignore_result=True)
def summarise_refusals() -> int:
    """The closed windows of anonymous refusals become chained events (audit.refusals)."""
    return refusals.summarise()
