"""The write path of the enquiry record: taking an enquiry in, and correcting its facts.

Each function is keyword-only and atomic, checks the actor's permission itself, and records its
audit event in the same transaction, last, so that the audit chain's lock is held briefly. Taking
an enquiry in arms its clock (``intake.clock``) in the same transaction, whatever the door.

The transitions (assess, forward, close, reopen) and assignment are ``casework.services``; they
lock and save an enquiry with ``enquiry_lock`` and ``enquiry_save`` below.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django_fsm import ConcurrentTransition

from accounts.models import ServiceOrganisation, Team, User
from accounts.policies import is_staff_user
from audit import events
from intake import clock, persons, policies
from intake.models import Enquiry, IdempotencyRecord, ReferenceCounter, ServiceSubmission
from intake.validation import validate_enquiry
from kernel.errors import ConflictError

# Fields a staff member may correct or complete after an enquiry came in.
EDITABLE_FIELDS = [
    "channel",
    "reporter_type",
    "reporter_name",
    "reporter_phone",
    "reporter_email",
    "reporter_organisation",
    "subject_name",
    "subject_national_id",
    "subject_birth_date",
    "subject_birth_year",
    "subject_gender",
    "subject_address",
    "subject_phone",
    "subject_knows_about_enquiry",
    "subject_consents_to_forwarding",
    "subject_consent_capacity_doubted",
    "risk_factors",
    "violence_types",
    "perpetrator_relation",
    "location",
    "description",
    "immediate_danger",
    "children_in_household",
]
INPUT_FIELDS = set(EDITABLE_FIELDS)
# What the adult is recognised by (intake.persons): a change to one computes the keys again.
IDENTITY_FIELDS = {
    "subject_name",
    "subject_national_id",
    "subject_birth_date",
    "subject_birth_year",
}


def default_team() -> Team:
    return Team.objects.get(slug=settings.TRYGGEST_DEFAULT_TEAM)


def _next_reference(year: int) -> str:
    # One statement, atomic on both databases: no two enquiries can get the same number.
    table = connection.ops.quote_name(ReferenceCounter._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (year, last) VALUES (%s, 1) "
            f"ON CONFLICT (year) DO UPDATE SET last = {table}.last + 1 RETURNING last",
            [year],
        )
        (number,) = cursor.fetchone()
    return f"TE-{year}-{number:06d}"


def require(allowed: bool) -> None:
    """PermissionDenied unless ``allowed``: every service asks its policy before it writes."""
    if not allowed:
        raise PermissionDenied(_("You may not do this with this enquiry."))


def enquiry_lock(enquiry: Enquiry) -> None:
    """Inside a service's transaction: lock the row and check that nobody changed it since the
    caller loaded it (optimistic lock). ConflictError when someone did."""
    current = (
        Enquiry.objects.select_for_update().filter(pk=enquiry.pk).values("version", "state").first()
    )
    if (
        current is None
        or current["version"] != enquiry.version
        or current["state"] != enquiry.state
    ):
        raise ConflictError()


def enquiry_save(enquiry: Enquiry) -> None:
    """Inside a service's transaction, after ``enquiry_lock``: save with the version raised, so
    that a stale form cannot overwrite this change. ConflictError on a concurrent transition."""
    enquiry.version += 1
    try:
        enquiry.save()
    except ConcurrentTransition as exc:  # a second line of defence behind _lock
        raise ConflictError() from exc


@transaction.atomic
def enquiry_create(
    *,
    actor: Any,
    values: dict[str, Any],
    channel: str,
    team: Team | None = None,
    received_at: dt.datetime | None = None,
) -> Enquiry:
    """Log a new enquiry: from staff (phone, in person, e-mail, letter), a service key or the form."""
    if isinstance(actor, User):
        require(is_staff_user(actor) and actor.has_perm("intake.add_enquiry"))
        require(actor.team_id is not None)
        team = team or actor.team
        require(team.pk == actor.team_id)
        created_by = actor
    else:
        created_by = None
    unknown = set(values) - INPUT_FIELDS
    if unknown:
        raise ValidationError({name: [_("Unknown field.")] for name in sorted(unknown)})
    values = {**values, "channel": channel}
    validate_enquiry(values)
    received_at = received_at or timezone.now()
    enquiry = Enquiry(
        team=team or default_team(),
        created_by=created_by,
        received_at=received_at,
        reference=_next_reference(timezone.localtime(received_at).year),
        **values,
    )
    persons.identity_write(enquiry)
    enquiry.save()
    clock.clock_on_create(enquiry)
    events.enquiry_created(actor=actor, enquiry=enquiry)
    return enquiry


@transaction.atomic
def enquiry_update(*, enquiry: Enquiry, actor: User, changes: dict[str, Any]) -> Enquiry:
    """Correct or complete an enquiry's facts. The audit event names the fields, never values.

    EnquiryClosed for a closed enquiry (read-only until reopened); PermissionDenied for a caller
    who may not edit it; ValidationError for values the rules refuse."""
    policies.require_editable(actor, enquiry)
    unknown = set(changes) - INPUT_FIELDS
    if unknown:
        raise ValidationError({name: [_("This field cannot be changed here.")] for name in unknown})
    changed = {k: v for k, v in changes.items() if getattr(enquiry, k) != v}
    if not changed:
        return enquiry
    enquiry_lock(enquiry)
    current = {name: getattr(enquiry, name) for name in INPUT_FIELDS}
    validate_enquiry({**current, **changed})
    for name, value in changed.items():
        setattr(enquiry, name, value)
    if IDENTITY_FIELDS & set(changed):
        persons.identity_write(enquiry)
    enquiry_save(enquiry)
    clock.clock_on_update(enquiry, actor=actor, changed=changed)
    events.enquiry_updated(actor=actor, enquiry=enquiry, fields=changed)
    return enquiry


def _idempotent_replay(*, caller: str, key: str, body_hash: str) -> Enquiry | None:
    record = (
        IdempotencyRecord.objects.select_related("enquiry").filter(caller=caller, key=key).first()
    )
    if record is None:
        return None
    if record.body_hash != body_hash:
        raise IdempotencyKeyReused()
    return record.enquiry


class IdempotencyKeyReused(Exception):
    """The same Idempotency-Key came with a different body."""


def enquiry_submit(
    *,
    actor: Any,
    values: dict[str, Any],
    channel: str,
    idempotency_key: str = "",
    idempotency_caller: str = "",
    body_hash: str = "",
) -> tuple[Enquiry, bool]:
    """Create an enquiry from the API; returns (enquiry, created).

    With an idempotency key, a repeat of the same request returns the first enquiry, and a repeat
    with another body raises IdempotencyKeyReused. Two concurrent first tries race on the unique
    constraint: the loser's whole transaction (enquiry and audit event) rolls back and it returns
    the winner's enquiry. A service organisation's submission is linked to it, so its key can
    follow it.
    """
    if idempotency_key:
        existing = _idempotent_replay(
            caller=idempotency_caller, key=idempotency_key, body_hash=body_hash
        )
        if existing is not None:
            return existing, False
    try:
        with transaction.atomic():
            enquiry = enquiry_create(actor=actor, values=values, channel=channel)
            if isinstance(actor, ServiceOrganisation):
                ServiceSubmission.objects.create(enquiry=enquiry, organisation=actor)
            if idempotency_key:
                IdempotencyRecord.objects.create(
                    caller=idempotency_caller,
                    key=idempotency_key,
                    body_hash=body_hash,
                    enquiry=enquiry,
                )
    except IntegrityError:
        if not idempotency_key:
            raise
        existing = _idempotent_replay(
            caller=idempotency_caller, key=idempotency_key, body_hash=body_hash
        )
        if existing is None:
            raise
        return existing, False
    return enquiry, True
