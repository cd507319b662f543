"""``verify_audit`` passes an intact trail and names the first altered, removed, inserted, moved or
reordered event, in any chain of the pool, inside a segment and at a segment's border."""

from __future__ import annotations

import io
from typing import Any

import pytest
from django.core.management import call_command
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from audit import events
from audit.chain import event_hash
from audit.models import AuditEvent, ChainHead, VerifiedCheckpoint
from audit.verification import verify_chain
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
def trail(alice: Any, bob: Any, settings: Any) -> list[AuditEvent]:
    """Twelve events over three chains (after whatever the fixtures wrote), each chain with at
    least three, so that every kind of tampering has a predecessor and a successor to break."""
    settings.AUDIT_CHAINS = 3
    with transaction.atomic():
        for index in range(12):
            # A transaction keeps to the chain it holds (PostgreSQL); the test's one transaction
            # is steered to the next chain as if each event came from another transaction.
            connection._audit_last_chain = index % 3 + 1
            events.logged_in(actor=alice if index % 2 else bob)
    rows = list(AuditEvent.objects.order_by("seq"))
    if (
        min(sum(1 for e in rows if e.chain == c) for c in {e.chain for e in rows}) < 3
        or len({e.chain for e in rows}) < 2
    ):  # the chains are chosen at random: write more until each chain has enough
        with transaction.atomic():
            for index in range(24):
                connection._audit_last_chain = index % 3 + 1
                events.logged_in(actor=alice)
        rows = list(AuditEvent.objects.order_by("seq"))
    assert len({e.chain for e in rows}) >= 2
    return rows


def in_chain(trail: list[AuditEvent], chain: int) -> list[AuditEvent]:
    return [event for event in trail if event.chain == chain]


def middle(trail: list[AuditEvent]) -> tuple[AuditEvent, AuditEvent]:
    """An event with a successor in its chain, and that successor."""
    for event in trail:
        same = in_chain(trail, event.chain)
        position = same.index(event)
        if 0 < position < len(same) - 1:
            return event, same[position + 1]
    raise AssertionError("no chain with three events")


def test_it_passes_an_intact_trail_of_several_chains(trail: list[AuditEvent]) -> None:
    code, output = verify()
    assert code == 0, output
    assert f"last seq {trail[-1].seq}" in output
    assert len({event.chain for event in trail}) >= 2


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


def test_it_catches_a_removed_event_at_its_successor_in_the_chain(
    trail: list[AuditEvent],
) -> None:
    target, successor = middle(trail)
    with triggers_dropped():
        AuditEvent.objects.filter(seq=target.seq).delete()
    code, output = verify()
    assert code == 1
    assert f"seq {successor.seq}:" in output
    assert f"chain {target.chain}" in output


def test_it_catches_a_removed_last_event_of_a_chain(trail: list[AuditEvent]) -> None:
    target = in_chain(trail, trail[0].chain)[-1]
    with triggers_dropped():
        AuditEvent.objects.filter(seq=target.seq).delete()
    code, output = verify()
    assert code == 1
    assert f"seq {target.seq}:" in output


def test_it_catches_two_events_of_a_chain_swapped(trail: list[AuditEvent]) -> None:
    first, second = in_chain(trail, trail[0].chain)[:2]
    with triggers_dropped():
        AuditEvent.objects.filter(seq=second.seq).update(seq=-1)
        AuditEvent.objects.filter(seq=first.seq).update(seq=second.seq)
        AuditEvent.objects.filter(seq=-1).update(seq=first.seq)
    code, output = verify()
    assert code == 1
    assert f"seq {first.seq}:" in output


def test_it_catches_an_event_moved_to_another_chain(trail: list[AuditEvent]) -> None:
    target, _successor = middle(trail)
    other = next(event.chain for event in trail if event.chain != target.chain)
    with triggers_dropped():
        AuditEvent.objects.filter(seq=target.seq).update(chain=other)
    code, output = verify()
    assert code == 1
    assert f"seq {target.seq}:" in output


def test_it_catches_an_inserted_event_at_the_end_of_a_chain(trail: list[AuditEvent]) -> None:
    last = in_chain(trail, trail[0].chain)[-1]
    forged_seq = trail[-1].seq + 1
    AuditEvent.objects.create(
        seq=forged_seq,
        chain=last.chain,
        at=last.at,
        actor_type="user",
        actor="mallory",
        action="login",
        object_type="user",
        prev_hash=last.hash,
        hash="f" * 64,
    )
    ChainHead.objects.filter(pk=last.chain).update(seq=forged_seq, hash="f" * 64)
    code, output = verify()
    assert code == 1
    assert f"seq {forged_seq}:" in output


@pytest.mark.parametrize("forged_seq", [0, -5])
def test_it_catches_an_event_inserted_before_the_first(
    trail: list[AuditEvent], forged_seq: int
) -> None:
    first = in_chain(trail, trail[-1].chain)[0]
    AuditEvent.objects.create(
        seq=forged_seq,
        chain=first.chain,
        at=first.at,
        actor_type="user",
        actor="mallory",
        action="login",
        object_type="user",
        prev_hash=first.prev_hash,
        hash="f" * 64,
    )
    code, output = verify()
    assert code == 1
    assert f"seq {forged_seq}:" in output


def test_it_catches_an_event_added_beyond_the_head(trail: list[AuditEvent]) -> None:
    last = trail[-1]
    AuditEvent.objects.create(
        seq=last.seq + 1,
        chain=last.chain,
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


def test_it_catches_an_event_of_a_chain_without_a_head(trail: list[AuditEvent]) -> None:
    target = trail[3]
    with triggers_dropped():
        AuditEvent.objects.filter(seq=target.seq).update(chain=999)
    code, output = verify()
    assert code == 1
    assert f"seq {target.seq}:" in output


def test_it_catches_an_event_forged_without_the_key(trail: list[AuditEvent], settings: Any) -> None:
    # Someone with database access alone rewrites an event and re-chains everything after it in
    # its chain, but with a guessed key: the recomputation with the real key catches the first.
    chain = trail[0].chain
    same = in_chain(trail, chain)
    target = same[1]
    real_key = settings.AUDIT_HMAC_KEY
    settings.AUDIT_HMAC_KEY = "guessed"
    rows = list(
        AuditEvent.objects.filter(chain=chain, seq__gte=target.seq).order_by("seq").values()
    )
    prev = same[0].hash
    with triggers_dropped():
        for row in rows:
            if row["seq"] == target.seq:
                row["actor"] = "mallory"
            digest = event_hash(row, prev)
            AuditEvent.objects.filter(seq=row["seq"]).update(
                actor=row["actor"], prev_hash=prev, hash=digest
            )
            prev = digest
        ChainHead.objects.filter(pk=chain).update(hash=prev)
    settings.AUDIT_HMAC_KEY = real_key
    code, output = verify()
    assert code == 1
    assert f"seq {target.seq}:" in output


# --- Segments and their borders ---


@pytest.mark.parametrize("size", [1, 2, 3, 5])
def test_segments_find_a_broken_event_in_any_segment_and_at_a_border(
    trail: list[AuditEvent], size: int
) -> None:
    assert verify_chain(segment_size=size).intact
    for target in trail:
        with transaction.atomic():
            with triggers_dropped():
                AuditEvent.objects.filter(seq=target.seq).update(reason="changed")
            report = verify_chain(segment_size=size)
            assert report.broken_seq == target.seq, (size, target.seq, report)
            transaction.set_rollback(True)


def test_a_removed_event_is_found_across_a_segment_border(trail: list[AuditEvent]) -> None:
    target, successor = middle(trail)
    with triggers_dropped():
        AuditEvent.objects.filter(seq=target.seq).delete()
    # Borders right after the removed event and right before its successor.
    for size in (1, successor.seq - target.seq, 2):
        report = verify_chain(segment_size=size)
        assert report.broken_seq == successor.seq, (size, report)


# --- The checkpoint ---


def test_an_incremental_run_checks_only_what_is_new(trail: list[AuditEvent], alice: Any) -> None:
    assert verify_chain(save_checkpoint=True).intact
    assert VerifiedCheckpoint.objects.count() == ChainHead.objects.count()
    with transaction.atomic():
        for _ in range(3):
            events.logged_in(actor=alice)
    report = verify_chain(since_checkpoint=True, save_checkpoint=True)
    assert (report.intact, report.checked) == (True, 3)
    newest = AuditEvent.objects.order_by("-seq").first()
    with triggers_dropped():
        AuditEvent.objects.filter(seq=newest.seq).update(actor="mallory")
    # Altered after the checkpoint moved past it: not seen by an incremental run without a
    # sample, seen by a full run and by an incremental run that samples all of the old trail.
    assert verify_chain(since_checkpoint=True).intact
    assert verify_chain().broken_seq == newest.seq
    assert verify_chain(since_checkpoint=True, sample=1.0).broken_seq == newest.seq


def test_an_incremental_run_with_nothing_new_reads_no_event(trail: list[AuditEvent]) -> None:
    """Found by the benchmark at 10 M events: with nothing new, the run read the whole trail
    (100 s) to skip every event."""
    assert verify_chain(save_checkpoint=True).intact
    with CaptureQueriesContext(connection) as queries:
        report = verify_chain(since_checkpoint=True)
    assert (report.intact, report.checked) == (True, 0)
    ranges = [q["sql"] for q in queries.captured_queries if "seq <=" in q["sql"]]
    assert ranges == []


def test_an_incremental_run_finds_tampering_after_the_checkpoint(
    trail: list[AuditEvent], alice: Any
) -> None:
    assert verify_chain(save_checkpoint=True).intact
    with transaction.atomic():
        added = [events.logged_in(actor=alice) for _ in range(4)]
    with triggers_dropped():
        AuditEvent.objects.filter(seq=added[1].seq).update(actor="mallory")
    assert verify_chain(since_checkpoint=True).broken_seq == added[1].seq


def test_a_forged_checkpoint_is_refused(trail: list[AuditEvent]) -> None:
    assert verify_chain(save_checkpoint=True).intact
    point = VerifiedCheckpoint.objects.exclude(seq=0).first()
    VerifiedCheckpoint.objects.filter(pk=point.pk).update(seq=point.seq + 1)
    report = verify_chain(since_checkpoint=True)
    assert not report.intact
    assert "not genuine" in report.problem


# --- Worker processes (PostgreSQL: each worker reads committed rows on its own connection) ---


@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="worker processes verify on PostgreSQL only"
)
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_worker_processes_find_a_broken_event_in_any_segment(
    alice: Any, bob: Any, settings: Any
) -> None:
    settings.AUDIT_CHAINS = 3
    for index in range(9):
        with transaction.atomic():
            connection._audit_last_chain = index % 3 + 1
            events.logged_in(actor=alice if index % 2 else bob)
    trail = list(AuditEvent.objects.order_by("seq"))
    report = verify_chain(workers=2, segment_size=2)
    assert (report.intact, report.checked) == (True, len(trail))
    for target in (trail[0], trail[len(trail) // 2], trail[-1]):
        with transaction.atomic(), triggers_dropped():
            AuditEvent.objects.filter(seq=target.seq).update(reason="changed")
        assert verify_chain(workers=2, segment_size=2).broken_seq == target.seq
        with transaction.atomic(), triggers_dropped():
            AuditEvent.objects.filter(seq=target.seq).update(reason=target.reason)
