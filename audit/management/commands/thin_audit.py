"""``python manage.py thin_audit [--before YYYY-MM-DD]``: remove the audit events older than the
trail's retention (default: ``AUDIT_RETENTION_MONTHS`` before this month) after a signed
checkpoint, and print the checkpoint as JSON to be archived (README: Retention)."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from audit import thinning


class Command(BaseCommand):
    help = "Remove audit events before a date after a signed checkpoint (the trail's retention)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--before", help="YYYY-MM-DD (Oslo); default: the retention period.")

    def handle(self, *args: Any, before: str | None, **options: Any) -> None:
        if before:
            try:
                day = dt.date.fromisoformat(before)
            except ValueError:
                raise CommandError("--before: give a date as YYYY-MM-DD.") from None
        else:
            today = timezone.localdate()
            months = today.year * 12 + today.month - 1 - settings.AUDIT_RETENTION_MONTHS
            day = dt.date(months // 12, months % 12 + 1, 1)
        moment = timezone.make_aware(dt.datetime.combine(day, dt.time()))
        if moment > timezone.now():
            raise CommandError("--before: the date must be in the past.")
        checkpoint = thinning.thin(before=moment)
        if checkpoint is None:
            self.stdout.write("Nothing to remove.")
            return
        self.stdout.write(json.dumps(thinning.as_dict(checkpoint), indent=2))
