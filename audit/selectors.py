"""Reads of the audit trail for auditors: filtered events, and access reports.

Only the auditor role reaches these (audit.api, audit.admin check the permission); the reads
themselves are recorded by the callers, in the same transaction.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.db import connection, transaction
from django.db.models import Q, QuerySet
from django.utils import timezone

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
    events = AuditEvent.objects.order_by("seq")
    if enquiry is not None:
        events = events.filter(concerning([enquiry]))
    if actor:
        events = events.filter(actor=actor)
    if action:
        events = events.filter(action=action)
    return events


def enquiry_ids_for_national_id(national_id: str) -> list[uuid.UUID]:
    """The enquiries about one person: what an access report by national id covers."""
    from intake.models import Enquiry  # intake depends on audit, not the other way round

    return list(
        Enquiry.objects.filter(subject_national_id=national_id)
        .order_by("received_at")
        .values_list("pk", flat=True)
    )


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
    events = (
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
    for event in events:
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
        events=events,
    )


def access_report_for(
    *, actor: Any, enquiry: uuid.UUID | None = None, national_id: str | None = None
) -> AccessReport:
    """The report for one enquiry or one person, recorded as an export in the same transaction."""
    from audit import events

    with transaction.atomic():
        enquiry_ids = [enquiry] if enquiry else enquiry_ids_for_national_id(national_id or "")
        report = access_report(enquiry_ids=enquiry_ids)
        events.access_report_exported(
            actor=actor,
            enquiry_id=enquiry,
            enquiry_ids=enquiry_ids,
            by="enquiry" if enquiry else "national_id",
        )
    return report
