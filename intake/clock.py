"""The enquiry's clock: what is due next and when, armed when it comes in, moved on by each step.

Deadlines are data (``intake.models.Deadline``; coordinators edit them). Every open enquiry has
one ``EnquiryClock``: the risk assessment is due once it comes in (within the hour when acute),
the follow-up after the first assessment and after every forwarding; closing stops it, reopening
starts the assessment again. The intake services arm it; ``casework.services`` moves it on with
each transition; ``casework.reminders`` reminds and escalates what falls due.

A pause with a reason (waiting for the adult's consent, for the police) moves the due times on by
its length; nothing is reminded while it lasts. Urgency overrides a pause: whatever makes the
enquiry acute ends it (see "Arming" below), and the acute assessment deadline is never paused.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
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
from kernel.calendar import add_local, local_difference
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
#
# A pause stops the clock: the due times move on by its length on the Oslo clocks, and the
# length is kept as ``pause_shift`` for as long as the step runs. Re-arming the same step with
# another deadline (immediate danger recorded or withdrawn) counts the new deadline from the
# step's start and adds the shift already earned; a new step (assessed, forwarded, reopened)
# starts now and waits for whatever is left of a running pause.
#
# Urgency overrides a pause. Whatever makes an enquiry acute ends a running pause at once:
# immediate danger recorded, an assessment that puts it at level acute, and arming the acute
# assessment deadline at all (which is never paused: ``enquiry_clock_pause`` refuses it). The
# pause stays in the history with when, by whom and why it ended; the clock counts the part
# that was used and gives back the rest. Closing ends a running pause too (the clock stops), so
# a reopened enquiry is never silently paused by a pause made before it was closed.

NO_SHIFT = dt.timedelta(0)


def _arm(
    enquiry: Enquiry, kind: str, start: dt.datetime, *, shift: dt.timedelta = NO_SHIFT
) -> EnquiryClock:
    deadline = deadline_for(kind)
    clock, _created = EnquiryClock.objects.update_or_create(
        enquiry=enquiry,
        defaults={
            "kind": kind,
            "started_at": start,
            "due_at": add_local(deadline.due(start), shift),
            "escalate_at": add_local(deadline.escalation(start), shift),
            "pause_shift": shift,
            "reminded_at": None,
            "escalated_at": None,
        },
    )
    return clock


def _arm_step(enquiry: Enquiry, kind: str, *, actor: Any, now: dt.datetime) -> EnquiryClock:
    """A new step starts ``now``: its deadline waits for the rest of a running pause, unless
    the deadline is the acute assessment, which ends the pause."""
    clock = EnquiryClock.objects.select_for_update().filter(enquiry=enquiry).first()
    if clock is not None and kind == DeadlineKind.ASSESSMENT_ACUTE:
        _end_pause(clock, actor=actor, now=now, cause=ClockPause.EndCause.IMMEDIATE_DANGER)
    paused = clock is not None and clock.is_paused(now)
    shift = local_difference(now, clock.paused_until) if paused else NO_SHIFT
    return _arm(enquiry, kind, now, shift=shift)


def _stop(enquiry: Enquiry) -> None:
    EnquiryClock.objects.update_or_create(
        enquiry=enquiry,
        defaults={
            "kind": "",
            "due_at": None,
            "escalate_at": None,
            "reminded_at": None,
            "escalated_at": None,
            "pause_shift": NO_SHIFT,
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


def clock_on_update(enquiry: Enquiry, *, actor: Any, changed: Iterable[str]) -> None:
    """The enquiry's facts were corrected (``changed``: the fields' names).

    Immediate danger recorded ends a running pause, in every open state. While the enquiry waits
    for its assessment, recording or withdrawing the danger changes that deadline (acute: within
    the hour); it still counts from when the enquiry came in, plus the time paused so far.
    """
    if "immediate_danger" not in changed:
        return
    clock = EnquiryClock.objects.select_for_update().filter(enquiry=enquiry).first()
    if clock is None or not enquiry.is_open:
        return
    if enquiry.immediate_danger:
        _end_pause(
            clock, actor=actor, now=timezone.now(), cause=ClockPause.EndCause.IMMEDIATE_DANGER
        )
    kind = _assessment_kind(enquiry)
    if enquiry.state == State.RECEIVED and clock.started_at and kind != clock.kind:
        _arm(enquiry, kind, clock.started_at, shift=clock.pause_shift)


def clock_on_assess(enquiry: Enquiry, *, actor: Any, became_acute: bool) -> None:
    """Assessed: the assessment deadline is met; the enquiry must move on (follow-up clock).

    An assessment that makes the enquiry acute (``became_acute``: level acute, and it was not
    before) ends a running pause.
    """
    now = timezone.now()
    clock = EnquiryClock.objects.select_for_update().filter(enquiry=enquiry).first()
    if became_acute and clock is not None:
        _end_pause(clock, actor=actor, now=now, cause=ClockPause.EndCause.ASSESSED_ACUTE)
    # Only the first assessment moves the clock on; assessing again keeps the running follow-up.
    if enquiry.state == State.RISK_ASSESSED and (
        clock is None or clock.kind in ("", DeadlineKind.ASSESSMENT, DeadlineKind.ASSESSMENT_ACUTE)
    ):
        _arm_step(enquiry, DeadlineKind.FOLLOW_UP, actor=actor, now=now)


def clock_on_forward(enquiry: Enquiry, *, actor: Any) -> None:
    """Forwarded: follow up that the services acted (each forwarding restarts it)."""
    _arm_step(enquiry, DeadlineKind.FOLLOW_UP, actor=actor, now=timezone.now())


def clock_on_close(enquiry: Enquiry, *, actor: Any) -> None:
    """Closed: nothing is due; a running pause ends with the clock."""
    clock = EnquiryClock.objects.select_for_update().filter(enquiry=enquiry).first()
    if clock is not None:
        _end_pause(clock, actor=actor, now=timezone.now(), cause=ClockPause.EndCause.CLOSED)
    _stop(enquiry)


def clock_on_reopen(enquiry: Enquiry, *, actor: Any) -> None:
    """Reopened enquiries are back in `received`: they must be assessed again."""
    _arm_step(enquiry, _assessment_kind(enquiry), actor=actor, now=timezone.now())


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

    The clock stops: the due and escalation times move later by the length of the pause, counted
    on the Oslo clocks (four days from 10:00 end at 10:00, across a change of summer time too).
    A reminder already sent stays sent; nothing is sent while the pause lasts. ValidationError
    without a reason, for a date not in the future or more than a year ahead, for a closed
    enquiry, and while the deadline is the acute assessment (within the hour: never paused).
    """
    policies.require_editable(actor, enquiry)
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
    clock = EnquiryClock.objects.select_for_update().filter(enquiry=enquiry).first()
    if clock is not None and clock.kind == DeadlineKind.ASSESSMENT_ACUTE:
        errors.setdefault("enquiry", []).append(
            _(
                "An acute enquiry must be risk-assessed within its deadline; that deadline "
                "cannot be paused."
            )
        )
    if errors:
        raise ValidationError(errors)
    if clock is None:
        clock = _arm(enquiry, _assessment_kind(enquiry), enquiry.received_at)
    # A pause replacing a running one ends it here; the due times move as if the new pause had
    # been chosen in the first place (a shorter one brings them back, a longer one moves them on).
    _end_running_pauses(
        enquiry_id=enquiry.pk, actor=actor, now=now, cause=ClockPause.EndCause.REPLACED
    )
    paused_from = max(now, clock.paused_until) if clock.paused_until else now
    shift = local_difference(paused_from, until)
    clock.pause_shift += shift
    if clock.due_at and clock.reminded_at is None:
        clock.due_at = add_local(clock.due_at, shift)
    if clock.escalate_at and clock.escalated_at is None:
        clock.escalate_at = add_local(clock.escalate_at, shift)
    clock.paused_until = until
    clock.pause_reason = reason
    clock.save()
    pause = ClockPause.objects.create(
        enquiry=enquiry, reason=reason, paused_at=now, paused_until=until, paused_by=actor
    )
    events.object_created(actor=actor, obj=pause, enquiry_id=enquiry.pk)
    return pause


def _end_running_pauses(*, enquiry_id: Any, actor: Any, now: dt.datetime, cause: str) -> None:
    running = ClockPause.objects.filter(
        enquiry_id=enquiry_id, ended_at__isnull=True, paused_until__gt=now
    )
    for pause in running:
        pause.ended_at = now
        pause.ended_by = actor if isinstance(actor, User) else None
        pause.end_cause = cause
        pause.save(update_fields=["ended_at", "ended_by", "end_cause"])
        events.object_changed(
            actor=actor, obj=pause, fields=["ended_at", "end_cause"], enquiry_id=enquiry_id
        )


def _end_pause(clock: EnquiryClock, *, actor: Any, now: dt.datetime, cause: str) -> None:
    """End the clock's running pause at ``now`` (nothing when it is not paused): the clock keeps
    the part of the pause that was used and gives back the rest; the pause's history says why."""
    if not clock.is_paused(now):
        return
    unused = local_difference(now, clock.paused_until)
    clock.pause_shift -= unused
    if clock.due_at and clock.reminded_at is None:
        clock.due_at = max(now, add_local(clock.due_at, -unused))
    if clock.escalate_at and clock.escalated_at is None:
        clock.escalate_at = max(now, add_local(clock.escalate_at, -unused))
    clock.paused_until = None
    clock.pause_reason = ""
    clock.save()
    _end_running_pauses(enquiry_id=clock.enquiry_id, actor=actor, now=now, cause=cause)


@transaction.atomic
def enquiry_clock_resume(*, enquiry: Enquiry, actor: Any) -> None:
    """Lift a pause before its date (the answer came early). The clock runs again from now.
    ValidationError when the clock is not paused."""
    policies.require_editable(actor, enquiry)
    now = timezone.now()
    clock = EnquiryClock.objects.select_for_update().filter(enquiry=enquiry).first()
    if clock is None or not clock.is_paused(now):
        raise ValidationError({"enquiry": [_("The enquiry's clock is not paused.")]})
    _end_pause(clock, actor=actor, now=now, cause=ClockPause.EndCause.RESUMED)


# --- "Overdue": one definition, from the clocks (deadlines are data) ---


def not_paused_q(now: dt.datetime, prefix: str = "") -> Q:
    """A clock (at ``prefix``) not paused at ``now``."""
    return Q(**{f"{prefix}paused_until__isnull": True}) | Q(**{f"{prefix}paused_until__lte": now})


def clock_overdue_q(now: dt.datetime, prefix: str = "clock__") -> Q:
    """A clock (at ``prefix``) past its due time and not paused: the one definition of overdue."""
    return Q(**{f"{prefix}due_at__lte": now}) & not_paused_q(now, prefix)
