"""Verifying one segment of the audit trail: plain rows in, a summary per chain out.

No Django here, on purpose: ``audit.verification`` runs this in worker processes (spawned, each
with its own database connection) as well as in its own process. A segment is a range of
sequence numbers; it holds events of any chain. Within the segment each event's HMAC is
recomputed and each event must carry the hash of the one before it in its chain; what the
segment cannot know (whether its first event of a chain follows the last one of the segment
before) it reports as a ``Span``, and ``audit.verification`` joins the spans at the borders.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from audit.chain import CHAINED_FIELDS, LEGACY_CHAIN

# The columns read, in this order: the chained fields, then the chain and both hashes.
COLUMNS = (*CHAINED_FIELDS, "chain", "prev_hash", "hash")
SELECT_RANGE = (
    f"SELECT {', '.join(COLUMNS)} FROM audit_auditevent WHERE seq > %s AND seq <= %s ORDER BY seq"
)
_SEQ = COLUMNS.index("seq")
_CHAIN = COLUMNS.index("chain")
_PREV = COLUMNS.index("prev_hash")
_HASH = COLUMNS.index("hash")
_FIELDS = tuple(enumerate(CHAINED_FIELDS))
_PLAIN = {"seq", "actor_type", "actor", "actor_id", "action", "object_type", "object_id"}
_PLAIN |= {"reason", "ip", "request_id"}  # ip: text, as Django reads it and the writer hashed it
_JSON = {"enquiry_ids", "fields", "filters"}
_NOTHING = -(2**63)  # below every sequence number


@dataclass
class Span:
    """The events of one chain inside one segment: first and last, and how many."""

    first_seq: int
    first_prev: str
    last_seq: int
    last_hash: str
    count: int = 1


@dataclass
class SegmentResult:
    low: int  # the segment is the sequence numbers in (low, high]
    high: int
    spans: dict[int, Span] = field(default_factory=dict)
    checked: int = 0
    broken_seq: int | None = None  # the first (lowest) problem found inside the segment
    problem: str = ""

    def fail(self, seq: int, problem: str) -> None:
        if self.broken_seq is None or seq < self.broken_seq:
            self.broken_seq, self.problem = seq, problem


def verify_rows(
    rows: Iterable[Sequence[Any]],
    key: bytes,
    *,
    low: int,
    high: int,
    heads: dict[int, int],
    skip_upto: dict[int, int] | None = None,
) -> SegmentResult:
    """Check the rows (``COLUMNS``, in ``seq`` order) of the segment (low, high].

    ``heads`` maps each chain to its head's seq when the run began: a newer event of that chain
    was appended during the run and is left for the next run (the final check in
    ``audit.verification`` catches one that is not anchored at all). ``skip_upto`` maps a chain
    to the seq up to which it was already verified (the checkpoint).
    """
    result = SegmentResult(low=low, high=high)
    spans = result.spans
    skip = skip_upto or {}
    new = hmac.new
    sha256 = hashlib.sha256
    dumps = json.dumps
    loads = json.loads
    for row in rows:
        seq = row[_SEQ]
        chain = row[_CHAIN]
        head = heads.get(chain)
        if head is None:
            result.fail(seq, f"event of chain {chain}, which has no head")
            continue
        if seq > head or seq <= skip.get(chain, _NOTHING):
            continue
        content = {}
        for index, name in _FIELDS:
            value = row[index]
            if name in _PLAIN or value is None:
                pass
            elif name == "at":
                if isinstance(value, str):
                    value = dt.datetime.fromisoformat(value)
                if value.tzinfo is None:  # SQLite: naive UTC
                    value = value.replace(tzinfo=dt.UTC)
                value = value.isoformat(timespec="microseconds")
            elif name == "enquiry_id":  # a UUID (PostgreSQL) or 32 hex digits (SQLite)
                value = str(value if isinstance(value, uuid.UUID) else uuid.UUID(value))
            elif isinstance(value, str) and name in _JSON:  # JSON as text (Django's loaders)
                value = loads(value)
            content[name] = value
        if chain != LEGACY_CHAIN:
            content["chain"] = chain
        prev = row[_PREV]
        digest = new(
            key,
            prev.encode()
            + b"\n"
            + dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode(),
            sha256,
        ).hexdigest()
        span = spans.get(chain)
        if span is None:
            spans[chain] = Span(seq, prev, seq, row[_HASH])
        else:
            if prev != span.last_hash:
                result.fail(
                    seq,
                    f"does not follow the previous event of chain {chain} (seq {span.last_seq}): "
                    "an event between them was removed, or this one was inserted or moved",
                )
            span.last_seq, span.last_hash = seq, row[_HASH]
            span.count += 1
        if digest != row[_HASH]:
            result.fail(seq, "content does not match its hash")
        result.checked += 1
    return result


def verify_range_postgres(
    conninfo: dict[str, Any],
    key: bytes,
    low: int,
    high: int,
    heads: dict[int, int],
    skip_upto: dict[int, int],
    fetch: int,
) -> SegmentResult:
    """A worker process's job: read (low, high] with a server-side cursor and verify it."""
    import psycopg  # noqa: PLC0415 - only in the worker process, which has no Django
    from psycopg.types.string import TextLoader  # noqa: PLC0415 - as above

    with psycopg.connect(**conninfo) as connection:
        # inet as PostgreSQL prints it, as Django reads it (the writer hashed Django's string).
        connection.adapters.register_loader("inet", TextLoader)
        connection.execute("SET TIME ZONE 'UTC'")
        connection.execute("SET TRANSACTION READ ONLY")
        with connection.cursor(name="verify_audit_segment") as cursor:
            cursor.itersize = fetch
            cursor.execute(SELECT_RANGE, [low, high])
            return verify_rows(cursor, key, low=low, high=high, heads=heads, skip_upto=skip_upto)
