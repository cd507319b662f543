"""Writing audit events: one small keyword-only function per kind of event.

Every event is written synchronously, in the transaction of the work it records: if the event
cannot be written, the work fails with it. Never through Celery.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.utils import timezone

from audit import context
from audit.chain import event_hash
from audit.models import Action, ActorType, AuditEvent, ChainHead


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
_INSERT_EVENT = "INSERT INTO {table} ({columns}) VALUES ({params})".format(
    table=AuditEvent._meta.db_table,
    columns=", ".join(f.column for f in _EVENT_FIELDS),
    params=", ".join(["%s"] * len(_EVENT_FIELDS)),
)
_SELECT_HEAD = f"SELECT seq, hash FROM {ChainHead._meta.db_table} WHERE id = 1"
_SELECT_HEAD_FOR_UPDATE = _SELECT_HEAD + " FOR UPDATE"
_UPDATE_HEAD = f"UPDATE {ChainHead._meta.db_table} SET seq = %s, hash = %s WHERE id = 1"


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
    """Append one event to the chain. Must run inside the transaction of the work it records."""
    if action not in Action.values:
        raise ValueError(f"Unknown audit action {action!r}")
    if not transaction.get_connection().in_atomic_block:
        raise AuditOutsideTransaction("Audit events are written in the transaction of their work.")
    who = Actor.of(actor)
    request = context.current()
    connection = transaction.get_connection()
    with connection.cursor() as cursor:
        # The head row lock orders concurrent writers; it is held only until the work commits,
        # and services write their event last, so the wait is short. Plain SQL on this path:
        # every read of personal data pays for it, and the ORM's compiler cost more than the
        # three statements themselves (bench/audit_detail.py).
        cursor.execute(
            _SELECT_HEAD_FOR_UPDATE if connection.features.has_select_for_update else _SELECT_HEAD
        )
        head = cursor.fetchone()
        if head is None:
            raise RuntimeError("The audit chain head is missing; run the audit migrations.")
        head_seq, head_hash = head
        values: dict[str, Any] = {
            "seq": head_seq + 1,
            "at": at or timezone.now(),
            "actor_type": who.type,
            "actor": who.label,
            "actor_id": who.id,
            "action": action,
            "object_type": object_type,
            "object_id": str(object_id) if object_id else "",
            "enquiry_id": str(enquiry_id) if enquiry_id else None,
            "enquiry_ids": [str(pk) for pk in enquiry_ids],
            "fields": sorted(set(fields)),
            "filters": filters or {},
            "reason": reason,
            "ip": request.ip,
            "request_id": request.request_id,
        }
        digest = event_hash(values, head_hash)
        event = AuditEvent(prev_hash=head_hash, hash=digest, **values)
        cursor.execute(
            _INSERT_EVENT,
            [
                field.get_db_prep_save(getattr(event, field.attname), connection)
                for field in _EVENT_FIELDS
            ],
        )
        cursor.execute(_UPDATE_HEAD, [values["seq"], digest])
    event._state.adding = False
    event._state.db = connection.alias
    return event


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
