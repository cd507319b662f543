"""The workflow: every transition of an enquiry, with its side effects, in one place.

Each function is keyword-only and atomic, checks the actor's permission itself (django-fsm's
``permission=`` is not enforced when a transition method is called), takes the step on the
enquiry's state machine (``intake.models.Enquiry``), does what the step entails, moves the
enquiry's clock on (``intake.clock``), records the step in the enquiry's history, and writes its
audit event last, in the same transaction:

- **assess**: the risk assessment (``intake.assessment``); received → risk_assessed, or a new
  version while risk_assessed or forwarded;
- **forward**: one referral per helping service (``routing.services``), on the adult's consent
  each on its own legal basis (``routing.services.basis_errors``);
- **close**: with an outcome, once every raised legal duty has a decision;
- **reopen**: coordinators, with a reason;
- **assign**: who works the enquiry (``casework.assignment``); and the under-18 rule (refer to child welfare and close).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django_fsm import can_proceed

from accounts.models import User
from audit import events
from casework import assignment
from intake import clock, policies
from intake.assessment import assessment_add, assessment_score
from intake.models import Enquiry, RiskAssessment, State, StateChange
from intake.services import enquiry_lock, enquiry_save, require
from kernel.errors import TransitionRefused
from kernel.text import check_text, text_errors
from kernel.vocabulary import codes
from routing import selectors as routing_selectors
from routing import services as routing_services
from routing.models import OPEN_REFERRAL_STATES, DutyDecision, HelpService, Referral


def _transition(enquiry: Enquiry, actor: User, name: str, *, at: dt.datetime) -> str:
    """Check permission and state, then move the enquiry; returns the state it left.

    The one place a transition is taken, so the one place its first time is noted
    (``Enquiry.record_first_time``: set once, never moved by a repetition).
    """
    require(policies.may_transition(actor, enquiry, name))
    method = getattr(enquiry, name)
    source = enquiry.state
    if not can_proceed(method):
        raise TransitionRefused(
            transition=name, state=enquiry.state, allowed=enquiry.transition_names_for(actor)
        )
    method()
    enquiry.record_first_time(name, at)
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


def enquiry_assign(*, enquiry: Enquiry, actor: User, assignee: User | None) -> Enquiry:
    """Who works the enquiry: ``casework.assignment.enquiry_assign`` (its rules and errors)."""
    return assignment.enquiry_assign(enquiry=enquiry, actor=actor, assignee=assignee)


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
    require(policies.may_transition(actor, enquiry, "assess"))
    if enquiry.state == State.CLOSED:
        raise TransitionRefused(
            transition="assess", state=enquiry.state, allowed=enquiry.transition_names_for(actor)
        )
    scored = assessment_score(
        answers=answers,
        level_override=level_override,
        override_reason=override_reason,
        immediate_danger=enquiry.immediate_danger,
    )
    level = scored.level

    enquiry_lock(enquiry)
    now = timezone.now()
    source = enquiry.state
    became_acute = level == "acute" and enquiry.risk_level != "acute"
    if enquiry.state == State.RECEIVED:
        _transition(enquiry, actor, "assess", at=now)
    assessment = assessment_add(enquiry=enquiry, scored=scored, actor=actor, at=now)
    enquiry.risk_level = level
    enquiry_save(enquiry)
    clock.clock_on_assess(enquiry, actor=actor, became_acute=became_acute)
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
    service_slugs: Iterable[str] = (),
    legal_basis: str = "",
    note: str = "",
    bases: Iterable[routing_services.ServiceBasis] | None = None,
    basis_decided_by: str = "",
) -> list[Any]:
    """Forward the enquiry to one or more helping services: one referral each, each on its own
    legal basis (issue 16; ``routing.services.basis_errors``: consent to that service, a legal
    duty that applies to it and was acted on, or a basis the team records for an adult who
    lacks capacity to consent, with who decided).

    Either ``bases`` (per service; a refusal names ``services.N.legal_basis``) or, as in the API's
    first version, ``service_slugs`` with one ``legal_basis`` for all (and ``basis_decided_by``),
    checked for each service the same way (a refusal names ``legal_basis``). ValidationError
    with every refusal; nothing is stored then.
    """
    require(policies.may_transition(actor, enquiry, "forward"))
    per_service = bases is not None
    if bases is None:
        bases = [
            routing_services.ServiceBasis(
                service=slug, legal_basis=legal_basis, decided_by=basis_decided_by
            )
            for slug in dict.fromkeys(service_slugs)
        ]
    bases = list(bases)
    slugs = [basis.service for basis in bases]
    errors: dict[str, list[str]] = {}
    found = {s.slug: s for s in HelpService.objects.filter(slug__in=slugs, active=True)}
    if not slugs:
        errors["services"] = [_("Choose at least one service.")]
    missing = [slug for slug in slugs if slug not in found]
    if missing:
        errors["services"] = [_("Unknown service: %(slug)s.") % {"slug": slug} for slug in missing]
    repeated = sorted({slug for slug in slugs if slugs.count(slug) > 1})
    if repeated:
        errors["services"] = [
            _("Each service once: %(slug)s.") % {"slug": slug} for slug in repeated
        ]
    for index, basis in enumerate(bases):
        key = f"services.{index}.legal_basis" if per_service else "legal_basis"
        service = found.get(basis.service)
        if service is None:
            continue
        refused = routing_services.basis_errors(
            enquiry, service, basis.legal_basis, decided_by=basis.decided_by
        )
        if refused:
            errors.setdefault(key, []).extend(refused)
        for field, value, limit in (
            ("decided_by", basis.decided_by, 200),
            ("reason", basis.reason, 5_000),
        ):
            check_text(
                errors,
                f"services.{index}.{field}" if per_service else field,
                value or "",
                limit=limit,
            )
    if not per_service and "legal_basis" in errors:
        errors["legal_basis"] = list(dict.fromkeys(errors["legal_basis"]))
    check_text(errors, "note", note or "", limit=5_000)
    if errors:
        raise ValidationError(errors)

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

    enquiry_lock(enquiry)
    now = timezone.now()
    source = _transition(enquiry, actor, "forward", at=now)
    referrals = [
        routing_services.referral_create(
            enquiry=enquiry,
            service=found[basis.service],
            actor=actor,
            legal_basis=basis.legal_basis,
            note=note,
            sent_at=now,
            basis_decided_by=(basis.decided_by or "").strip(),
            basis_reason=(basis.reason or "").strip(),
        )
        for basis in bases
    ]
    enquiry_save(enquiry)
    clock.clock_on_forward(enquiry, actor=actor)
    _record_state_change(
        enquiry=enquiry,
        actor=actor,
        transition="forward",
        source=source,
        reason=note,
        at=now,
        details={
            "services": slugs,
            "legal_basis": legal_basis if not per_service else "",
            "legal_bases": {basis.service: basis.legal_basis for basis in bases},
        },
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
    measures: Iterable[str] | None = None,
) -> Enquiry:
    """Close with an outcome, once every raised legal duty has a decision.

    ``measures`` (vocabulary ``measures``, issue 16): what was done for the adult, required
    unless the outcome is ``duplicate`` or ``referred_elsewhere`` (ValidationError naming
    ``measures``); None keeps what was recorded during the case (``enquiry_measures_record``).

    Every open referral is withdrawn (``routing.services.referral_withdraw``: the service is told
    and sees no personal data from then on), except with the outcome ``referred_elsewhere``, which
    hands the case over to the services it was referred to. Reopening does not revive them.
    """
    require(policies.may_transition(actor, enquiry, "close"))
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
    chosen = _measures_checked(errors, enquiry.measures if measures is None else measures)
    if not chosen and outcome not in MEASURES_OPTIONAL_FOR:
        errors.setdefault("measures", []).append(
            _("Record the measures taken (or that the adult wanted none).")
        )
    if errors:
        raise ValidationError(errors)
    # A legal duty raised by a routing rule must be decided before the enquiry can be closed.
    if enquiry.is_open:
        routing_services.check_duties_before_close(enquiry)
    enquiry_lock(enquiry)
    if outcome != "referred_elsewhere" and enquiry.is_open:
        # Closing ends what the enquiry set going: every open referral is withdrawn and its
        # service told, so no service keeps acting on (or seeing) a closed case. Referred
        # elsewhere hands the case over: there the referrals are the handover and stay open.
        for referral in enquiry.referrals.filter(state__in=OPEN_REFERRAL_STATES):
            routing_services.referral_withdraw(referral=referral, actor=actor)
    now = timezone.now()
    source = _transition(enquiry, actor, "close", at=now)
    enquiry.outcome = outcome
    enquiry.outcome_asked = outcome_asked or ""
    enquiry.outcome_achieved = outcome_achieved or ""
    enquiry.close_note = note or ""
    enquiry.measures = chosen
    enquiry.closed_at = now
    enquiry_save(enquiry)
    clock.clock_on_close(enquiry, actor=actor)
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
            "measures": chosen,
        },
    )
    events.enquiry_transitioned(
        actor=actor,
        enquiry=enquiry,
        transition="close",
        fields=["outcome", "outcome_asked", "outcome_achieved", "close_note", "measures"],
    )
    return enquiry


# --- Measures (tiltak; issue 16) ---

# Closing with these outcomes records no measures: the case was TryggEst's in name only.
MEASURES_OPTIONAL_FOR = ("duplicate", "referred_elsewhere")


def _measures_checked(errors: dict[str, list[str]], measures: Iterable[str]) -> list[str]:
    """The measures in vocabulary order, without repeats; unknown codes go into ``errors``."""
    given = list(measures or [])
    known = codes("measures")
    unknown = [code for code in given if code not in known]
    if unknown or not all(isinstance(code, str) for code in given):
        errors["measures"] = [
            _("Unknown code: %(code)s.") % {"code": code}
            for code in unknown
            if isinstance(code, str)
        ] or [_("Choose measures from the list.")]
        return []
    if "none_wanted" in given and len(set(given)) > 1:
        errors["measures"] = [_("“No measures wanted” cannot be combined with other measures.")]
    return [code for code in known if code in given]


@transaction.atomic
def enquiry_measures_record(*, enquiry: Enquiry, actor: User, measures: Iterable[str]) -> Enquiry:
    """Record the measures taken so far (vocabulary ``measures``; replaces the earlier list).

    PermissionDenied unless the actor may edit the enquiry; EnquiryClosed on a closed enquiry
    (closing records the final list); ValidationError naming ``measures`` for unknown codes.
    """
    policies.require_editable(actor, enquiry)
    errors: dict[str, list[str]] = {}
    chosen = _measures_checked(errors, measures)
    if errors:
        raise ValidationError(errors)
    enquiry_lock(enquiry)
    enquiry.measures = chosen
    enquiry_save(enquiry)
    events.enquiry_updated(actor=actor, enquiry=enquiry, fields=["measures"])
    return enquiry


@transaction.atomic
def enquiry_reopen(*, enquiry: Enquiry, actor: User, reason: str) -> Enquiry:
    require(policies.may_transition(actor, enquiry, "reopen"))
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": [_("Give a reason for reopening.")]})
    if found := text_errors(reason, limit=5_000):
        raise ValidationError({"reason": found})
    enquiry_lock(enquiry)
    now = timezone.now()
    source = _transition(enquiry, actor, "reopen", at=now)
    # The previous closing stays in the history (StateChange of the close); the enquiry is open.
    enquiry.outcome = enquiry.outcome_asked = enquiry.outcome_achieved = enquiry.close_note = ""
    enquiry.closed_at = None
    enquiry_save(enquiry)
    clock.clock_on_reopen(enquiry, actor=actor)
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


# --- The under-18 rule ---


@transaction.atomic
def enquiry_refer_to_child_welfare(*, enquiry: Any, actor: Any, note: str = "") -> Referral:
    """A person under 18 is the child welfare service's case, not TryggEst's.

    Refers the enquiry to Barneverntjenesten on the duty to notify child welfare (the referral is
    the notification, so that decision is recorded), then closes it as `referred_elsewhere`.
    Other duties raised (e.g. immediate danger) still need their own decision first.
    """
    if not (policies.may_transition(actor, enquiry, "close") and policies.may_edit(actor, enquiry)):
        raise PermissionDenied(_("You may not do this with this enquiry."))
    if not routing_selectors.is_child_welfare_case(enquiry):
        raise ValidationError(
            {
                "enquiry": [
                    _("Only an enquiry about a person under 18 goes to child welfare this way.")
                ]
            }
        )
    service = HelpService.objects.get(slug=routing_services.CHILD_WELFARE_SERVICE)
    referral = enquiry.referrals.filter(service=service, state__in=OPEN_REFERRAL_STATES).first()
    if referral is None:
        now = timezone.now()
        routing_services.duty_decision_record(
            enquiry=enquiry,
            actor=actor,
            duty="opplysningsplikt_barnevern",
            decision=DutyDecision.NOTIFIED,
            notified_whom=service.name,
            notified_at=now,
        )
        referral = routing_services.referral_create(
            enquiry=enquiry,
            service=service,
            actor=actor,
            legal_basis="opplysningsplikt_barnevern",
            note=note,
            sent_at=now,
        )
    enquiry_close(
        enquiry=enquiry,
        actor=actor,
        outcome="referred_elsewhere",
        outcome_asked="not_asked",
        note=note,
    )
    return referral
