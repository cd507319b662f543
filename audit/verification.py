"""Recomputing the hash chains: was any event altered, removed, inserted or moved?

The trail is a pool of chains (``audit.events.record``); every chain is checked. The events are
read with a plain cursor (server-side on PostgreSQL), not the ORM, in segments of sequence
numbers, and the segments are verified in parallel worker processes (``audit.segments``). Each
event carries its predecessor's hash, so a segment is checked on its own and the segments are
joined at their borders: the first event of a chain in a segment must follow the last event of
that chain before it. Finally each chain's head must point at its last event (a removed tail),
and no event may lie beyond its chain's head (an event written around the chain).

Checkpoint. An intact run stores, per chain, how far it verified (``VerifiedCheckpoint``: chain,
seq, hash, signed with the audit key so that database access alone cannot move it). A run with
``since_checkpoint`` verifies only the events after each chain's checkpoint, joined to the
checkpoint's hash, plus a random sample (``sample``, a fraction) of the older trail in windows,
each window joined to the event before it in every chain. Such a run finds any tampering with
new events and, with the sampled probability, tampering with old ones; a full run (without
``since_checkpoint``) finds all of it. The intended rhythm: nightly incremental, weekly full.
"""

from __future__ import annotations

import hashlib
import hmac
import math
import multiprocessing
import random
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import DataError, connection, transaction
from django.utils import timezone

from audit import thinning
from audit.chain import GENESIS
from audit.models import AuditEvent, ChainHead, VerifiedCheckpoint
from audit.segments import (
    SELECT_CANONICAL_RANGE,
    SELECT_ONE,
    SELECT_RANGE,
    SegmentResult,
    verify_canonical_rows,
    verify_range_postgres,
    verify_rows,
)

BATCH_SIZE = 5_000  # rows fetched at a time
SAMPLE_WINDOW = 5_000  # sequence numbers per sampled window of the old trail

_EVENTS = AuditEvent._meta.db_table
_HEADS = ChainHead._meta.db_table
# In one statement, so in one snapshot: an event appended concurrently moves its head with it.
_UNANCHORED = (
    f"SELECT MIN(x) FROM (SELECT (SELECT MIN(e.seq) FROM {_EVENTS} e "
    f"WHERE e.chain = h.id AND e.seq > h.seq) AS x FROM {_HEADS} h "
    f"UNION ALL SELECT MIN(seq) FROM {_EVENTS} WHERE seq > (SELECT MAX(seq) FROM {_HEADS})) u"
)
_PREVIOUS_IN_CHAIN = (
    f"SELECT seq, hash FROM {_EVENTS} WHERE chain = %s AND seq < %s ORDER BY seq DESC LIMIT 1"
)


@dataclass(frozen=True)
class ChainReport:
    """What a run found: events checked (new and sampled), the newest seq checked, and the
    first (lowest) broken seq with what is wrong there, or ``None`` when every chain is intact."""

    checked: int
    last_seq: int
    broken_seq: int | None = None
    problem: str = ""
    chains: int = 0
    sampled: int = 0

    @property
    def intact(self) -> bool:
        return self.broken_seq is None


class _Findings:
    def __init__(self) -> None:
        self.broken_seq: int | None = None
        self.problem = ""

    def fail(self, seq: int, problem: str) -> None:
        if self.broken_seq is None or seq < self.broken_seq:
            self.broken_seq, self.problem = seq, problem

    def take(self, segment: SegmentResult) -> None:
        if segment.broken_seq is not None:
            self.fail(segment.broken_seq, segment.problem)


def checkpoint_mac(chain: int, seq: int, digest: str) -> str:
    """The checkpoint's signature: HMAC-SHA256 (audit key) over chain, seq and hash."""
    message = f"verified-checkpoint\n{chain}\n{seq}\n{digest}".encode()
    return hmac.new(settings.AUDIT_HMAC_KEY.encode(), message, hashlib.sha256).hexdigest()


def _segments(low: int, high: int, size: int) -> list[tuple[int, int]]:
    return [(start, min(start + size, high)) for start in range(low, high, size)]


def _local_rows(low: int, high: int, fetch: int, sql: str = SELECT_RANGE) -> Iterator[Any]:
    with connection.chunked_cursor() as cursor:  # server-side on PostgreSQL
        cursor.execute(sql, [low, high])
        while rows := cursor.fetchmany(fetch):
            yield from rows


def _whole_row(seq: int) -> Any:
    """The event's row, or ``None`` when a value cannot be read into Python (a time before
    year 1, written around the service): such an event is reported as not matching its hash."""
    with connection.cursor() as cursor:
        cursor.execute(SELECT_ONE, [seq])
        try:
            return cursor.fetchone()
        except DataError:
            return None


def _verify_local(
    key: bytes,
    low: int,
    high: int,
    heads: dict[int, int],
    skip: dict[int, int] | None,
    fetch: int,
) -> SegmentResult:
    """One segment read on this process's connection (inside the caller's transaction): on
    PostgreSQL with the content spelled by the database (``audit.segments``), else whole rows."""
    if connection.vendor == "postgresql":
        return verify_canonical_rows(
            _local_rows(low, high, fetch, SELECT_CANONICAL_RANGE),
            key,
            low=low,
            high=high,
            heads=heads,
            skip_upto=skip,
            whole_row=_whole_row,
        )
    rows = _local_rows(low, high, fetch)
    return verify_rows(rows, key, low=low, high=high, heads=heads, skip_upto=skip)


def _conninfo() -> dict[str, Any]:
    params = connection.settings_dict
    info = {
        "dbname": params["NAME"],
        "user": params["USER"] or None,
        "password": params["PASSWORD"] or None,
        "host": params["HOST"] or None,
        "port": params["PORT"] or None,
    }
    return {name: value for name, value in info.items() if value is not None}


def _run_segments(
    bounds: list[tuple[int, int]],
    heads: dict[int, int],
    skip: dict[int, int],
    *,
    workers: int,
    fetch: int,
) -> list[SegmentResult]:
    key = settings.AUDIT_HMAC_KEY.encode()
    parallel = (
        workers > 1
        and len(bounds) > 1
        and connection.vendor == "postgresql"
        # Workers see committed rows only: inside a transaction, verify what this one sees.
        and not connection.in_atomic_block
    )
    if not parallel:
        results = []
        with transaction.atomic():  # one snapshot (SQLite); a named cursor needs a transaction
            for low, high in bounds:
                results.append(_verify_local(key, low, high, heads, skip, fetch))
        return results
    info = _conninfo()
    # Spawned, not forked: a forked child must never touch the parent's database connection.
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=workers, mp_context=context) as pool:
        futures = [
            pool.submit(verify_range_postgres, info, key, low, high, heads, skip, fetch)
            for low, high in bounds
        ]
        return [future.result() for future in futures]


def verify_chain(
    *,
    batch_size: int = BATCH_SIZE,
    workers: int = 1,
    segment_size: int | None = None,
    since_checkpoint: bool = False,
    sample: float = 0.0,
    save_checkpoint: bool = False,
    anchors: dict[int, tuple[int, str]] | None = None,
) -> ChainReport:
    """Verify every chain of the audit trail; see the module's docstring.

    ``workers``: processes verifying segments at once (PostgreSQL outside a transaction; else
    the segments are verified one after the other here). ``segment_size``: sequence numbers per
    segment (default: the range split in four per worker). ``since_checkpoint``: only events
    after the stored checkpoints, plus ``sample`` (0 to 1) of the older trail. ``save_checkpoint``:
    store the new checkpoints when the run found the trail intact. ``anchors``: where chains
    begin other than at the genesis, ``{chain: (seq, hash)}`` of the last event removed before
    them (for thinning the trail by retention: the caller keeps these, signed like checkpoints).
    """
    # The heads are read first and only events up to each are checked: an event and its head
    # move together in one transaction, so events appended during a long run are left for the
    # next run instead of looking like an unanchored tail.
    head_rows = {
        pk: (seq, digest) for pk, seq, digest in ChainHead.objects.values_list("id", "seq", "hash")
    }
    findings = _Findings()
    if not head_rows:
        first = AuditEvent.objects.order_by("seq").values_list("seq", flat=True).first()
        return ChainReport(0, 0, first or 1, "the chain heads are missing")
    heads = {pk: seq for pk, (seq, _digest) in head_rows.items()}
    starts = dict.fromkeys(head_rows, (0, GENESIS))
    # After a thinning (audit.thinning), each chain from the newest signed checkpoint's anchor.
    thinned = thinning.start()
    if thinned.problem:
        # A forged or altered checkpoint: nothing after it can be anchored, so it is the finding.
        return ChainReport(0, thinned.seq, max(thinned.seq, 1), thinned.problem)
    starts.update((chain, start) for chain, start in thinned.anchors.items() if chain in starts)
    starts.update((chain, start) for chain, start in (anchors or {}).items() if chain in starts)
    if since_checkpoint:
        for point in VerifiedCheckpoint.objects.all():
            if not hmac.compare_digest(
                point.mac, checkpoint_mac(point.chain, point.seq, point.hash)
            ):
                findings.fail(
                    max(point.seq, 1), f"the checkpoint of chain {point.chain} is not genuine"
                )
            elif point.chain not in heads or point.seq > heads[point.chain]:
                findings.fail(
                    max(point.seq, 1),
                    f"event missing (chain {point.chain} was verified up to seq {point.seq}, "
                    "beyond its head)",
                )
            else:
                starts[point.chain] = (point.seq, point.hash)
    skip = {pk: seq for pk, (seq, _digest) in starts.items() if seq}
    pending = [starts[pk][0] for pk in heads if heads[pk] > starts[pk][0]]
    high = max(heads.values())
    if pending:
        low = min(pending)
    elif since_checkpoint:
        # Nothing new since the checkpoints: no range to read (reading from 0 here read the
        # whole trail only to skip every event: 100 s at 10 M events, issue 21).
        low = high
    else:
        low = 0
    if low == 0:  # a full run: from the lowest event there is, even one forged below 1
        lowest = AuditEvent.objects.order_by("seq").values_list("seq", flat=True).first()
        low = min(0, (1 if lowest is None else lowest) - 1)
    fetch = batch_size
    size = segment_size or max(1, math.ceil((high - low) / max(1, workers * 4)))
    results = _run_segments(_segments(low, high, size), heads, skip, workers=workers, fetch=fetch)

    # Join the segments at their borders, chain by chain.
    state = dict(starts)
    checked = 0
    for segment in results:
        findings.take(segment)
        checked += segment.checked
        for chain, span in segment.spans.items():
            prev_seq, prev_hash = state[chain]
            if span.first_prev != prev_hash:
                findings.fail(
                    span.first_seq,
                    f"does not follow the previous event of chain {chain} (seq {prev_seq}): an "
                    "event between them was removed, or this one was inserted or moved",
                )
            state[chain] = (span.last_seq, span.last_hash)
    for chain, (head_seq, head_hash) in head_rows.items():
        seq, digest = state[chain]
        if seq != head_seq:
            findings.fail(
                max(head_seq, 1),
                f"event missing (the head of chain {chain} says its last event is seq {head_seq})",
            )
        elif digest != head_hash:
            findings.fail(max(seq, 1), f"the head of chain {chain} does not match its last event")
    with connection.cursor() as cursor:
        cursor.execute(_UNANCHORED)
        unanchored = cursor.fetchone()[0]
    if unanchored is not None:
        findings.fail(unanchored, "event beyond its chain's head (written around the chain)")

    sampled = 0
    if since_checkpoint and sample > 0 and skip:
        sampled = _sample(skip, heads, sample, fetch, findings)

    if findings.broken_seq is None and save_checkpoint:
        now = timezone.now()
        for chain, (seq, digest) in state.items():
            VerifiedCheckpoint.objects.update_or_create(
                chain=chain,
                defaults={
                    "seq": seq,
                    "hash": digest,
                    "checked": checked,
                    "verified_at": now,
                    "mac": checkpoint_mac(chain, seq, digest),
                },
            )
    return ChainReport(
        checked + sampled,
        high,
        findings.broken_seq,
        findings.problem,
        chains=sum(1 for seq in heads.values() if seq),
        sampled=sampled,
    )


def _sample(
    verified: dict[int, int],
    heads: dict[int, int],
    fraction: float,
    fetch: int,
    findings: _Findings,
) -> int:
    """Re-check random windows of the already verified trail; each window's first event of every
    chain joined to that chain's event before the window. Returns the events checked."""
    key = settings.AUDIT_HMAC_KEY.encode()
    top = max(verified.values())
    # The old trail in windows of SAMPLE_WINDOW sequence numbers; ``fraction`` of them, chosen
    # at random (all of them at 1: random starts could leave the last events unchecked).
    aligned = list(range(0, top, SAMPLE_WINDOW)) or [0]
    wanted = max(1, math.ceil(len(aligned) * min(fraction, 1.0)))
    starts = sorted(random.sample(aligned, min(wanted, len(aligned))))
    checked = 0
    with transaction.atomic():
        for low in starts:
            high = min(low + SAMPLE_WINDOW, top)
            segment = _verify_local(
                key, low, high, {chain: verified.get(chain, 0) for chain in heads}, None, fetch
            )
            findings.take(segment)
            checked += segment.checked
            with connection.cursor() as cursor:
                for chain, span in segment.spans.items():
                    cursor.execute(_PREVIOUS_IN_CHAIN, [chain, span.first_seq])
                    row = cursor.fetchone()
                    if (row[1] if row else GENESIS) != span.first_prev:
                        findings.fail(
                            span.first_seq,
                            f"does not follow the previous event of chain {chain}: an event "
                            "before it was removed, or this one was inserted or moved",
                        )
    return checked
