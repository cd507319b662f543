"""Shared helpers for the audit tests: reading new events, and going around the triggers."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from django.db import connection

from audit.models import AuditEvent, ChainHead


def last_seq() -> int:
    """The newest event's sequence number (of any chain of the pool), 0 when there is none."""
    return max(ChainHead.objects.values_list("seq", flat=True), default=0)


def events_after(seq: int) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(seq__gt=seq).order_by("seq"))


@contextmanager
def triggers_dropped() -> Iterator[None]:
    """Tamper with the trail as someone with full database rights could, inside the test's
    transaction (DDL is transactional on both databases, so the rollback restores the triggers)."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("ALTER TABLE audit_auditevent DISABLE TRIGGER USER")
        else:
            cursor.execute("DROP TRIGGER audit_auditevent_no_update")
            cursor.execute("DROP TRIGGER audit_auditevent_no_delete")
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                cursor.execute("ALTER TABLE audit_auditevent ENABLE TRIGGER USER")
            else:
                cursor.execute(
                    "CREATE TRIGGER audit_auditevent_no_update BEFORE UPDATE ON audit_auditevent "
                    "BEGIN SELECT RAISE(ABORT, 'audit_auditevent is append-only: UPDATE refused'); END"
                )
                cursor.execute(
                    "CREATE TRIGGER audit_auditevent_no_delete BEFORE DELETE ON audit_auditevent "
                    "WHEN NOT EXISTS (SELECT 1 FROM audit_erasure_allowed) "
                    "BEGIN SELECT RAISE(ABORT, 'audit_auditevent is append-only: DELETE refused'); END"
                )
