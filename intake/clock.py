"""The enquiry's clock: what is due next and when, armed when it comes in, moved on by each step.

Deadlines are data (``intake.models.Deadline``; coordinators edit them). Every open enquiry has
one ``EnquiryClock``: the risk assessment is due once it comes in (within the hour when acute),
the follow-up after the first assessment and after every forwarding; closing stops it, reopening
starts the assessment again. The intake services arm it; ``casework.services`` moves it on with
each transition; ``casework.reminders`` reminds and escalates what falls due.

A pause with a reason (waiting for the adult's consent, for the police) moves the due times on by
its length; nothing is reminded while it lasts.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.policies import is_staff_user
from audit import events
from intake import policies
from intake.models import (
    ClockPause,
    Deadline,
    DeadlineKind,
    DeadlineUnit,
    Enquiry,
    EnquiryClock,
    State,
)
from kernel.text import check_text

# The defaults installed by migration routing/0004 (and used if a row is missing): issue 6.
DEFAULT_DEADLINES: dict[str, tuple[int, int, str]] = {
    DeadlineKind.ASSESSMENT_ACUTE: (1, 2, DeadlineUnit.HOURS),
    DeadlineKind.ASSESSMENT: (2, 4, DeadlineUnit.WORKING_DAYS),
    DeadlineKind.REFERRAL_ACKNOWLEDGEMENT: (3, 6, DeadlineUnit.WORKING_DAYS),
    DeadlineKind.FOLLOW_UP: (30, 60, DeadlineUnit.DAYS),
}


PAUSE_LONGEST = dt.timedelta(days=366)


def deadline_for(kind: str) -> Deadline:
    deadline = Deadline.objects.filter(kind=kind).first()
    if deadline is None:  # never silently without a deadline: fall back to the shipped default
        remind, escalate, unit = DEFAULT_DEADLINES[kind]
        deadline = Deadline(kind=kind, remind_after=remind, escalate_after=escalate, unit=unit)
    return deadline


@transaction.atomic
def deadline_save(*, deadline: Deadline, actor: Any, fields: list[str] | None = None) -> Deadline:
    """Coordinators change a deadline; clocks already running keep their times."""
    if not (is_staff_user(actor) and actor.has_perm("intake.change_deadline")):
        raise PermissionDenied(_("You may not change the deadlines."))
    deadline.full_clean()
    deadline.save()
    events.object_changed(actor=actor, obj=deadline, fields=fields or [])
    return deadline


# --- Arming, moving on and stopping the clock (each called inside its service's transaction) ---


def _arm(enquiry: Enquiry, kind: str, start: dt.datetime) -> EnquiryClock:
    deadline = deadline_for(kind)
    clock, _created = EnquiryClock.objects.update_or_create(
        enquiry=enquiry,
        defaults={
            "kind": kind,
            "started_at": start,
            "due_at": deadline.due(start),
            "escalate_at": deadline.escalation(start),
            "reminded_at": None,
            "escalated_at": None,
        },
    )
    return clock


def _stop(enquiry: Enquiry) -> None:
    EnquiryClock.objects.update_or_create(
        enquiry=enquiry,
        defaults={
            "kind": "",
            "due_at": None,
            "escalate_at": None,
            "reminded_at": None,
            "escalated_at": None,
        },
    )


def _assessment_kind(enquiry: Enquiry) -> str:
    return DeadlineKind.ASSESSMENT_ACUTE if enquiry.immediate_danger else DeadlineKind.ASSESSMENT


def clock_on_create(enquiry: Enquiry) -> None:
    """A new enquiry must be risk-assessed: within the hour when acute, else 2 working days."""
    # A new enquiry has no clock yet: one INSERT, not update_or_create's lock, savepoints and
    # SELECT (a third of the intake's queries, bench/intake.py).
    kind = _assessment_kind(enquiry)
    deadline = deadline_for(kind)
    start = enquiry.received_at
    EnquiryClock.objects.create(
        enquiry=enquiry,
        kind=kind,
        started_at=start,
        due_at=deadline.due(start),
        escalate_at=deadline.escalation(start),
    )


def clock_on_update(enquiry: Enquiry) -> None:
    """Immediate danger reported after the enquiry came in makes the assessment acute."""
    clock = EnquiryClock.objects.filter(enquiry=enquiry).first()
    if enquiry.state != State.RECEIVED or clock is None or not clock.started_at:
        return
    kind = _assessment_kind(enquiry)
    if kind != clock.kind:
        _arm(enquiry, kind, clock.started_at)


def clock_on_assess(enquiry: Enquiry) -> None:
    """Assessed: the assessment deadline is met; the enquiry must move on (follow-up clock)."""
    # Only the first assessment moves the clock on; assessing again keeps the running follow-up.
    clock = EnquiryClock.objects.filter(enquiry=enquiry).first()
    if enquiry.state == State.RISK_ASSESSED and (
        clock is None or clock.kind in ("", DeadlineKind.ASSESSMENT, DeadlineKind.ASSESSMENT_ACUTE)
    ):
        _arm(enquiry, DeadlineKind.FOLLOW_UP, timezone.now())


def clock_on_forward(enquiry: Enquiry) -> None:
    """Forwarded: follow up that the services acted (each forwarding restarts it)."""
    _arm(enquiry, DeadlineKind.FOLLOW_UP, timezone.now())


def clock_on_close(enquiry: Enquiry) -> None:
    _stop(enquiry)


def clock_on_reopen(enquiry: Enquiry) -> None:
    """Reopened enquiries are back in `received`: they must be assessed again."""
    _arm(enquiry, _assessment_kind(enquiry), timezone.now())


def clock_restart(enquiry: Enquiry, started_at: dt.datetime) -> EnquiryClock | None:
    """Start the enquiry's running clock again from ``started_at``, the time of the step that
    armed it, for a history recorded after the fact (the demo's year of work: its steps are taken
    now and their times set back): what is due keeps its kind, its times follow from
    ``started_at`` as if the step had been taken then, and nothing counts as reminded yet. A
    stopped clock (closed enquiry) stays stopped. Inside the caller's transaction."""
    clock = EnquiryClock.objects.filter(enquiry=enquiry).first()
    if clock is None or not clock.kind:
        return clock
    return _arm(enquiry, clock.kind, started_at)


def referral_deadlines(sent_at: dt.datetime) -> tuple[dt.datetime, dt.datetime]:
    """Due and escalation times of a new referral's acknowledgement."""
    deadline = deadline_for(DeadlineKind.REFERRAL_ACKNOWLEDGEMENT)
    return deadline.due(sent_at), deadline.escalation(sent_at)


# --- Pausing the clock ---


@transaction.atomic
def enquiry_clock_pause(
    *, enquiry: Enquiry, actor: Any, until: dt.datetime, reason: str
) -> ClockPause:
    """Pause an enquiry's clock until a date, with a reason (waiting for consent, for the police).

    The clock stops: the due and escalation times move later by the length of the pause. A reminder
    already sent stays sent; nothing is sent while the pause lasts.
    """
    if not policies.may_edit(actor, enquiry):
        raise PermissionDenied(_("You may not do this with this enquiry."))
    reason = (reason or "").strip()
    now = timezone.now()
    errors: dict[str, list[str]] = {}
    if not reason:
        errors["reason"] = [_("Give a reason for the pause.")]
    else:
        check_text(errors, "reason", reason, limit=500)
    if until is None or until <= now:
        errors["until"] = [_("The pause must end in the future.")]
    elif until > now + PAUSE_LONGEST:
        errors["until"] = [_("A pause can last at most a year.")]
    if not enquiry.is_open:
        errors["enquiry"] = [_("The enquiry is closed; reopen it first.")]
    if errors:
        raise ValidationError(errors)
    clock = EnquiryClock.objects.select_for_update().filter(enquiry=enquiry).first()
    if clock is None:
        clock = _arm(enquiry, _assessment_kind(enquiry), enquiry.received_at)
    # A pause replacing a running one ends it here; the due times move as if the new pause had
    # been chosen in the first place (a shorter one brings them back, a longer one moves them on).
    _end_running_pauses(enquiry=enquiry, actor=actor, now=now)
    paused_from = max(now, clock.paused_until) if clock.paused_until else now
    shift = until - paused_from
    if clock.due_at and clock.reminded_at is None:
        clock.due_at += shift
    if clock.escalate_at and clock.escalated_at is None:
        clock.escalate_at += shift
    clock.paused_until = until
    clock.pause_reason = reason
    clock.save()
    pause = ClockPause.objects.create(
        enquiry=enquiry, reason=reason, paused_at=now, paused_until=until, paused_by=actor
    )
    events.object_created(actor=actor, obj=pause, enquiry_id=enquiry.pk)
    return pause


def _end_running_pauses(*, enquiry: Enquiry, actor: Any, now: dt.datetime) -> None:
    running = ClockPause.objects.filter(
        enquiry=enquiry, ended_at__isnull=True, paused_until__gt=now
    )
    for pause in running:
        pause.ended_at = now
        pause.ended_by = actor
        pause.save(update_fields=["ended_at", "ended_by"])
        events.object_changed(actor=actor, obj=pause, fields=["ended_at"], enquiry_id=enquiry.pk)


@transaction.atomic
def enquiry_clock_resume(*, enquiry: Enquiry, actor: Any) -> None:
    """Lift a pause before its date (the answer came early). The clock runs again from now."""
    if not policies.may_edit(actor, enquiry):
        raise PermissionDenied(_("You may not do this with this enquiry."))
    now = timezone.now()
    clock = EnquiryClock.objects.select_for_update().filter(enquiry=enquiry).first()
    if clock is None or not clock.is_paused(now):
        raise ValidationError({"enquiry": [_("The enquiry's clock is not paused.")]})
    # Give back the part of the pause that was not used.
    unused = clock.paused_until - now
    if clock.due_at and clock.reminded_at is None:
        clock.due_at = max(now, clock.due_at - unused)
    if clock.escalate_at and clock.escalated_at is None:
        clock.escalate_at = max(now, clock.escalate_at - unused)
    clock.paused_until = None
    clock.pause_reason = ""
    clock.save()
    _end_running_pauses(enquiry=enquiry, actor=actor, now=now)


# --- "Overdue": one definition, from the clocks (deadlines are data) ---


def not_paused_q(now: dt.datetime, prefix: str = "") -> Q:
    """A clock (at ``prefix``) not paused at ``now``."""
    return Q(**{f"{prefix}paused_until__isnull": True}) | Q(**{f"{prefix}paused_until__lte": now})


def clock_overdue_q(now: dt.datetime, prefix: str = "clock__") -> Q:
    """A clock (at ``prefix``) past its due time and not paused: the one definition of overdue."""
    return Q(**{f"{prefix}due_at__lte": now}) & not_paused_q(now, prefix)
