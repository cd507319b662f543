"""``verify_audit`` passes an intact chain and names the first altered, removed or inserted event."""

from __future__ import annotations

import io
from typing import Any

import pytest
from django.core.management import call_command
from django.db import connection, transaction

from audit import events
from audit.chain import event_hash
from audit.models import AuditEvent, ChainHead
from tests.audit.helpers import triggers_dropped

pytestmark = pytest.mark.django_db


def verify() -> tuple[int, str]:
    out, err = io.StringIO(), io.StringIO()
    try:
        call_command("verify_audit", stdout=out, stderr=err, batch_size=2)
    except SystemExit as exc:
        return int(exc.code), out.getvalue() + err.getvalue()
    return 0, out.getvalue()


@pytest.fixture
def trail(alice: Any, bob: Any) -> list[AuditEvent]:
    """Five events after whatever the fixtures wrote (batch size 2 crosses batch boundaries)."""
    with transaction.atomic():
        for user in (alice, bob, alice, bob, alice):
            events.logged_in(actor=user)
    return list(AuditEvent.objects.order_by("seq"))


def test_it_passes_an_intact_chain(trail: list[AuditEvent]) -> None:
    code, output = verify()
    assert code == 0
    assert f"last seq {trail[-1].seq}" in output


def test_it_passes_an_empty_trail(db: Any) -> None:
    assert verify()[0] == 0


def test_it_catches_an_altered_event(trail: list[AuditEvent]) -> None:
    target = trail[2]
    with triggers_dropped():
        AuditEvent.objects.filter(seq=target.seq).update(actor="mallory")
    code, output = verify()
    assert code == 1
    assert f"seq {target.seq}:" in output


def test_it_catches_an_altered_time(trail: list[AuditEvent]) -> None:
    target = trail[1]
    with triggers_dropped(), connection.cursor() as cursor:
        cursor.execute(
            "UPDATE audit_auditevent SET at = %s WHERE seq = %s",
            [target.at.replace(year=target.at.year - 1), target.seq],
        )
    code, output = verify()
    assert (code, f"seq {target.seq}:" in output) == (1, True)


def test_it_catches_a_removed_event(trail: list[AuditEvent]) -> None:
    target = trail[3]
    with triggers_dropped():
        AuditEvent.objects.filter(seq=target.seq).delete()
    code, output = verify()
    assert code == 1
    assert f"seq {target.seq}:" in output


def test_it_catches_a_removed_last_event(trail: list[AuditEvent]) -> None:
    target = trail[-1]
    with triggers_dropped():
        AuditEvent.objects.filter(seq=target.seq).delete()
    code, output = verify()
    assert code == 1
    assert f"seq {target.seq}:" in output


def test_it_catches_a_removed_and_renumbered_event(trail: list[AuditEvent]) -> None:
    # Remove event 3 and move the later ones down to hide the gap: the hashes no longer follow.
    removed = trail[2].seq
    with triggers_dropped():
        AuditEvent.objects.filter(seq=removed).delete()
        for event in trail[3:]:
            AuditEvent.objects.filter(seq=event.seq).update(seq=event.seq - 1)
        ChainHead.objects.filter(pk=1).update(seq=trail[-1].seq - 1)
    code, output = verify()
    assert code == 1
    assert f"seq {removed}:" in output


def test_it_catches_an_inserted_event_at_the_end(trail: list[AuditEvent]) -> None:
    last = trail[-1]
    forged_seq = last.seq + 1
    AuditEvent.objects.create(
        seq=forged_seq,
        at=last.at,
        actor_type="user",
        actor="mallory",
        action="login",
        object_type="user",
        prev_hash=last.hash,
        hash="f" * 64,
    )
    ChainHead.objects.filter(pk=1).update(seq=forged_seq, hash="f" * 64)
    code, output = verify()
    assert code == 1
    assert f"seq {forged_seq}:" in output


def test_it_catches_an_event_added_beyond_the_head(trail: list[AuditEvent]) -> None:
    last = trail[-1]
    AuditEvent.objects.create(
        seq=last.seq + 1,
        at=last.at,
        actor_type="user",
        actor="mallory",
        action="login",
        object_type="user",
        prev_hash=last.hash,
        hash="f" * 64,
    )
    code, output = verify()
    assert code == 1
    assert f"seq {last.seq + 1}:" in output


def test_it_catches_an_event_forged_without_the_key(trail: list[AuditEvent], settings: Any) -> None:
    # Someone with database access alone rewrites an event and re-chains everything after it,
    # but with a guessed key: the recomputation with the real key catches the first one.
    target = trail[1]
    real_key = settings.AUDIT_HMAC_KEY
    settings.AUDIT_HMAC_KEY = "guessed"
    rows = list(AuditEvent.objects.filter(seq__gte=target.seq).order_by("seq").values())
    prev = trail[0].hash
    with triggers_dropped():
        for row in rows:
            if row["seq"] == target.seq:
                row["actor"] = "mallory"
            digest = event_hash(row, prev)
            AuditEvent.objects.filter(seq=row["seq"]).update(
                actor=row["actor"], prev_hash=prev, hash=digest
            )
            prev = digest
        ChainHead.objects.filter(pk=1).update(hash=prev)
    settings.AUDIT_HMAC_KEY = real_key
    code, output = verify()
    assert code == 1
    assert f"seq {target.seq}:" in output
