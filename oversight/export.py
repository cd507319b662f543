"""The auditor's export of a filtered view of the trail: CSV, one event a row, headers and
codes as the auditor reads them (the codes beside the labels, for a machine)."""

from __future__ import annotations

import csv
import uuid
from collections.abc import Iterable

from django import http
from django.utils import timezone
from django.utils.translation import gettext as _

from audit.models import AuditEvent
from oversight.labels import object_type_label


def trail_csv(events: Iterable[AuditEvent], references: dict[uuid.UUID, str]) -> http.HttpResponse:
    """``events`` as a CSV download (UTF-8 with a BOM, comma-separated; times in Oslo time)."""
    response = http.HttpResponse(content_type="text/csv; charset=utf-8")
    stamp = timezone.localtime().strftime("%Y-%m-%d-%H%M")
    response["Content-Disposition"] = f'attachment; filename="logg-{stamp}.csv"'
    response.write("\ufeff")
    writer = csv.writer(response)
    writer.writerow(
        [
            _("sequence number"),
            _("time"),
            _("action"),
            _("action code"),
            _("actor type"),
            _("actor"),
            _("about"),
            _("object id"),
            _("enquiry"),
            _("enquiry id"),
            _("fields changed"),
        ]
    )
    for event in events:
        writer.writerow(
            [
                event.seq,
                timezone.localtime(event.at).isoformat(timespec="seconds"),
                event.get_action_display(),
                event.action,
                event.get_actor_type_display(),
                event.actor,
                object_type_label(event.object_type),
                event.object_id,
                references.get(event.enquiry_id, "") if event.enquiry_id else "",
                event.enquiry_id or "",
                " ".join(str(field) for field in event.fields or []),
            ]
        )
    return response
