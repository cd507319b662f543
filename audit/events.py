"""Writing audit events: one small keyword-only function per kind of event.

Every event is written synchronously, in the transaction of the work it records: if the event
cannot be written, the work fails with it. Never through Celery.
"""

from __future__ import annotations

import datetime as dt
import random
import time
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from audit import context
from audit.chain import event_hash
from audit.models import ACTION_CODES, Action, ActorType, AuditEvent, ChainHead


@dataclass(frozen=True)
class Actor:
    """Who did something: a staff user, a service organisation, the system or the public."""

    type: str
    label: str
    id: str = ""

    @classmethod
    def of(cls, who: Any) -> Actor:
        if isinstance(who, Actor):
            return who
        if who is None:
            return SYSTEM
        if hasattr(who, "audit_actor"):
            return who.audit_actor()
        if getattr(who, "is_authenticated", False):
            return cls(ActorType.USER, who.get_username(), str(who.pk))
        return PUBLIC


SYSTEM = Actor(ActorType.SYSTEM, "system")
PUBLIC = Actor(ActorType.PUBLIC, "public")


class AuditOutsideTransaction(RuntimeError):
    pass


_EVENT_FIELDS = list(AuditEvent._meta.concrete_fields)
_EVENT_TABLE = AuditEvent._meta.db_table
_ROW_PARAMS = "(" + ", ".join(["%s"] * len(_EVENT_FIELDS)) + ")"
_INSERT_EVENTS = "INSERT INTO {table} ({columns}) VALUES ".format(
    table=_EVENT_TABLE, columns=", ".join(f.column for f in _EVENT_FIELDS)
)
_COPY_EVENTS = "COPY {table} ({columns}) FROM STDIN".format(
    table=_EVENT_TABLE, columns=", ".join(f.column for f in _EVENT_FIELDS)
)
_INSERT_ROWS = 1_000  # rows per INSERT: within SQLite's and PostgreSQL's limits on parameters
_HEADS = ChainHead._meta.db_table
_SEQUENCE = "audit_auditevent_seq_seq"  # migration 0005
# PostgreSQL: the head of a free chain (this connection's last one first: a transaction that
# already holds a head keeps to it, since its own lock is never skipped), locked until commit,
# and the next sequence numbers, taken under that lock so that they grow along each chain.
_TAKE_FREE_HEAD = (
    f"SELECT h.id, h.seq, h.hash, ARRAY(SELECT nextval('{_SEQUENCE}') FROM generate_series(1, %s))"
    f" FROM (SELECT id, seq, hash FROM {_HEADS} WHERE id <= %s"
    " ORDER BY (id = %s) DESC, random() LIMIT 1 FOR UPDATE SKIP LOCKED) h"
)
# Every chain busy: wait for this connection's last one (the transaction holds no other head).
_WAIT_FOR_HEAD = (
    f"SELECT h.id, h.seq, h.hash, ARRAY(SELECT nextval('{_SEQUENCE}') FROM generate_series(1, %s))"
    f" FROM (SELECT id, seq, hash FROM {_HEADS} WHERE id = %s FOR UPDATE) h"
)
# SQLite: one writer at a time anyway; the chain is chosen at random.
_SQLITE_HEAD = (
    f"SELECT id, seq, hash, (SELECT COALESCE(MAX(seq), 0) FROM {_EVENT_TABLE}) "
    f"FROM {_HEADS} WHERE id = %s"
)
_UPDATE_HEAD = f"UPDATE {_HEADS} SET seq = %s, hash = %s WHERE id = %s"


def _values(
    *,
    action: str,
    actor: Any,
    object_type: str = "",
    object_id: Any = "",
    enquiry_id: uuid.UUID | str | None = None,
    enquiry_ids: Iterable[Any] = (),
    fields: Iterable[str] = (),
    filters: dict[str, Any] | None = None,
    reason: str = "",
    at: dt.datetime | None = None,
) -> dict[str, Any]:
    if action not in ACTION_CODES:
        raise ValueError(f"Unknown audit action {action!r}")
    who = Actor.of(actor)
    request = context.current()
    return {
        "at": at or timezone.now(),
        "actor_type": who.type,
        "actor": who.label,
        "actor_id": who.id,
        "action": action,
        "object_type": object_type,
        "object_id": str(object_id) if object_id else "",
        # As the UUID column gives it back (hyphenated), so the hash verifies whatever form the
        # caller passed (a UUID, or its 32 hex digits).
        "enquiry_id": str(uuid.UUID(str(enquiry_id))) if enquiry_id else None,
        "enquiry_ids": [str(pk) for pk in enquiry_ids],
        "fields": sorted(set(fields)),
        "filters": filters or {},
        "reason": reason,
        "ip": request.ip,
        "request_id": request.request_id,
    }


def _take_head(cursor: Any, connection: Any, count: int) -> tuple[int, int, str, list[int]]:
    """Lock one chain's head; its id, newest seq and hash, and ``count`` new sequence numbers."""
    chains = settings.AUDIT_CHAINS
    last = getattr(connection, "_audit_last_chain", None) or random.randint(1, chains)
    if connection.vendor == "postgresql":
        cursor.execute(_TAKE_FREE_HEAD, [count, chains, last])
        row = cursor.fetchone()
        if row is None:
            cursor.execute(_WAIT_FOR_HEAD, [count, last if last <= chains else 1])
            row = cursor.fetchone()
        if row is None:
            raise RuntimeError("The audit chain heads are missing; run the audit migrations.")
        chain, head_seq, head_hash, seqs = row
        seqs = sorted(seqs)
    else:
        cursor.execute(_SQLITE_HEAD, [random.randint(1, chains)])
        row = cursor.fetchone()
        if row is None:
            raise RuntimeError("The audit chain heads are missing; run the audit migrations.")
        chain, head_seq, head_hash, newest = row
        first = max(newest, head_seq) + 1
        seqs = list(range(first, first + count))
    connection._audit_last_chain = chain
    return chain, head_seq, head_hash, seqs


def _append(items: list[dict[str, Any]]) -> list[AuditEvent]:
    """Chain ``items`` (values from ``_values``) onto one chain of the pool and insert them in
    one statement. Must run inside the transaction of the work they record."""
    connection = transaction.get_connection()
    if not connection.in_atomic_block:
        raise AuditOutsideTransaction("Audit events are written in the transaction of their work.")
    if not items:
        return []
    with connection.cursor() as cursor:
        # The head row lock orders one chain's writers; it is held only until the work commits
        # and other writers take another chain meanwhile. Plain SQL on this path: every read of
        # personal data pays for it, and the ORM's compiler cost more than the statements
        # themselves (bench/audit_detail.py).
        chain, _head_seq, prev_hash, seqs = _take_head(cursor, connection, len(items))
        created: list[AuditEvent] = []
        params: list[Any] = []
        for seq, values in zip(seqs, items, strict=True):
            values = {**values, "seq": seq, "chain": chain}
            digest = event_hash(values, prev_hash)
            event = AuditEvent(prev_hash=prev_hash, hash=digest, **values)
            params.extend(
                field.get_db_prep_save(getattr(event, field.attname), connection)
                for field in _EVENT_FIELDS
            )
            created.append(event)
            prev_hash = digest
        width = len(_EVENT_FIELDS)
        if len(created) > 1 and connection.vendor == "postgresql":
            # A batch (the sweep's) goes in with COPY, in this transaction like any INSERT: a
            # VALUES list of thousands of parameters cost more to quote and parse in Python
            # than the database took to store it (bench/measure.py, the sweep).
            started = time.monotonic()
            with cursor.cursor.copy(_COPY_EVENTS) as copy:
                for start in range(0, len(params), width):
                    copy.write_row(params[start : start + width])
            if connection.queries_logged:  # in the query log like any statement (tests count it)
                connection.queries_log.append(
                    {
                        "sql": f"{_COPY_EVENTS} -- {len(created)} rows",
                        "time": f"{time.monotonic() - started:.3f}",
                    }
                )
            created_rows: list[AuditEvent] = []
        else:
            created_rows = created
        for start in range(0, len(created_rows), _INSERT_ROWS):
            rows = created_rows[start : start + _INSERT_ROWS]
            cursor.execute(
                _INSERT_EVENTS + ", ".join([_ROW_PARAMS] * len(rows)),
                params[start * width : (start + len(rows)) * width],
            )
        cursor.execute(_UPDATE_HEAD, [created[-1].seq, prev_hash, chain])
    for event in created:
        event._state.adding = False
        event._state.db = connection.alias
    return created


def record(
    *,
    action: str,
    actor: Any,
    object_type: str = "",
    object_id: Any = "",
    enquiry_id: uuid.UUID | str | None = None,
    enquiry_ids: Iterable[Any] = (),
    fields: Iterable[str] = (),
    filters: dict[str, Any] | None = None,
    reason: str = "",
    at: dt.datetime | None = None,
) -> AuditEvent:
    """Append one event to a chain. Must run inside the transaction of the work it records.

    Raises ``AuditOutsideTransaction`` outside a transaction, ``ValueError`` for an unknown action.
    """
    if not transaction.get_connection().in_atomic_block:
        raise AuditOutsideTransaction("Audit events are written in the transaction of their work.")
    values = _values(
        action=action,
        actor=actor,
        object_type=object_type,
        object_id=object_id,
        enquiry_id=enquiry_id,
        enquiry_ids=enquiry_ids,
        fields=fields,
        filters=filters,
        reason=reason,
        at=at,
    )
    return _append([values])[0]


def record_many(entries: Iterable[dict[str, Any]]) -> list[AuditEvent]:
    """Append several events (each a dict of ``record``'s keyword arguments) to one chain, in
    one INSERT, in the order given. For batch jobs (the reminder sweep): one head lock and
    three statements for the whole batch. Same errors as ``record``."""
    if not transaction.get_connection().in_atomic_block:
        raise AuditOutsideTransaction("Audit events are written in the transaction of their work.")
    return _append([_values(**entry) for entry in entries])


# --- One function per kind of event (Saleor's events.py) ---


def enquiry_created(*, actor: Any, enquiry: Any) -> AuditEvent:
    return record(
        action=Action.CREATE,
        actor=actor,
        object_type="enquiry",
        object_id=enquiry.pk,
        enquiry_id=enquiry.pk,
    )


def enquiry_viewed(
    *, actor: Any, enquiry: Any, reason: str = "", break_glass: bool = False
) -> AuditEvent:
    return record(
        action=Action.BREAK_GLASS if break_glass else Action.VIEW,
        actor=actor,
        object_type="enquiry",
        object_id=enquiry.pk,
        enquiry_id=enquiry.pk,
        reason=reason,
    )


def enquiries_listed(
    *, actor: Any, enquiry_ids: Iterable[Any], filters: dict[str, Any]
) -> AuditEvent:
    return record(
        action=Action.LIST,
        actor=actor,
        object_type="enquiry",
        enquiry_ids=enquiry_ids,
        filters=filters,
    )


def enquiry_updated(
    *, actor: Any, enquiry: Any, fields: Iterable[str], reason: str = ""
) -> AuditEvent:
    return record(
        action=Action.UPDATE,
        actor=actor,
        object_type="enquiry",
        object_id=enquiry.pk,
        enquiry_id=enquiry.pk,
        fields=fields,
        reason=reason,
    )


def enquiry_assigned(*, actor: Any, enquiry: Any, how: str, changed: bool = True) -> AuditEvent:
    """Who works the enquiry changed (issue 16). ``how``: taken (by the actor for themselves),
    handed_over (by a coordinator) or released; never the assignee's name (it is in the record)."""
    return record(
        action=Action.UPDATE,
        actor=actor,
        object_type="enquiry",
        object_id=enquiry.pk,
        enquiry_id=enquiry.pk,
        fields=["assigned_to"],
        reason=f"assignment:{how}" if changed else f"assignment:{how}:unchanged",
    )


def enquiry_transitioned(
    *, actor: Any, enquiry: Any, transition: str, fields: Iterable[str] = (), reason: str = ""
) -> AuditEvent:
    return record(
        action=Action.TRANSITION,
        actor=actor,
        object_type="enquiry",
        object_id=enquiry.pk,
        enquiry_id=enquiry.pk,
        fields=["state", *fields],
        filters={"transition": transition},
        reason=reason,
    )


def object_created(*, actor: Any, obj: Any, enquiry_id: Any = None) -> AuditEvent:
    return record(
        action=Action.CREATE,
        actor=actor,
        object_type=obj._meta.model_name,
        object_id=obj.pk,
        enquiry_id=enquiry_id,
    )


def object_changed(
    *,
    actor: Any,
    obj: Any,
    fields: Iterable[str],
    enquiry_id: Any = None,
    action: str = Action.UPDATE,
    reason: str = "",
    changes: dict[str, tuple[Any, Any]] | None = None,
) -> AuditEvent:
    """A change of ``obj``: the names of the fields that changed, and, in ``changes``, old and
    new values of fields that are *not* personal data (a directory entry's address, a rule's
    priority, a user's roles). The caller decides which fields those are; personal values never
    come here."""
    return record(
        action=action,
        actor=actor,
        object_type=obj._meta.model_name,
        object_id=obj.pk,
        enquiry_id=enquiry_id,
        fields=fields,
        filters=_changes(changes),
        reason=reason,
    )


def stored_values(obj: Any, fields: Iterable[str]) -> dict[str, Any]:
    """The values of ``fields`` of ``obj`` as the database holds them now (read before a save, to
    record old and new), JSON-friendly; ``{}`` for an unsaved object."""
    names = [f for f in fields if _concrete(obj, f)]
    if obj.pk is None or not names:
        return {}
    row = type(obj)._default_manager.filter(pk=obj.pk).values(*names).first() or {}
    return {name: plain(value) for name, value in row.items()}


def current_values(obj: Any, fields: Iterable[str]) -> dict[str, Any]:
    """The values of ``fields`` of ``obj`` in memory, JSON-friendly (after a save)."""
    values = {}
    for name in fields:
        if _concrete(obj, name):
            field = obj._meta.get_field(name)
            values[name] = plain(getattr(obj, field.attname))
    return values


def real_changes(before: dict[str, Any], after: dict[str, Any]) -> dict[str, tuple[Any, Any]]:
    """The fields whose value differs, with old and new (a form may report a JSON field as
    changed when only its spelling did)."""
    return {
        name: (before.get(name), value)
        for name, value in after.items()
        if before.get(name) != value
    }


def _concrete(obj: Any, name: str) -> bool:
    try:
        field = obj._meta.get_field(name)
    except Exception:
        return False
    return bool(getattr(field, "concrete", False)) and not field.many_to_many


def plain(value: Any) -> Any:
    if hasattr(value, "isoformat"):
        return value.isoformat()
    if isinstance(value, uuid.UUID):
        return str(value)
    return value


def _changes(changes: dict[str, tuple[Any, Any]] | None) -> dict[str, Any] | None:
    if not changes:
        return None
    return {"changes": {name: [old, new] for name, (old, new) in changes.items()}}


def object_viewed(*, actor: Any, obj: Any, enquiry_id: Any = None) -> AuditEvent:
    return record(
        action=Action.VIEW,
        actor=actor,
        object_type=obj._meta.model_name,
        object_id=obj.pk,
        enquiry_id=enquiry_id,
    )


def access_denied(
    *, actor: Any, object_type: str, object_id: Any = "", reason: str = "", enquiry_id: Any = None
) -> AuditEvent:
    # With the enquiry, a refused attempt shows in that enquiry's access report.
    return record(
        action=Action.PERMISSION_DENIED,
        actor=actor,
        object_type=object_type,
        object_id=object_id,
        enquiry_id=enquiry_id,
        reason=reason,
    )


def logged_in(*, actor: Any, method: str = "") -> AuditEvent:
    """A sign-in step passed: ``method`` is ``password`` (the second factor still to come),
    ``totp``, ``security_key`` or ``recovery_code`` (complete), or ``oidc`` (single sign-on)."""
    return record(action=Action.LOGIN, actor=actor, object_type="user", reason=method)


def second_factor_failed(*, actor: Any, method: str) -> AuditEvent:
    """A wrong second factor after a right password: the account is known (and django-otp slows
    its next tries), so each one is an event."""
    return record(
        action=Action.LOGIN_FAILED, actor=actor, object_type="second_factor", reason=method
    )


def signin_locked(*, username: str, scope: str) -> AuditEvent:
    """Sign-in was locked after too many wrong passwords: for the account ``username`` as it was
    typed (normalised; never the password), or for the address (``scope``: ``account`` or
    ``address``). Written once when the lock begins, not for each refused attempt."""
    return record(
        action=Action.LOGIN_FAILED,
        actor=PUBLIC,
        object_type="signin_lock",
        object_id=username[:64],
        reason=scope,
    )


def logged_out(*, actor: Any) -> AuditEvent:
    return record(action=Action.LOGOUT, actor=actor, object_type="user")


def refusals_counted(
    *, action: str, kind: str, count: int, window_start: dt.datetime, window_end: dt.datetime
) -> AuditEvent:
    """One chained event for every anonymous refusal of one kind in one window (failed sign-ins,
    401s): an unauthenticated caller can only raise a counter (``audit.refusals``), never grow
    the chain by one event per attempt or hold its lock."""
    return record(
        action=action,
        actor=PUBLIC,
        object_type="refusal_count",
        object_id=kind,
        filters={
            "count": count,
            "window_start": window_start.isoformat(),
            "window_end": window_end.isoformat(),
        },
    )


def trail_viewed(*, actor: Any, filters: dict[str, Any], enquiry_id: Any = None) -> AuditEvent:
    """An auditor read the trail: who watches the watchers is recorded too."""
    return record(
        action=Action.VIEW,
        actor=actor,
        object_type="auditevent",
        enquiry_id=enquiry_id,
        filters=filters,
    )


def trail_exported(
    *, actor: Any, filters: dict[str, Any], rows: int, enquiry_id: Any = None
) -> AuditEvent:
    """An auditor downloaded a filtered view of the trail (CSV): the filters (never the text of
    a search, which may be a national id) and how many events it held."""
    return record(
        action=Action.EXPORT,
        actor=actor,
        object_type="auditevent",
        enquiry_id=enquiry_id,
        filters={**filters, "rows": rows},
    )


def access_report_exported(
    *, actor: Any, enquiry_ids: Iterable[Any], by: str, enquiry_id: Any = None
) -> AuditEvent:
    # A report by national id records the enquiries it covered, never the number itself.
    return record(
        action=Action.EXPORT,
        actor=actor,
        object_type="access_report",
        enquiry_id=enquiry_id,
        enquiry_ids=enquiry_ids,
        filters={"by": by},
    )


# --- Retention and the adult's rights (issue 18, ``retention``) ---


def enquiries_anonymised(*, rules: dict[Any, str]) -> int:
    """Each enquiry of ``rules`` (enquiry id -> the retention rule that applied: an outcome code
    or ``*``) had its personal and free-text values removed: by the system, one event per
    enquiry, appended together (``record_many``: one chain, one INSERT). Returns how many."""
    return len(
        record_many(
            {
                "action": Action.UPDATE,
                "actor": SYSTEM,
                "object_type": "anonymisation",
                "object_id": pk,
                "enquiry_id": pk,
                "filters": {"rule": rule},
            }
            for pk, rule in rules.items()
        )
    )


def legal_hold_changed(*, actor: Any, hold: Any, lifted: bool = False) -> AuditEvent:
    """A legal hold set on or lifted from an enquiry (its reason stays on the hold: free text)."""
    return record(
        action=Action.UPDATE if lifted else Action.CREATE,
        actor=actor,
        object_type="legalhold",
        object_id=hold.pk,
        enquiry_id=hold.enquiry_id,
        fields=["lifted_at"] if lifted else [],
    )


def personal_data_exported(*, actor: Any, enquiry_ids: Iterable[Any], format: str) -> AuditEvent:
    """Everything held about one adult produced for them (GDPR Art. 15): the enquiries it
    covered, never the national id it was asked by."""
    return record(
        action=Action.EXPORT,
        actor=actor,
        object_type="subject_access",
        enquiry_ids=enquiry_ids,
        filters={"by": "national_id", "format": format},
    )


def enquiry_rectified(*, actor: Any, rectification: Any) -> AuditEvent:
    """A fact of an enquiry corrected (GDPR Art. 16): which field; the values and the reason
    stay out of the trail."""
    return record(
        action=Action.UPDATE,
        actor=actor,
        object_type="rectification",
        object_id=rectification.pk,
        enquiry_id=rectification.enquiry_id,
        fields=[rectification.field],
    )


def audit_thinned(*, actor: Any, checkpoint_seq: int, removed: int, before: str) -> AuditEvent:
    """Events up to ``checkpoint_seq`` (older than ``before``) removed after a signed checkpoint."""
    return record(
        action=Action.UPDATE,
        actor=actor,
        object_type="audit_checkpoint",
        object_id=checkpoint_seq,
        filters={"removed": removed, "before": before},
    )


# --- The same adult across enquiries (issue 17) ---


def same_adult_looked_up(
    *,
    actor: Any,
    where: str,
    enquiry_ids: Iterable[Any],
    other_teams: int,
    matches: Iterable[str] = (),
    enquiry_id: Any = None,
    page: int | None = None,
) -> AuditEvent:
    """A look-up of other enquiries about one adult and what it showed: the enquiries listed
    (``enquiry_ids``), how many of other teams were only counted, and how they matched. ``where``
    names the door (``enquiry_page``, ``create_form``, ``risk_form``, ``api_related``,
    ``person_search``). Never the national id, name or birth date looked up by."""
    filters: dict[str, Any] = {"same_adult": where, "other_teams": other_teams}
    kinds = sorted(set(matches))
    if kinds:
        filters["match"] = ",".join(kinds)
    if page is not None:
        filters["page"] = page
    return record(
        action=Action.LIST,
        actor=actor,
        object_type="enquiry",
        enquiry_id=enquiry_id,
        enquiry_ids=enquiry_ids,
        filters=filters,
    )


def enquiries_linked(*, actor: Any, link: Any) -> AuditEvent:
    """Two enquiries linked as the same adult or the same event (both ids, the kind)."""
    return record(
        action=Action.CREATE,
        actor=actor,
        object_type="enquirylink",
        object_id=link.pk,
        enquiry_id=link.enquiry_id,
        enquiry_ids=[link.enquiry_id, link.other_id],
        filters={"kind": link.kind},
    )


def enquiries_unlinked(*, actor: Any, link: Any) -> AuditEvent:
    """A link between two enquiries undone (the row stays, with who undid it and when)."""
    return record(
        action=Action.UPDATE,
        actor=actor,
        object_type="enquirylink",
        object_id=link.pk,
        enquiry_id=link.enquiry_id,
        enquiry_ids=[link.enquiry_id, link.other_id],
        fields=["removed_at", "removed_by"],
        filters={"kind": link.kind},
    )


def duplicate_merged(*, actor: Any, duplicate: Any, kept: Any, moved: dict[str, int]) -> AuditEvent:
    """An enquiry closed as a duplicate of ``kept``: what was moved into the kept one's
    timeline, counted per kind (``reporter_messages``, ``journal_entries``)."""
    return record(
        action=Action.UPDATE,
        actor=actor,
        object_type="enquiry",
        object_id=duplicate.pk,
        enquiry_id=duplicate.pk,
        enquiry_ids=[duplicate.pk, kept.pk],
        fields=["duplicate_of"],
        filters={"merged_into": str(kept.pk), **{k: int(v) for k, v in moved.items()}},
    )
