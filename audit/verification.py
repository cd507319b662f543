"""Recomputing the hash chain: was any event altered, removed or inserted since it was written?

Streams the table in ``seq`` order in batches, so that a trail of hundreds of millions of events
is checked in constant memory. Each event must carry the next sequence number (a gap means an
event was removed), the previous event's hash (a mismatch means the chain was cut or spliced) and
its own recomputed HMAC (a mismatch means it was altered, or inserted without the key). Finally
the chain head must point at the last event (a removed or added tail).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Subquery

from audit import thinning
from audit.chain import CHAINED_FIELDS, event_hash
from audit.models import AuditEvent, ChainHead

BATCH_SIZE = 5_000


@dataclass(frozen=True)
class ChainReport:
    checked: int
    last_seq: int
    broken_seq: int | None = None
    problem: str = ""

    @property
    def intact(self) -> bool:
        return self.broken_seq is None


def verify_chain(*, batch_size: int = BATCH_SIZE) -> ChainReport:
    # The head is read first and only events up to it are checked: an event and the head move
    # together in one transaction, so events the service appends during a long run are left for
    # the next run instead of looking like an unanchored tail.
    head = ChainHead.objects.filter(pk=1).values("seq", "hash").first()
    if head is None:
        first = AuditEvent.objects.order_by("seq").values_list("seq", flat=True).first()
        return ChainReport(0, 0, first or 1, "the chain head is missing")
    # After a thinning (audit.thinning), from the newest signed checkpoint instead of seq 1.
    start = thinning.start()
    if start.problem:
        return ChainReport(0, start.seq, start.seq, start.problem)
    expected_seq = start.seq + 1
    prev_hash = start.hash
    checked = 0
    rows = (
        AuditEvent.objects.filter(seq__gt=start.seq, seq__lte=head["seq"])
        .order_by("seq")
        .values(*CHAINED_FIELDS, "prev_hash", "hash")
        .iterator(chunk_size=batch_size)
    )
    for row in rows:
        seq = row["seq"]
        if seq != expected_seq:
            return ChainReport(
                checked,
                expected_seq - 1,
                expected_seq,
                f"event missing (the next event found is seq {seq})",
            )
        if row["prev_hash"] != prev_hash:
            return ChainReport(checked, seq - 1, seq, "does not follow the previous event's hash")
        if event_hash(row, prev_hash) != row["hash"]:
            return ChainReport(checked, seq - 1, seq, "content does not match its hash")
        prev_hash = row["hash"]
        expected_seq += 1
        checked += 1

    last_seq = expected_seq - 1
    if head["seq"] != last_seq:  # events at the end were removed
        return ChainReport(
            checked,
            last_seq,
            last_seq + 1,
            f"event missing (the chain head says the last event is seq {head['seq']})",
        )
    if head["hash"] != prev_hash:
        return ChainReport(
            checked, last_seq, max(last_seq, 1), "the chain head's hash does not match"
        )
    # An event beyond the head was written without going through the chain (the head is read in
    # the same statement, so an event appended concurrently is not mistaken for one).
    unanchored = (
        AuditEvent.objects.filter(
            seq__gt=Subquery(ChainHead.objects.filter(pk=1).values("seq")[:1])
        )
        .order_by("seq")
        .values_list("seq", flat=True)
        .first()
    )
    if unanchored is not None:
        return ChainReport(checked, last_seq, unanchored, "event beyond the chain head")
    return ChainReport(checked, last_seq)
