"""Thin Celery tasks (STYLE.md): take ids or nothing, call a service, safe to run twice.

Celery beat runs ``sweep_reminders`` on a static schedule (settings.CELERY_BEAT_SCHEDULE). There
are no far-future ETA tasks: Redis would redeliver them after its visibility timeout. The
database holds every due time; a late, repeated or redelivered sweep sends nothing twice.
"""

from __future__ import annotations

from celery import shared_task

from casework import notifications, reminders
from kernel.calendar import parse_moment


@shared_task(name="casework.tasks.sweep_reminders", acks_late=True, ignore_result=True)
def sweep_reminders(now: str | None = None) -> int:
    """Send the reminders and escalations that are due (``now``: ISO 8601, for catch-up)."""
    at = parse_moment(now) if now else None  # naive means Oslo time, as for send_reminders
    return reminders.sweep(now=at).count


@shared_task(name="casework.tasks.announce_new_work", acks_late=True, ignore_result=True)
def announce_new_work() -> int:
    """Announce new enquiries and reporters' replies to their teams (``casework.notifications``);
    safe to run twice: each piece of work is announced once."""
    return notifications.announce()
