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
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import orjson

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
_SORTED = orjson.OPT_SORT_KEYS
_EMPTY_JSON = {b"[]": list, b"{}": dict, "[]": list, "{}": dict}


def reference_canonical(content: dict[str, Any]) -> bytes:
    """The canonical bytes exactly as the writer made them (``audit.chain.canonical``)."""
    return json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def load_json(data: bytes | str) -> Any:
    """JSON column text to Python, as ``json.loads`` does; the trail's many empty lists and
    objects without the parser (a third of a row's cost in the worker)."""
    text = data if isinstance(data, str) else bytes(data)
    make = _EMPTY_JSON.get(text)
    return make() if make is not None else json.loads(text)


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


def _reference_digest(row: Sequence[Any], key: bytes) -> str:
    """The HMAC of a whole row (``COLUMNS``) built in Python as the writer built it."""
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
            value = load_json(value)
        content[name] = value
    chain = row[_CHAIN]
    if chain != LEGACY_CHAIN:
        content["chain"] = chain
    prefix = (row[_PREV] or "").encode() + b"\n"
    # orjson writes the writer's bytes (compact, sorted keys, UTF-8) about twenty times faster
    # than json. Where it could differ (a float's spelling, an integer beyond 64 bits) the
    # digest differs and the writer's own serialiser decides: a match through either proves the
    # content, since each spells only the same JSON value.
    try:
        digest = hmac.digest(key, prefix + orjson.dumps(content, option=_SORTED), "sha256").hex()
    except orjson.JSONEncodeError:
        digest = ""
    if digest != row[_HASH]:
        digest = hmac.digest(key, prefix + reference_canonical(content), "sha256").hex()
    return digest


class _Checker:
    """The chain bookkeeping of one segment: which events to check, and the spans."""

    def __init__(
        self, low: int, high: int, heads: dict[int, int], skip_upto: dict[int, int] | None
    ) -> None:
        self.result = SegmentResult(low=low, high=high)
        self.heads = heads
        self.skip = skip_upto or {}

    def wanted(self, seq: int, chain: int) -> bool:
        head = self.heads.get(chain)
        if head is None:
            self.result.fail(seq, f"event of chain {chain}, which has no head")
            return False
        return not (seq > head or seq <= self.skip.get(chain, _NOTHING))

    def take(self, seq: int, chain: int, prev: str, stored: str, digest: str) -> None:
        result = self.result
        span = result.spans.get(chain)
        if span is None:
            result.spans[chain] = Span(seq, prev, seq, stored)
        else:
            if prev != span.last_hash:
                result.fail(
                    seq,
                    f"does not follow the previous event of chain {chain} (seq {span.last_seq}): "
                    "an event between them was removed, or this one was inserted or moved",
                )
            span.last_seq, span.last_hash = seq, stored
            span.count += 1
        if digest != stored:
            result.fail(seq, "content does not match its hash")
        result.checked += 1


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
    checker = _Checker(low, high, heads, skip_upto)
    for row in rows:
        seq, chain = row[_SEQ], row[_CHAIN]
        if checker.wanted(seq, chain):
            checker.take(seq, chain, row[_PREV], row[_HASH], _reference_digest(row, key))
    return checker.result


# PostgreSQL only: the canonical content built by the database, in the key order of
# ``audit.chain.canonical`` (sorted), from serialisers that spell each value exactly and only
# that value (``to_json`` of text, integers, ``abbrev`` of inet as Django reads it, the time as
# ``isoformat`` spells it), so that equal text means equal content. What the database cannot
# spell so (a time outside the years 1000-9999, a missing chain) makes the text NULL, and the
# row is checked the reference way. The three JSON columns come as text only when not empty
# ('' when empty), and Python re-spells them (keys sorted the way Python sorts them).
def _text(column: str) -> str:
    return f"coalesce(to_json({column})::text, 'null')"


_HEAD = (
    "'{\"action\":' || "
    + _text("action")
    + " || ',\"actor\":' || "
    + _text("actor")
    + " || ',\"actor_id\":' || "
    + _text("actor_id")
    + " || ',\"actor_type\":' || "
    + _text("actor_type")
    + " || ',\"at\":' || CASE WHEN at IS NULL THEN 'null' "
    "WHEN at >= '1000-01-01 00:00:00+00' AND at < '9999-12-31 00:00:00+00' THEN '\"' || "
    "to_char(at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US') || '+00:00\"' END"
    f" || CASE WHEN chain = {LEGACY_CHAIN} THEN '' ELSE ',\"chain\":' || chain::text END"
    " || ',\"enquiry_id\":' || coalesce('\"' || enquiry_id::text || '\"', 'null')"
    " || ',\"enquiry_ids\":'"
)
_TAIL = (
    "',\"ip\":' || coalesce(to_json(abbrev(ip))::text, 'null')"
    " || ',\"object_id\":' || "
    + _text("object_id")
    + " || ',\"object_type\":' || "
    + _text("object_type")
    + " || ',\"reason\":' || "
    + _text("reason")
    + " || ',\"request_id\":' || "
    + _text("request_id")
    + " || ',\"seq\":' || seq::text || '}'"
)
SELECT_CANONICAL_RANGE = (
    f"SELECT seq, chain, prev_hash, hash, {_HEAD}, "
    "CASE WHEN enquiry_ids = '[]'::jsonb THEN '' ELSE enquiry_ids::text END, "
    "CASE WHEN fields = '[]'::jsonb THEN '' ELSE fields::text END, "
    "CASE WHEN filters = '{}'::jsonb THEN '' ELSE filters::text END, "
    f"{_TAIL} FROM audit_auditevent WHERE seq > %s AND seq <= %s ORDER BY seq"
)
SELECT_ONE = f"SELECT {', '.join(COLUMNS)} FROM audit_auditevent WHERE seq = %s"


def _json_text(text: str | None, empty: str) -> str:
    if text is None:
        return "null"
    if not text:
        return empty
    return orjson.dumps(json.loads(text), option=_SORTED).decode()


def verify_canonical_rows(
    rows: Iterable[Sequence[Any]],
    key: bytes,
    *,
    low: int,
    high: int,
    heads: dict[int, int],
    skip_upto: dict[int, int] | None = None,
    whole_row: Callable[[int], Sequence[Any] | None],
) -> SegmentResult:
    """As ``verify_rows``, for rows of ``SELECT_CANONICAL_RANGE`` (PostgreSQL). A row whose
    text does not give its hash is read whole (``whole_row(seq)``, ``COLUMNS``) and checked the
    reference way before it counts as broken."""
    checker = _Checker(low, high, heads, skip_upto)
    keyed = hmac.new(key, digestmod=hashlib.sha256)  # the key's HMAC state, copied per event
    for seq, chain, prev, stored, head, enquiry_ids, fields, filters, tail in rows:
        if not checker.wanted(seq, chain):
            continue
        digest = ""
        if head is not None and tail is not None and prev is not None:
            try:
                if enquiry_ids == fields == filters == "":  # most events: nothing to re-spell
                    text = f'{prev}\n{head}[],"fields":[],"filters":{{}}{tail}'
                else:
                    text = (
                        f'{prev}\n{head}{_json_text(enquiry_ids, "[]")},"fields":'
                        f'{_json_text(fields, "[]")},"filters":{_json_text(filters, "{}")}{tail}'
                    )
                mac = keyed.copy()
                mac.update(text.encode())
                digest = mac.hexdigest()
            except (ValueError, orjson.JSONEncodeError):
                digest = ""
        if digest != stored:
            row = whole_row(seq)
            digest = _reference_digest(row, key) if row is not None else ""
        checker.take(seq, chain, prev, stored, digest)
    return checker.result


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
    from psycopg.types.json import set_json_loads  # noqa: PLC0415 - as above
    from psycopg.types.string import TextLoader  # noqa: PLC0415 - as above

    with psycopg.connect(**conninfo) as connection:
        # inet as PostgreSQL prints it, as Django reads it (the writer hashed Django's string).
        connection.adapters.register_loader("inet", TextLoader)
        set_json_loads(load_json, connection)
        connection.execute("SET TIME ZONE 'UTC'")
        connection.execute("SET TRANSACTION READ ONLY")

        def whole_row(seq: int) -> Sequence[Any] | None:
            try:
                return connection.execute(SELECT_ONE, [seq]).fetchone()
            except psycopg.DataError:  # a value Python cannot hold (a time before year 1)
                return None

        with connection.cursor(name="verify_audit_segment") as cursor:
            cursor.itersize = fetch
            cursor.execute(SELECT_CANONICAL_RANGE, [low, high])
            return verify_canonical_rows(
                cursor,
                key,
                low=low,
                high=high,
                heads=heads,
                skip_upto=skip_upto,
                whole_row=whole_row,
            )
