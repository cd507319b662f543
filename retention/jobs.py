"""The nightly retention job, shared by Celery beat (``retention.tasks``), the in-process
scheduler of ``make run`` (``retention.scheduler``) and ``manage.py apply_retention``."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.utils import timezone

from audit import thinning
from retention import selectors, services


def audit_cutoff(now: dt.datetime) -> dt.datetime:
    """The first moment of the month ``AUDIT_RETENTION_MONTHS`` before ``now`` (Oslo time):
    events older than that are thinned, whole months at a time."""
    local = timezone.localtime(now)
    month_start = local.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    return selectors.months_before(month_start, settings.AUDIT_RETENTION_MONTHS)


def nightly(*, now: dt.datetime | None = None) -> services.RunReport:
    """Anonymise every enquiry whose time is up, then thin the audit trail."""
    now = now or timezone.now()
    report = services.apply_retention(now=now)
    thinning.thin(before=audit_cutoff(now))
    return report
