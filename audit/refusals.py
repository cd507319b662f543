"""Anonymous refusals, counted per window instead of chained one event each.

A failed sign-in or a 401 comes from someone the service does not know. Writing one chained
event for each would let anyone grow the audit trail at will and make every other writer wait for
the chain's lock. So each is one ``UPDATE`` of a counter row (``RefusalCount``), and when the
window has closed, ``summarise`` writes one chained event per kind with the count
(``events.refusals_counted``). Celery beat runs it every minute; ``make run``'s scheduler thread
too. A refusal that names an account (a sign-in lock, a wrong second factor) is an event of its
own, written where it happens.
"""

from __future__ import annotations

import datetime as dt
import logging

from django.db import DatabaseError, connection, transaction
from django.utils import timezone

from audit import events
from audit.models import Action, RefusalCount

logger = logging.getLogger(__name__)

WINDOW = dt.timedelta(minutes=5)

# What each counted kind is in the trail.
KINDS = {
    "login_failed": Action.LOGIN_FAILED,  # a wrong username or password
    "login_refused_locked": Action.LOGIN_FAILED,  # refused unheard while a lock lasts
    "unauthenticated": Action.PERMISSION_DENIED,  # a 401: no or bad credentials
}

_UPSERT = (
    f"INSERT INTO {RefusalCount._meta.db_table} (window_start, kind, count) VALUES (%s, %s, 1) "
    f"ON CONFLICT (window_start, kind) DO UPDATE SET count = {RefusalCount._meta.db_table}.count + 1"
)


def window_start(at: dt.datetime) -> dt.datetime:
    """The start of the window ``at`` falls in (windows are aligned to the epoch, in UTC)."""
    seconds = int(WINDOW.total_seconds())
    stamp = int(at.timestamp()) // seconds * seconds
    return dt.datetime.fromtimestamp(stamp, tz=dt.UTC)


def count(kind: str, *, at: dt.datetime | None = None) -> None:
    """Count one refusal of ``kind`` (a key of ``KINDS``). One statement; never raises (a counter
    that cannot be written is logged, and the refusal stands)."""
    if kind not in KINDS:
        raise ValueError(f"Unknown refusal kind {kind!r}")
    start = window_start(at or timezone.now())
    value = RefusalCount._meta.get_field("window_start").get_db_prep_save(start, connection)
    try:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(_UPSERT, [value, kind])
    except DatabaseError:
        logger.warning("Could not count a refusal of kind %s", kind)


def summarise(*, now: dt.datetime | None = None) -> int:
    """Write one chained event for each kind and closed window, and remove its counter. Safe to
    run twice at once (the rows are claimed under a lock). Returns the number of events."""
    current = window_start(now or timezone.now())
    written = 0
    closed = list(
        RefusalCount.objects.filter(window_start__lt=current)
        .order_by("window_start", "kind")
        .values_list("pk", flat=True)
    )
    for pk in closed:
        with transaction.atomic():
            row = RefusalCount.objects.select_for_update(skip_locked=True).filter(pk=pk).first()
            if row is None:
                continue  # another worker has it
            events.refusals_counted(
                action=KINDS.get(row.kind, Action.PERMISSION_DENIED),
                kind=row.kind,
                count=row.count,
                window_start=row.window_start,
                window_end=row.window_start + WINDOW,
            )
            row.delete()
            written += 1
    return written
