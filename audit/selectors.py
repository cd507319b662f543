"""Reads of the audit trail for auditors: filtered events, and access reports.

Only the auditor role reaches these (``oversight.api`` and ``oversight.admin`` check the
permission); the reads themselves are recorded, in the same transaction.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.db import connection, transaction
from django.db.models import Q, QuerySet
from django.utils import timezone

from audit import events
from audit.models import AuditEvent


def _showed(enquiry_id: str) -> Q:
    """List and search events whose result included the enquiry."""
    if connection.vendor == "postgresql":
        return Q(enquiry_ids__contains=[enquiry_id])  # jsonb @>, served by a GIN index
    # SQLite has no JSON containment lookup; a uuid is unique as text inside the JSON array.
    return Q(enquiry_ids__icontains=enquiry_id)


def concerning(enquiry_ids: Iterable[uuid.UUID | str]) -> Q:
    """Events about the enquiries, or lists (and reports) that showed them."""
    condition = Q(pk__in=[])
    for pk in enquiry_ids:
        key = str(pk)
        condition |= Q(enquiry_id=key) | _showed(key)
    return condition


def events_matching(
    *, enquiry: uuid.UUID | None = None, actor: str | None = None, action: str | None = None
) -> QuerySet[AuditEvent]:
    found = AuditEvent.objects.order_by("seq")
    if enquiry is not None:
        found = found.filter(concerning([enquiry]))
    if actor:
        found = found.filter(actor=actor)
    if action:
        found = found.filter(action=action)
    return found


@dataclass
class Accessor:
    actor: str
    actor_type: str
    first_at: Any
    last_at: Any
    count: int = 0
    actions: list[str] = field(default_factory=list)


@dataclass
class AccessReport:
    """Who read or changed the enquiries, and when: what the adult may ask to see."""

    enquiries: list[uuid.UUID]
    generated_at: Any
    accessed_by: list[Accessor]
    events: list[AuditEvent]


def access_report(*, enquiry_ids: list[uuid.UUID]) -> AccessReport:
    found = (
        list(
            AuditEvent.objects.filter(concerning(enquiry_ids))
            .order_by("seq")
            .only(
                "seq",
                "at",
                "actor",
                "actor_type",
                "action",
                "object_type",
                "object_id",
                "enquiry_id",
                "enquiry_ids",
                "reason",
            )
        )
        if enquiry_ids
        else []
    )
    by_actor: dict[tuple[str, str], Accessor] = {}
    for event in found:
        key = (event.actor_type, event.actor)
        accessor = by_actor.get(key)
        if accessor is None:
            accessor = by_actor[key] = Accessor(event.actor, event.actor_type, event.at, event.at)
        accessor.last_at = event.at
        accessor.count += 1
        if event.action not in accessor.actions:
            accessor.actions.append(event.action)
    return AccessReport(
        enquiries=enquiry_ids,
        generated_at=timezone.now(),
        accessed_by=sorted(by_actor.values(), key=lambda a: a.first_at),
        events=found,
    )


def access_report_for(
    *, actor: Any, enquiry_ids: list[uuid.UUID], by: str, enquiry_id: uuid.UUID | None = None
) -> AccessReport:
    """The report on ``enquiry_ids`` (one enquiry, ``enquiry_id``, or every enquiry about one
    person), recorded as an export in the same transaction. ``by`` says which ("enquiry" or
    "national_id"); the number itself is never recorded."""
    with transaction.atomic():
        report = access_report(enquiry_ids=enquiry_ids)
        events.access_report_exported(
            actor=actor, enquiry_id=enquiry_id, enquiry_ids=enquiry_ids, by=by
        )
    return report
