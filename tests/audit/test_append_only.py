"""The database refuses UPDATE and DELETE on the audit table, whatever the application does."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import DatabaseError, connection, transaction

from audit import events
from audit.maintenance import erasure_allowed
from audit.models import AuditEvent

pytestmark = pytest.mark.django_db


@pytest.fixture
def event(alice: Any) -> AuditEvent:
    with transaction.atomic():
        return events.logged_in(actor=alice)


def _refused(sql: str, params: list[Any] | None = None) -> None:
    with (
        pytest.raises(DatabaseError, match="append-only"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute(sql, params or [])


def test_raw_update_is_refused(event: AuditEvent) -> None:
    _refused("UPDATE audit_auditevent SET reason = 'rewritten' WHERE seq = %s", [event.seq])
    event.refresh_from_db()
    assert event.reason == ""


def test_raw_delete_is_refused(event: AuditEvent) -> None:
    _refused("DELETE FROM audit_auditevent WHERE seq = %s", [event.seq])
    _refused("DELETE FROM audit_auditevent")
    assert AuditEvent.objects.filter(seq=event.seq).exists()


def test_orm_update_is_refused(event: AuditEvent) -> None:
    with pytest.raises(DatabaseError), transaction.atomic():
        AuditEvent.objects.filter(seq=event.seq).update(reason="rewritten")
    event.reason = "rewritten"
    with pytest.raises(DatabaseError), transaction.atomic():
        event.save()
    event.refresh_from_db()
    assert event.reason == ""


def test_orm_delete_is_refused(event: AuditEvent) -> None:
    with pytest.raises(DatabaseError), transaction.atomic():
        event.delete()
    with pytest.raises(DatabaseError), transaction.atomic():
        AuditEvent.objects.all().delete()
    assert AuditEvent.objects.filter(seq=event.seq).exists()


def test_truncate_is_refused_on_postgresql(event: AuditEvent) -> None:
    if connection.vendor != "postgresql":
        pytest.skip("SQLite has no TRUNCATE")
    _refused("TRUNCATE audit_auditevent")
    assert AuditEvent.objects.filter(seq=event.seq).exists()


def test_the_erasure_marker_lets_delete_through_but_never_update(event: AuditEvent) -> None:
    with transaction.atomic(), erasure_allowed(reason="retention test"):
        _refused("UPDATE audit_auditevent SET reason = 'rewritten' WHERE seq = %s", [event.seq])
        AuditEvent.objects.filter(seq=event.seq).delete()
    assert not AuditEvent.objects.filter(seq=event.seq).exists()
    # The door closes again afterwards.
    with transaction.atomic():
        other = events.logged_out(actor=None)
    _refused("DELETE FROM audit_auditevent WHERE seq = %s", [other.seq])


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_transactional_test_can_write_events_and_be_flushed(alice: Any) -> None:
    # The flush after this test must get past the triggers (tests/conftest.py), and the
    # serialized rollback restores the chain head, roles and team for the tests after it.
    with transaction.atomic():
        events.logged_in(actor=alice)
    assert AuditEvent.objects.filter(action="login").count() == 1
