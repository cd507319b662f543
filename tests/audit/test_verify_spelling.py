"""The verification's fast spelling of an event (PostgreSQL builds the canonical text, orjson
re-spells JSON) proves exactly what the writer's ``json.dumps`` proved: awkward content verifies,
tampering with it is found, and a value the fast spelling cannot write exactly falls back to the
writer's own serialiser instead of passing or failing by accident."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

import pytest
from django.conf import settings
from django.db import connection, transaction

from audit import context, events
from audit.models import AuditEvent
from audit.segments import SELECT_CANONICAL_RANGE, verify_canonical_rows
from audit.verification import verify_chain
from tests.audit.helpers import triggers_dropped

pytestmark = pytest.mark.django_db

postgresql_only = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="the database spells the content on PostgreSQL"
)

AWKWARD: dict[str, dict[str, Any]] = {
    "quotes, backslash, control and line characters": {
        "reason": 'sa "nei" \\ takk\n\t\x01\x1f\u2028 slutt'
    },
    "Norwegian letters and an emoji": {"reason": "Ærlig øre på Åsgårdstrand 🙂"},
    "keys that sort differently in jsonb": {
        "filters": {"b": 1, "aa": [1, 2], "Z": None, "å": "x", "é": True, "a": {"z": 0, "y": "ø"}}
    },
    "fractions and an integer beyond 64 bits": {"filters": {"share": 0.1, "big": 2**70}},
    "lists shown and fields changed": {
        "enquiry_ids": [str(uuid.UUID(int=7)), str(uuid.UUID(int=8))],
        "fields": ["state", "risk_level"],
        "enquiry_id": uuid.UUID(int=9),
    },
    "a time the database does not spell (year 999)": {
        "at": dt.datetime(999, 5, 17, 12, 0, 0, 1, tzinfo=dt.UTC)
    },
}


def append(alice: Any, ip: str | None = "10.0.0.1", **values: Any) -> AuditEvent:
    token = context.bind(context.RequestContext(ip=ip, request_id="r-1"))
    try:
        with transaction.atomic():
            return events.record(action="view", actor=alice, object_type="enquiry", **values)
    finally:
        context.reset(token)


@pytest.mark.parametrize("values", AWKWARD.values(), ids=AWKWARD.keys())
def test_awkward_content_verifies_and_tampering_with_it_is_found(
    alice: Any, values: dict[str, Any]
) -> None:
    event = append(alice, **values)
    append(alice)  # a successor
    assert verify_chain().intact
    with triggers_dropped(), connection.cursor() as cursor:
        cursor.execute("UPDATE audit_auditevent SET object_id = 'x' WHERE seq = %s", [event.seq])
    report = verify_chain()
    assert (report.broken_seq, report.problem) == (event.seq, "content does not match its hash")


@pytest.mark.parametrize("ip", ["10.0.0.1", "2001:db8::1", None])
def test_addresses_verify_in_every_form(alice: Any, ip: str | None) -> None:
    append(alice, ip=ip)
    assert verify_chain().intact


@postgresql_only
@pytest.mark.parametrize(
    ("column", "value"),
    [
        ("ip", "10.0.0.1/24"),  # the same host with a network mask: another value
        ("at", "2026-05-17 12:00:00+00 BC"),  # the same digits before Christ
        ("filters", '{"a": 1, "b": 2.0}'),
        ("fields", '["state" , "risk_level"]'),
    ],
)
def test_a_change_the_database_would_spell_alike_is_still_found(
    alice: Any, column: str, value: str
) -> None:
    event = append(
        alice,
        at=dt.datetime(2026, 5, 17, 12, tzinfo=dt.UTC),
        filters={"a": 1, "b": 2},
        fields=["risk_level", "state"],
    )
    assert verify_chain().intact
    with triggers_dropped(), connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE audit_auditevent SET {column} = %s WHERE seq = %s", [value, event.seq]
        )
    assert verify_chain().broken_seq == event.seq


@postgresql_only
def test_ordinary_events_are_checked_without_reading_them_whole(alice: Any) -> None:
    """The speed of ``verify_audit`` rests on the database's spelling matching for the events
    the service writes; a row read whole is the slow path."""
    first = append(alice, fields=["state"], filters={"transition": "assess"})
    append(alice, enquiry_ids=[str(uuid.uuid4())], filters={"state": "received", "page": 2})
    append(alice, reason="Brukeren ba om innsyn.")
    read_whole: list[int] = []
    with connection.cursor() as cursor:
        cursor.execute(SELECT_CANONICAL_RANGE, [first.seq - 1, first.seq + 2])
        rows = cursor.fetchall()
    result = verify_canonical_rows(
        rows,
        settings.AUDIT_HMAC_KEY.encode(),
        low=first.seq - 1,
        high=first.seq + 2,
        heads=dict.fromkeys(range(1, 65), first.seq + 2),
        whole_row=lambda seq: read_whole.append(seq),
    )
    assert (result.checked, result.broken_seq, read_whole) == (3, None, [])


def batch_between_single_events(
    alice: Any, settings: Any
) -> tuple[AuditEvent, list[AuditEvent], AuditEvent]:
    """One event, a batch of five (``record_many``: COPY on PostgreSQL), one event, all in the
    same chain: the batch's borders are where its first and last event join the chain."""
    settings.AUDIT_CHAINS = 1  # one chain, so that the three writes follow each other in it
    with transaction.atomic():
        connection._audit_last_chain = 1
        before = events.record(action="view", actor=alice, object_type="enquiry")
        batch = events.record_many(
            {"action": "create", "actor": None, "object_type": "reminder", "reason": f"r{n}"}
            for n in range(5)
        )
        after = events.record(action="view", actor=alice, object_type="enquiry")
    return before, batch, after


@pytest.mark.parametrize("position", ["first of the batch", "last of the batch", "after it"])
def test_a_batch_verifies_and_tampering_at_its_borders_is_found(
    alice: Any, settings: Any, position: str
) -> None:
    before, batch, after = batch_between_single_events(alice, settings)
    assert {e.chain for e in (before, *batch, after)} == {before.chain}
    assert [e.prev_hash for e in (*batch, after)] == [e.hash for e in (before, *batch)]
    assert verify_chain().intact
    target = {"first of the batch": batch[0], "last of the batch": batch[-1], "after it": after}[
        position
    ]
    with triggers_dropped(), connection.cursor() as cursor:
        cursor.execute("UPDATE audit_auditevent SET reason = 'x' WHERE seq = %s", [target.seq])
    assert verify_chain().broken_seq == target.seq


def test_an_event_removed_at_a_batchs_border_is_found_at_its_successor(
    alice: Any, settings: Any
) -> None:
    _before, batch, after = batch_between_single_events(alice, settings)
    with triggers_dropped(), connection.cursor() as cursor:
        cursor.execute("DELETE FROM audit_auditevent WHERE seq = %s", [batch[-1].seq])
    assert verify_chain().broken_seq == after.seq
