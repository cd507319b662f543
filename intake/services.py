"""The only write path for enquiries and their assessments.

Each function is keyword-only and atomic, checks the actor's permission itself (django-fsm's
``permission=`` is not enforced when a transition method is called), and records its audit event
in the same transaction, last, so that the audit chain's lock is held briefly.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django_fsm import ConcurrentTransition, can_proceed

from accounts.models import Team, User
from accounts.policies import is_staff_user
from audit import events
from intake import policies
from intake.models import (
    AssessmentInstrument,
    Enquiry,
    ReferenceCounter,
    RiskAssessment,
    State,
    StateChange,
)
from intake.validation import validate_enquiry
from kernel.errors import ConflictError, TransitionRefused
from kernel.text import check_text, text_errors
from kernel.vocabulary import codes, risk_level_rank
from routing import reminders

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


def _require(allowed: bool) -> None:
    if not allowed:
        raise PermissionDenied(_("You may not do this with this enquiry."))


def _lock(enquiry: Enquiry) -> None:
    """Lock the row and check nobody changed it since the caller loaded it (optimistic lock)."""
    current = (
        Enquiry.objects.select_for_update().filter(pk=enquiry.pk).values("version", "state").first()
    )
    if (
        current is None
        or current["version"] != enquiry.version
        or current["state"] != enquiry.state
    ):
        raise ConflictError()


def _save(enquiry: Enquiry) -> None:
    enquiry.version += 1
    try:
        enquiry.save()
    except ConcurrentTransition as exc:  # a second line of defence behind _lock
        raise ConflictError() from exc


def _transition(enquiry: Enquiry, actor: User, name: str) -> str:
    """Check permission and state, then move the enquiry; returns the state it left."""
    _require(policies.may_transition(actor, enquiry, name))
    method = getattr(enquiry, name)
    source = enquiry.state
    if not can_proceed(method):
        raise TransitionRefused(
            transition=name, state=enquiry.state, allowed=enquiry.transition_names_for(actor)
        )
    method()
    return source


def _record_state_change(
    *,
    enquiry: Enquiry,
    actor: User,
    transition: str,
    source: str,
    reason: str = "",
    details: dict[str, Any] | None = None,
    at: dt.datetime,
) -> None:
    StateChange.objects.create(
        enquiry=enquiry,
        transition=transition,
        source=source,
        target=enquiry.state,
        at=at,
        actor=actor,
        reason=reason,
        details=details or {},
    )


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
        _require(is_staff_user(actor) and actor.has_perm("intake.add_enquiry"))
        _require(actor.team_id is not None)
        team = team or actor.team
        _require(team.pk == actor.team_id)
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
    enquiry.save()
    reminders.clock_on_create(enquiry)
    events.enquiry_created(actor=actor, enquiry=enquiry)
    return enquiry


@transaction.atomic
def enquiry_update(*, enquiry: Enquiry, actor: User, changes: dict[str, Any]) -> Enquiry:
    """Correct or complete an enquiry's facts. The audit event names the fields, never values."""
    _require(policies.may_edit(actor, enquiry))
    unknown = set(changes) - INPUT_FIELDS
    if unknown:
        raise ValidationError({name: [_("This field cannot be changed here.")] for name in unknown})
    changed = {k: v for k, v in changes.items() if getattr(enquiry, k) != v}
    if not changed:
        return enquiry
    _lock(enquiry)
    current = {name: getattr(enquiry, name) for name in INPUT_FIELDS}
    validate_enquiry({**current, **changed})
    for name, value in changed.items():
        setattr(enquiry, name, value)
    _save(enquiry)
    reminders.clock_on_update(enquiry)
    events.enquiry_updated(actor=actor, enquiry=enquiry, fields=changed)
    return enquiry


@transaction.atomic
def enquiry_assign(*, enquiry: Enquiry, actor: User, assignee: User | None) -> Enquiry:
    _require(policies.may_assign(actor, enquiry))
    if assignee is not None and not policies.may_view(assignee, enquiry):
        raise ValidationError(
            {"assigned_to": [_("Only a member of the enquiry's team can be assigned.")]}
        )
    _lock(enquiry)
    enquiry.assigned_to = assignee
    _save(enquiry)
    events.enquiry_updated(actor=actor, enquiry=enquiry, fields=["assigned_to"])
    return enquiry


@transaction.atomic
def enquiry_assess(
    *,
    enquiry: Enquiry,
    actor: User,
    answers: dict[str, bool],
    level_override: str | None = None,
    override_reason: str = "",
) -> RiskAssessment:
    """Risk-assess an enquiry; again later adds a new version without changing the state."""
    _require(policies.may_transition(actor, enquiry, "assess"))
    if enquiry.state == State.CLOSED:
        raise TransitionRefused(
            transition="assess", state=enquiry.state, allowed=enquiry.transition_names_for(actor)
        )
    instrument = AssessmentInstrument.current()
    if instrument is None:
        raise ValidationError({"answers": [_("No risk instrument has been published.")]})
    item_codes = {item.code for item in instrument.items.all()}
    errors: dict[str, list[str]] = {}
    if not isinstance(answers, dict):
        errors["answers"] = [_("Give the answers as an object of question codes.")]
        answers = {}
    for code, answer in answers.items():
        if code not in item_codes:
            errors[f"answers.{code}"] = [_("Unknown question.")]
        elif not isinstance(answer, bool):
            errors[f"answers.{code}"] = [_("Answer true or false.")]
    if level_override is not None and level_override not in codes("risk_levels"):
        errors["level_override"] = [_("Unknown code: %(code)s.") % {"code": level_override}]
    check_text(errors, "override_reason", override_reason or "", limit=5_000)
    if errors:
        raise ValidationError(errors)

    computed, acute_met = instrument.compute(answers, immediate_danger=enquiry.immediate_danger)
    level = level_override or computed
    override_reason = (override_reason or "").strip()
    if (
        computed in ("high", "acute")
        and risk_level_rank(level) < risk_level_rank(computed)
        and not override_reason
    ):
        raise ValidationError(
            {"override_reason": [_("Give a reason for lowering a high or acute level.")]}
        )

    _lock(enquiry)
    now = timezone.now()
    source = enquiry.state
    if enquiry.state == State.RECEIVED:
        _transition(enquiry, actor, "assess")
        enquiry.assessed_at = now
    latest = enquiry.assessments.order_by("-version").values_list("version", flat=True).first()
    assessment = RiskAssessment.objects.create(
        enquiry=enquiry,
        version=(latest or 0) + 1,
        instrument=instrument,
        answers=answers,
        acute_criteria_met=acute_met,
        computed_level=computed,
        level=level,
        override_reason=override_reason,
        assessed_by=actor,
        assessed_at=now,
    )
    enquiry.risk_level = level
    _save(enquiry)
    reminders.clock_on_assess(enquiry)
    if source != enquiry.state:
        _record_state_change(
            enquiry=enquiry,
            actor=actor,
            transition="assess",
            source=source,
            at=now,
            details={"level": level, "assessment_version": assessment.version},
        )
        events.enquiry_transitioned(
            actor=actor, enquiry=enquiry, transition="assess", fields=["risk_level", "assessments"]
        )
    else:
        events.enquiry_updated(actor=actor, enquiry=enquiry, fields=["risk_level", "assessments"])
    return assessment


@transaction.atomic
def enquiry_forward(
    *,
    enquiry: Enquiry,
    actor: User,
    service_slugs: Iterable[str],
    legal_basis: str,
    note: str = "",
) -> list[Any]:
    """Forward the enquiry to one or more helping services: one referral each."""
    from routing import services as routing_services
    from routing.models import LEGAL_BASES, HelpService

    _require(policies.may_transition(actor, enquiry, "forward"))
    slugs = list(dict.fromkeys(service_slugs))
    errors: dict[str, list[str]] = {}
    found = {s.slug: s for s in HelpService.objects.filter(slug__in=slugs, active=True)}
    if not slugs:
        errors["services"] = [_("Choose at least one service.")]
    missing = [slug for slug in slugs if slug not in found]
    if missing:
        errors["services"] = [_("Unknown service: %(slug)s.") % {"slug": slug} for slug in missing]
    if legal_basis not in LEGAL_BASES:
        errors["legal_basis"] = [_("Give the legal basis: consent or a legal duty.")]
    elif legal_basis == "consent" and enquiry.subject_consents_to_forwarding is not True:
        errors["legal_basis"] = [
            _("The adult has not consented to forwarding; forward only on a legal duty.")
        ]
    check_text(errors, "note", note or "", limit=5_000)
    if errors:
        raise ValidationError(errors)
    # Without consent only on a legal duty the team has recorded acting on (issue 5).
    routing_services.check_duty_for_forwarding(enquiry, legal_basis)

    from routing.models import OPEN_REFERRAL_STATES

    already = set(
        enquiry.referrals.filter(
            service__slug__in=slugs, state__in=OPEN_REFERRAL_STATES
        ).values_list("service__slug", flat=True)
    )
    if already:
        raise ValidationError(
            {
                "services": [
                    _("Already forwarded to %(slug)s.") % {"slug": s} for s in sorted(already)
                ]
            }
        )

    _lock(enquiry)
    source = _transition(enquiry, actor, "forward")
    now = timezone.now()
    referrals = [
        routing_services.referral_create(
            enquiry=enquiry,
            service=found[slug],
            actor=actor,
            legal_basis=legal_basis,
            note=note,
            sent_at=now,
        )
        for slug in slugs
    ]
    if enquiry.forwarded_at is None:
        enquiry.forwarded_at = now
    _save(enquiry)
    reminders.clock_on_forward(enquiry)
    _record_state_change(
        enquiry=enquiry,
        actor=actor,
        transition="forward",
        source=source,
        reason=note,
        at=now,
        details={"services": slugs, "legal_basis": legal_basis},
    )
    events.enquiry_transitioned(
        actor=actor, enquiry=enquiry, transition="forward", fields=["referrals"]
    )
    return referrals


@transaction.atomic
def enquiry_close(
    *,
    enquiry: Enquiry,
    actor: User,
    outcome: str,
    outcome_asked: str = "",
    outcome_achieved: str | None = None,
    note: str = "",
) -> Enquiry:
    _require(policies.may_transition(actor, enquiry, "close"))
    errors: dict[str, list[str]] = {}
    if outcome not in codes("close_outcomes"):
        errors["outcome"] = [_("Choose an outcome.")]
    if outcome_asked and outcome_asked not in codes("outcome_asked"):
        errors["outcome_asked"] = [_("Unknown code: %(code)s.") % {"code": outcome_asked}]
    if outcome_achieved and outcome_achieved not in codes("outcome_achieved"):
        errors["outcome_achieved"] = [_("Unknown code: %(code)s.") % {"code": outcome_achieved}]
    if outcome_achieved and outcome_asked != "asked_expressed":
        errors["outcome_achieved"] = [
            _("Whether the outcome was achieved only applies when the adult expressed one.")
        ]
    check_text(errors, "note", note or "", limit=10_000)
    if errors:
        raise ValidationError(errors)
    # A legal duty raised by a routing rule must be decided before the enquiry can be closed.
    from routing.services import check_duties_before_close

    if enquiry.is_open:
        check_duties_before_close(enquiry)
    _lock(enquiry)
    source = _transition(enquiry, actor, "close")
    now = timezone.now()
    enquiry.outcome = outcome
    enquiry.outcome_asked = outcome_asked or ""
    enquiry.outcome_achieved = outcome_achieved or ""
    enquiry.close_note = note or ""
    enquiry.closed_at = now
    _save(enquiry)
    reminders.clock_on_close(enquiry)
    _record_state_change(
        enquiry=enquiry,
        actor=actor,
        transition="close",
        source=source,
        reason=note,
        at=now,
        details={
            "outcome": outcome,
            "outcome_asked": outcome_asked,
            "outcome_achieved": outcome_achieved,
        },
    )
    events.enquiry_transitioned(
        actor=actor,
        enquiry=enquiry,
        transition="close",
        fields=["outcome", "outcome_asked", "outcome_achieved", "close_note"],
    )
    return enquiry


@transaction.atomic
def enquiry_reopen(*, enquiry: Enquiry, actor: User, reason: str) -> Enquiry:
    _require(policies.may_transition(actor, enquiry, "reopen"))
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": [_("Give a reason for reopening.")]})
    if found := text_errors(reason, limit=5_000):
        raise ValidationError({"reason": found})
    _lock(enquiry)
    source = _transition(enquiry, actor, "reopen")
    now = timezone.now()
    # The previous closing stays in the history (StateChange of the close); the enquiry is open.
    enquiry.outcome = enquiry.outcome_asked = enquiry.outcome_achieved = enquiry.close_note = ""
    enquiry.closed_at = None
    _save(enquiry)
    reminders.clock_on_reopen(enquiry)
    _record_state_change(
        enquiry=enquiry, actor=actor, transition="reopen", source=source, reason=reason, at=now
    )
    events.enquiry_transitioned(
        actor=actor,
        enquiry=enquiry,
        transition="reopen",
        fields=["outcome", "outcome_asked", "outcome_achieved", "close_note"],
    )
    return enquiry


def _idempotent_replay(*, caller: str, key: str, body_hash: str) -> Enquiry | None:
    from intake.models import IdempotencyRecord

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
    from django.db import IntegrityError

    from accounts.models import ServiceOrganisation
    from intake.models import IdempotencyRecord, ServiceSubmission

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
