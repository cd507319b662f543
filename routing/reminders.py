"""Reminders and escalation: the enquiries' clocks, pauses, and the sweep that sends reminders.

Part of routing's write path (like ``routing.services``): the clock hooks run inside the
transactions of ``intake.services``; the sweep claims each reminder with a conditional UPDATE.

The database is the record, Celery only the nudge. Nothing here is published to a broker: the
request path (submitting, transitions, forwarding) writes rows only, and whichever scheduler runs
the sweep next (Celery beat, the embedded scheduler thread, ``manage.py send_reminders``) sends
what has fallen due, however long it was down.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import EmailMessage, get_connection
from django.db import transaction
from django.db.models import F, Q, QuerySet
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from accounts.models import User
from accounts.policies import is_staff_user
from accounts.roles import COORDINATOR, TEAM_MEMBER
from audit import events
from audit.models import Action
from intake import policies
from intake.models import OPEN_STATES, Enquiry, State
from kernel.text import check_text
from routing.models import (
    ClockPause,
    Deadline,
    DeadlineKind,
    DeadlineUnit,
    EnquiryClock,
    Referral,
    ReferralState,
    Reminder,
    ReminderKind,
)
from routing.selectors import clock_overdue_q, not_paused_q

logger = logging.getLogger(__name__)

# The defaults installed by migration 0004 (and used if a row is missing): issue 6.
DEFAULT_DEADLINES: dict[str, tuple[int, int, str]] = {
    DeadlineKind.ASSESSMENT_ACUTE: (1, 2, DeadlineUnit.HOURS),
    DeadlineKind.ASSESSMENT: (2, 4, DeadlineUnit.WORKING_DAYS),
    DeadlineKind.REFERRAL_ACKNOWLEDGEMENT: (3, 6, DeadlineUnit.WORKING_DAYS),
    DeadlineKind.FOLLOW_UP: (30, 60, DeadlineUnit.DAYS),
}

# How many items of each kind one sweep handles; the rest wait for the next sweep (minutes later).
SWEEP_BATCH = 500
# A reminder e-mail that failed (mail server down) is tried again by later sweeps: after this long,
# up to this many times in all, and no longer than a day after the reminder (then it is stale; the
# row, the enquiry's page and the header count still show it).
MAIL_RETRY_AFTER = dt.timedelta(minutes=10)
MAIL_ATTEMPTS = 6
MAIL_RETRY_WITHIN = dt.timedelta(days=1)
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
    if not (is_staff_user(actor) and actor.has_perm("routing.change_deadline")):
        raise PermissionDenied(_("You may not change the deadlines."))
    deadline.full_clean()
    deadline.save()
    events.object_changed(actor=actor, obj=deadline, fields=fields or [])
    return deadline


# --- The clock hooks, one per intake service, called inside its transaction ---


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


# --- The sweep ---


@dataclass
class Planned:
    """One reminder (to one or more recipients) that a sweep sent, or would send with --dry-run."""

    kind: str
    deadline: str
    reference: str
    due_at: dt.datetime
    recipients: list[str] = field(default_factory=list)
    referral_service: str = ""


@dataclass
class SweepResult:
    now: dt.datetime
    dry_run: bool
    planned: list[Planned] = field(default_factory=list)
    mail_retried: int = 0

    @property
    def count(self) -> int:
        return len(self.planned)


class _Staff:
    """The team's people, read once per team per sweep (the query count must not grow with items)."""

    def __init__(self) -> None:
        self._members: dict[int, list[User]] = {}
        self._coordinators: dict[int, list[User]] = {}

    def members(self, team_id: int) -> list[User]:
        if team_id not in self._members:
            self._members[team_id] = list(
                User.objects.filter(
                    team_id=team_id, is_active=True, groups__name__in=[TEAM_MEMBER, COORDINATOR]
                )
                .distinct()
                .order_by("username")
            )
        return self._members[team_id]

    def coordinators(self, team_id: int) -> list[User]:
        if team_id not in self._coordinators:
            self._coordinators[team_id] = list(
                User.objects.filter(team_id=team_id, is_active=True, groups__name=COORDINATOR)
                .distinct()
                .order_by("username")
            )
        return self._coordinators[team_id]


def _workers(enquiry: Enquiry, staff: _Staff) -> list[User]:
    """Who works the enquiry: the assigned team member, or the team if nobody is assigned."""
    assigned = enquiry.assigned_to
    if assigned is not None and assigned.is_active and assigned.team_id == enquiry.team_id:
        return [assigned]
    return staff.members(enquiry.team_id)


def _escalation_recipients(enquiry: Enquiry, staff: _Staff) -> list[User]:
    return staff.coordinators(enquiry.team_id) or staff.members(enquiry.team_id)


def _clock_due(now: dt.datetime, kind: str) -> Q:
    if kind == ReminderKind.REMINDER:
        return Q(reminded_at__isnull=True, due_at__lte=now) & not_paused_q(now)
    return Q(escalated_at__isnull=True, escalate_at__lte=now) & not_paused_q(now)


def _referral_due(now: dt.datetime, kind: str) -> Q:
    base = Q(state=ReferralState.SENT, enquiry__state__in=OPEN_STATES) & (
        Q(enquiry__clock__isnull=True) | not_paused_q(now, "enquiry__clock__")
    )
    if kind == ReminderKind.REMINDER:
        return base & Q(reminded_at__isnull=True, due_at__lte=now)
    return base & Q(escalated_at__isnull=True, escalate_at__lte=now)


def _claim(model: type[Any], pk: Any, due: Q, kind: str, now: dt.datetime) -> bool:
    """The conditional UPDATE: of two sweeps (or a redelivered task), exactly one gets the row."""
    column = "reminded_at" if kind == ReminderKind.REMINDER else "escalated_at"
    return model.objects.filter(due, pk=pk).update(**{column: now}) == 1


def _reason(kind: str, deadline: str, due_at: dt.datetime, service: str = "") -> str:
    label = str(DeadlineKind(deadline).label)
    when = timezone.localtime(due_at).strftime("%d.%m.%Y %H:%M")
    if kind == ReminderKind.ESCALATION:
        text = _("Escalated: %(deadline)s is overdue (due %(when)s).")
    else:
        text = _("Reminder: %(deadline)s was due %(when)s.")
    text = text % {"deadline": label, "when": when}
    if service:
        text = f"{text} ({service})"
    return text[:300]


def _record(
    *,
    enquiry: Enquiry,
    referral: Referral | None,
    kind: str,
    deadline: str,
    due_at: dt.datetime,
    now: dt.datetime,
    users: Iterable[User],
    service: Any = None,
) -> list[Reminder]:
    with translation.override(settings.LANGUAGE_CODE):
        reason = _reason(kind, deadline, due_at, service.name if service is not None else "")
    rows = []
    if service is not None:
        rows.append(
            Reminder(
                enquiry=enquiry,
                referral=referral,
                kind=kind,
                deadline=deadline,
                due_at=due_at,
                sent_at=now,
                recipient_service=service,
                email=service.email,
                reason=reason,
                mail_attempts=1 if service.email else 0,
                mail_claimed_at=now,
            )
        )
    users = list(users)
    for user in users:
        rows.append(
            Reminder(
                enquiry=enquiry,
                referral=referral,
                kind=kind,
                deadline=deadline,
                due_at=due_at,
                sent_at=now,
                recipient_user=user,
                email=user.email,
                reason=reason,
                mail_attempts=1 if user.email else 0,
                mail_claimed_at=now,
            )
        )
    if not users and enquiry.team.email:
        # Nobody in the team to name: the team's shared address still hears about it.
        rows.append(
            Reminder(
                enquiry=enquiry,
                referral=referral,
                kind=kind,
                deadline=deadline,
                due_at=due_at,
                sent_at=now,
                email=enquiry.team.email,
                reason=reason,
                mail_attempts=1,
                mail_claimed_at=now,
            )
        )
    # One INSERT for all recipients (the sweep's query count grows with the items, not with
    # the team's size: bench/measure.py).
    Reminder.objects.bulk_create(rows)
    events.record(
        action=Action.CREATE,
        actor=None,
        object_type="reminder",
        object_id=rows[0].pk if rows else "",
        enquiry_id=enquiry.pk,
        reason=f"{kind}:{deadline}",
    )
    if not rows:
        logger.warning("Enquiry %s is overdue but its team has nobody to remind", enquiry.reference)
    return rows


def _admin_url(enquiry: Enquiry) -> str:
    path = reverse("admin:intake_enquiry_change", args=[enquiry.pk])
    return f"{settings.TRYGGEST_PUBLIC_URL.rstrip('/')}{path}"


def _staff_message(row: Reminder, reference: str, url: str) -> EmailMessage:
    """No personal data: the reference, what is due and a link to the admin page only."""
    deadline = str(DeadlineKind(row.deadline).label)
    if row.kind == ReminderKind.ESCALATION:
        subject = _("Escalation: %(reference)s – %(deadline)s is overdue")
    else:
        subject = _("Reminder: %(reference)s – %(deadline)s is due")
    subject = subject % {"reference": reference, "deadline": deadline}
    body = _(
        "%(reason)s\n\n"
        "Enquiry: %(reference)s\n"
        "Open it in TryggEst (log in first):\n%(url)s\n\n"
        "You get this e-mail because you work this enquiry or coordinate its team.\n"
        "If the team is waiting for someone, pause the enquiry's clock on its page.\n"
    ) % {"reason": row.reason, "reference": reference, "url": url}
    return EmailMessage(subject, body, None, [row.email])


def _service_message(
    row: Reminder, reference: str, link_url: str, expires_at: dt.datetime
) -> EmailMessage:
    subject = _("Reminder: please acknowledge the referral from TryggEst (%(reference)s)") % {
        "reference": reference
    }
    body = _(
        "Hello %(service)s,\n\n"
        "The TryggEst team sent you a referral (%(reference)s) that has not been acknowledged yet.\n"
        "Open it with this new link; it works once and until %(expires)s:\n\n%(url)s\n\n"
        "Earlier links no longer work. After opening it you can acknowledge, decline or complete\n"
        "the referral on the page. If you have questions, call the TryggEst team.\n"
    ) % {
        "service": row.recipient_service.name if row.recipient_service else "",
        "reference": reference,
        "expires": timezone.localtime(expires_at).strftime("%d.%m.%Y %H:%M"),
        "url": link_url,
    }
    return EmailMessage(subject, body, None, [row.email])


def _deliver(messages: list[tuple[int, EmailMessage]]) -> None:
    """Runs after the claim committed: a failed e-mail never undoes the stored reminder."""
    if not messages:
        return
    sent: list[int] = []
    try:
        connection = get_connection(fail_silently=False)
        with connection:
            for pk, message in messages:
                message.connection = connection
                try:
                    message.send()
                except Exception:
                    logger.warning("Reminder e-mail %s failed", pk, exc_info=True)
                else:
                    sent.append(pk)
    except Exception:
        logger.warning("Reminder e-mails could not be sent: no mail connection", exc_info=True)
    if sent:
        Reminder.objects.filter(pk__in=sent).update(mailed_at=timezone.now())


def _on_commit(messages: list[tuple[int, EmailMessage]]) -> None:
    if messages:
        transaction.on_commit(lambda: _deliver(messages))


def _enquiry_step(now: dt.datetime, kind: str, result: SweepResult, staff: _Staff) -> None:
    due = _clock_due(now, kind)
    order = "due_at" if kind == ReminderKind.REMINDER else "escalate_at"
    clocks = list(
        EnquiryClock.objects.filter(due)
        .filter(enquiry__state__in=OPEN_STATES)
        .select_related("enquiry__team", "enquiry__assigned_to")
        .order_by(order)[:SWEEP_BATCH]
    )
    for clock in clocks:
        enquiry = clock.enquiry
        due_at = clock.due_at if kind == ReminderKind.REMINDER else clock.escalate_at
        users = (
            _workers(enquiry, staff)
            if kind == ReminderKind.REMINDER
            else _escalation_recipients(enquiry, staff)
        )
        plan = Planned(
            kind=kind,
            deadline=clock.kind,
            reference=enquiry.reference,
            due_at=due_at,
            recipients=[u.get_username() for u in users],
        )
        if result.dry_run:
            result.planned.append(plan)
            continue
        with transaction.atomic():
            if not _claim(EnquiryClock, clock.pk, due, kind, now):
                continue  # another sweep got it first
            rows = _record(
                enquiry=enquiry,
                referral=None,
                kind=kind,
                deadline=clock.kind,
                due_at=due_at,
                now=now,
                users=users,
            )
            url = _admin_url(enquiry)
            with translation.override(settings.LANGUAGE_CODE):
                _on_commit(
                    [(r.pk, _staff_message(r, enquiry.reference, url)) for r in rows if r.email]
                )
        result.planned.append(plan)


def _referral_step(now: dt.datetime, kind: str, result: SweepResult, staff: _Staff) -> None:
    from routing import services

    due = _referral_due(now, kind)
    order = "due_at" if kind == ReminderKind.REMINDER else "escalate_at"
    referrals = list(
        Referral.objects.filter(due)
        .select_related("service", "enquiry__team", "enquiry__assigned_to")
        .order_by(order)[:SWEEP_BATCH]
    )
    for referral in referrals:
        enquiry = referral.enquiry
        due_at = referral.due_at if kind == ReminderKind.REMINDER else referral.escalate_at
        if kind == ReminderKind.REMINDER:
            users, service = _workers(enquiry, staff), referral.service
        else:
            users, service = _escalation_recipients(enquiry, staff), None
        plan = Planned(
            kind=kind,
            deadline=DeadlineKind.REFERRAL_ACKNOWLEDGEMENT,
            reference=enquiry.reference,
            due_at=due_at,
            recipients=[u.get_username() for u in users],
            referral_service=referral.service.slug,
        )
        if service is not None:
            plan.recipients.insert(0, service.slug)
        if result.dry_run:
            result.planned.append(plan)
            continue
        with transaction.atomic():
            if not _claim(Referral, referral.pk, due, kind, now):
                continue
            rows = _record(
                enquiry=enquiry,
                referral=referral,
                kind=kind,
                deadline=DeadlineKind.REFERRAL_ACKNOWLEDGEMENT,
                due_at=due_at,
                now=now,
                users=users,
                service=service,
            )
            url = _admin_url(enquiry)
            messages: list[tuple[int, EmailMessage]] = []
            with translation.override(settings.LANGUAGE_CODE):
                for row in rows:
                    if not row.email:
                        continue
                    if row.recipient_service_id:
                        # A new single-use link through the referral-link mechanism; the old ones stop.
                        issued = services.referral_link_reissue(referral=referral, actor=None)
                        if issued is None:
                            continue
                        link, token = issued
                        messages.append(
                            (
                                row.pk,
                                _service_message(
                                    row,
                                    enquiry.reference,
                                    services.referral_link_url(token),
                                    link.expires_at,
                                ),
                            )
                        )
                    else:
                        messages.append((row.pk, _staff_message(row, enquiry.reference, url)))
                _on_commit(messages)
        result.planned.append(plan)


def _mail_retry_step(now: dt.datetime, result: SweepResult) -> None:
    """Send again the staff e-mails that failed; each claimed like the reminders themselves.

    Services' e-mails are not retried here: their single-use link is only in the first e-mail
    (the database keeps its hash only); the next referral reminder or the team sends a new one.
    """
    retry = Q(
        mailed_at__isnull=True,
        recipient_service__isnull=True,
        mail_attempts__gte=1,
        mail_attempts__lt=MAIL_ATTEMPTS,
        mail_claimed_at__lte=now - MAIL_RETRY_AFTER,
        sent_at__gte=now - MAIL_RETRY_WITHIN,
    ) & ~Q(email="")
    rows = list(
        Reminder.objects.filter(retry)
        .select_related("enquiry")
        .order_by("mail_claimed_at")[:SWEEP_BATCH]
    )
    if result.dry_run or not rows:
        return
    messages: list[tuple[int, EmailMessage]] = []
    with translation.override(settings.LANGUAGE_CODE):
        for row in rows:
            claimed = Reminder.objects.filter(retry, pk=row.pk).update(
                mail_claimed_at=now, mail_attempts=F("mail_attempts") + 1
            )
            if claimed:
                messages.append(
                    (row.pk, _staff_message(row, row.enquiry.reference, _admin_url(row.enquiry)))
                )
    _on_commit(messages)
    result.mail_retried += len(messages)


def sweep(*, now: dt.datetime | None = None, dry_run: bool = False) -> SweepResult:
    """Send every reminder and escalation that is due at ``now``, each exactly once.

    Safe to run at any time, by several workers at once, and again after a crash: every item is
    claimed with a conditional UPDATE before anything is recorded or sent.
    """
    now = now or timezone.now()
    result = SweepResult(now=now, dry_run=dry_run)
    staff = _Staff()
    steps: list[Callable[[dt.datetime, str, SweepResult, _Staff], None]] = [
        _enquiry_step,
        _referral_step,
    ]
    for kind in (ReminderKind.REMINDER, ReminderKind.ESCALATION):
        for step in steps:
            step(now, kind, result, staff)
    _mail_retry_step(now, result)
    if result.count:
        logger.info(
            "Reminder sweep at %s: %d %s",
            now.isoformat(),
            result.count,
            "due (dry run)" if dry_run else "sent",
        )
    return result


# --- Reads for the admin ---


def overdue_enquiries(
    actor: Any, *, now: dt.datetime | None = None, mine: bool = True
) -> QuerySet[Enquiry]:
    """Open enquiries of the actor's team whose clock is past due and not paused.

    ``mine``: assigned to the actor, or to nobody (then the whole team is reminded).
    """
    from intake.selectors import enquiries_visible_to

    now = now or timezone.now()
    queryset = (
        enquiries_visible_to(actor).filter(state__in=OPEN_STATES).filter(clock_overdue_q(now))
    )
    if mine:
        queryset = queryset.filter(Q(assigned_to=actor) | Q(assigned_to__isnull=True))
    return queryset
