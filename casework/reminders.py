"""Reminders and escalation: the sweep that reminds whoever works an enquiry of what is due.

What is due comes from the enquiries' clocks (``intake.clock``) and the referrals'
acknowledgement times (``routing``); the sweep claims each reminder with a conditional UPDATE,
stores a ``Reminder`` row per recipient, and e-mails after the claim commits.

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
from django.core.mail import EmailMessage, get_connection
from django.db import connection, transaction
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from accounts.models import User
from accounts.roles import COORDINATOR, TEAM_MEMBER
from audit import events
from audit.models import Action
from casework import notifications
from casework.models import Reminder, ReminderDeadline, ReminderKind, Task
from intake.clock import not_paused_q
from intake.models import OPEN_STATES, DeadlineKind, Enquiry, EnquiryClock
from routing import services as routing_services
from routing.models import Referral, ReferralState

logger = logging.getLogger(__name__)


# How many items of each kind one sweep handles; the rest wait for the next sweep (minutes later).
SWEEP_BATCH = 500
# A reminder e-mail that failed (mail server down) is tried again by later sweeps: after this long,
# up to this many times in all, and no longer than a day after the reminder (then it is stale; the
# row, the enquiry's page and the header count still show it).
MAIL_RETRY_AFTER = dt.timedelta(minutes=10)
MAIL_ATTEMPTS = 6
MAIL_RETRY_WITHIN = dt.timedelta(days=1)


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


def _claim(model: type[Any], pks: list[Any], due: Q, kind: str, now: dt.datetime) -> set[Any]:
    """One ``UPDATE … RETURNING`` for a batch: of two sweeps (or a redelivered task), exactly one
    gets each row. Returns the primary keys this sweep claimed.

    Raw SQL because ``QuerySet.update`` returns a count, not the rows. The due condition is the
    ORM's (a subquery); ``column IS NULL`` is repeated on the updated row itself, so that on
    PostgreSQL a sweep that waited for another's row lock re-checks it and gets nothing.
    """
    if not pks:
        return set()
    column = "reminded_at" if kind == ReminderKind.REMINDER else "escalated_at"
    meta = model._meta
    table = connection.ops.quote_name(meta.db_table)
    pk_column = connection.ops.quote_name(meta.pk.column)
    quoted = connection.ops.quote_name(column)
    inner, params = model.objects.filter(due, pk__in=pks).values("pk").query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {table} SET {quoted} = %s WHERE {pk_column} IN ({inner}) "
            f"AND {quoted} IS NULL RETURNING {pk_column}",
            [connection.ops.adapt_datetimefield_value(now), *params],
        )
        return {meta.pk.to_python(row[0]) for row in cursor.fetchall()}


def _reason(kind: str, deadline: str, due_at: dt.datetime, service: str = "") -> str:
    label = str(ReminderDeadline(deadline).label)
    when = timezone.localtime(due_at).strftime("%d.%m.%Y %H:%M")
    if kind == ReminderKind.ESCALATION:
        text = _("Escalated: %(deadline)s is overdue (due %(when)s).")
    else:
        text = _("Reminder: %(deadline)s was due %(when)s.")
    text = text % {"deadline": label, "when": when}
    if service:
        text = f"{text} ({service})"
    # Fits Reminder.reason (300): the longest template and label are under 90 characters and a
    # service's name at most 200 (HelpService.name). Never cut: a cut name could name another.
    return text


def _rows(
    *,
    enquiry: Enquiry,
    referral: Referral | None,
    kind: str,
    deadline: str,
    due_at: dt.datetime,
    now: dt.datetime,
    users: Iterable[User],
    service: Any = None,
    task: Task | None = None,
) -> list[Reminder]:
    """The reminder rows of one due item, one per recipient (not yet stored). The caller has
    the service's language active (the reason is stored in it)."""
    reason = _reason(kind, deadline, due_at, service.name if service is not None else "")

    def row(**recipient: Any) -> Reminder:
        return Reminder(
            enquiry=enquiry,
            referral=referral,
            kind=kind,
            deadline=deadline,
            due_at=due_at,
            sent_at=now,
            reason=reason,
            mail_claimed_at=now,
            task=task,
            **recipient,
        )

    rows = []
    if service is not None:
        rows.append(
            row(
                recipient_service=service,
                email=service.email,
                mail_attempts=1 if service.email else 0,
            )
        )
    users = list(users)
    for user in users:
        rows.append(
            row(recipient_user=user, email=user.email, mail_attempts=1 if user.email else 0)
        )
    if not users and enquiry.team.email:
        # Nobody in the team to name: the team's shared address still hears about it.
        rows.append(row(email=enquiry.team.email, mail_attempts=1))
    return rows


@dataclass
class Due:
    """One due item of a batch, prepared: what it plans, and for whom."""

    pk: Any
    plan: Planned
    enquiry: Enquiry
    referral: Referral | None
    deadline: str
    due_at: dt.datetime
    users: list[User]
    service: Any = None
    task: Task | None = None
    rows: list[Reminder] = field(default_factory=list)


@dataclass(frozen=True)
class DueSource:
    """One kind of item the sweep reminds of: enquiry clocks, referrals (and any added later).

    ``model`` and ``due(now, kind)`` say which rows are due (claimed through ``reminded_at`` /
    ``escalated_at``); ``candidates(now, kind)`` reads at most ``SWEEP_BATCH`` of them, oldest
    first, with what ``prepare(item, kind, staff)`` needs to make a ``Due``; ``messages(due,
    now)`` makes the e-mails of its stored rows, inside the batch's transaction (sent after
    commit).
    """

    name: str
    model: type[Any]
    due: Callable[[dt.datetime, str], Q]
    candidates: Callable[[dt.datetime, str], list[Any]]
    prepare: Callable[[Any, str, _Staff], Due]
    messages: Callable[[Due], list[tuple[int, EmailMessage]]]


def _batch_step(
    source: DueSource, now: dt.datetime, kind: str, result: SweepResult, staff: _Staff
) -> None:
    """One batch of one source: one claim, one INSERT of reminders, one chain of audit events,
    one commit; e-mails after the commit. A crash before the commit leaves every item due."""
    prepared = [source.prepare(item, kind, staff) for item in source.candidates(now, kind)]
    if result.dry_run:
        result.planned.extend(due.plan for due in prepared)
        return
    if not prepared:
        return
    with transaction.atomic():
        claimed = _claim(
            source.model, [due.pk for due in prepared], source.due(now, kind), kind, now
        )
        batch = [due for due in prepared if due.pk in claimed]  # the rest: another sweep got them
        with translation.override(settings.LANGUAGE_CODE):
            for due in batch:
                due.rows = _rows(
                    enquiry=due.enquiry,
                    referral=due.referral,
                    kind=kind,
                    deadline=due.deadline,
                    due_at=due.due_at,
                    now=now,
                    users=due.users,
                    service=due.service,
                    task=due.task,
                )
        # One INSERT for every recipient of the batch (the sweep's query count grows with the
        # batches, not with the items nor the teams' size: bench/measure.py).
        Reminder.objects.bulk_create([row for due in batch for row in due.rows])
        events.record_many(
            {
                "action": Action.CREATE,
                "actor": None,
                "object_type": "reminder",
                "object_id": due.rows[0].pk if due.rows else "",
                "enquiry_id": due.enquiry.pk,
                "reason": f"{kind}:{due.deadline}",
            }
            for due in batch
        )
        messages: list[tuple[int, EmailMessage]] = []
        with translation.override(settings.LANGUAGE_CODE):
            for due in batch:
                if not due.rows:
                    logger.warning(
                        "Enquiry %s is overdue but its team has nobody to remind",
                        due.enquiry.reference,
                    )
                messages.extend(source.messages(due))
        _on_commit(messages)
    result.planned.extend(due.plan for due in batch)


def _admin_url(enquiry: Enquiry) -> str:
    path = reverse("admin:intake_enquiry_change", args=[enquiry.pk])
    return f"{settings.TRYGGEST_PUBLIC_URL.rstrip('/')}{path}"


def _staff_message(row: Reminder, reference: str, url: str) -> EmailMessage:
    """No personal data: the reference, what is due and a link to the admin page only."""
    deadline = str(ReminderDeadline(row.deadline).label)
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


# What the sweep never reads of an enquiry: the reporter's and the adult's personal data and the
# free text. Left in the database, they cost nothing to load per item (most of a candidate row)
# and no personal data sits in the sweep's memory.
_ENQUIRY_NOT_READ = tuple(
    f"enquiry__{name}"
    for name in (
        "reporter_name",
        "reporter_phone",
        "reporter_email",
        "reporter_organisation",
        "subject_name",
        "subject_national_id",
        "subject_birth_date",
        "subject_address",
        "subject_phone",
        "subject_national_id_key",
        "subject_name_key",
        "risk_factors",
        "violence_types",
        "description",
        "close_note",
        "measures",
    )
)


def _clock_candidates(now: dt.datetime, kind: str) -> list[EnquiryClock]:
    order = "due_at" if kind == ReminderKind.REMINDER else "escalate_at"
    return list(
        EnquiryClock.objects.filter(_clock_due(now, kind))
        .filter(enquiry__state__in=OPEN_STATES)
        .select_related("enquiry__team", "enquiry__assigned_to")
        .defer(*_ENQUIRY_NOT_READ)
        .order_by(order)[:SWEEP_BATCH]
    )


def _clock_prepare(clock: EnquiryClock, kind: str, staff: _Staff) -> Due:
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
    return Due(clock.pk, plan, enquiry, None, clock.kind, due_at, users)


def _clock_messages(due: Due) -> list[tuple[int, EmailMessage]]:
    url = _admin_url(due.enquiry)
    return [(r.pk, _staff_message(r, due.enquiry.reference, url)) for r in due.rows if r.email]


def _referral_candidates(now: dt.datetime, kind: str) -> list[Referral]:
    order = "due_at" if kind == ReminderKind.REMINDER else "escalate_at"
    return list(
        Referral.objects.filter(_referral_due(now, kind))
        .select_related("service", "enquiry__team", "enquiry__assigned_to")
        .defer(*_ENQUIRY_NOT_READ)
        .order_by(order)[:SWEEP_BATCH]
    )


def _referral_prepare(referral: Referral, kind: str, staff: _Staff) -> Due:
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
    return Due(
        referral.pk,
        plan,
        enquiry,
        referral,
        DeadlineKind.REFERRAL_ACKNOWLEDGEMENT,
        due_at,
        users,
        service,
    )


def _referral_messages(due: Due) -> list[tuple[int, EmailMessage]]:
    url = _admin_url(due.enquiry)
    messages: list[tuple[int, EmailMessage]] = []
    for row in due.rows:
        if not row.email:
            continue
        if row.recipient_service_id:
            # A new single-use link through the referral-link mechanism; the old ones stop.
            issued = routing_services.referral_link_reissue(referral=due.referral, actor=None)
            if issued is None:
                continue
            link, token = issued
            messages.append(
                (
                    row.pk,
                    _service_message(
                        row,
                        due.enquiry.reference,
                        routing_services.referral_link_url(token),
                        link.expires_at,
                    ),
                )
            )
        else:
            messages.append((row.pk, _staff_message(row, due.enquiry.reference, url)))
    return messages


def _task_due(now: dt.datetime, kind: str) -> Q:
    # Tasks are reminded once and never escalated: the enquiry's own clock is.
    if kind != ReminderKind.REMINDER:
        return Q(pk__in=[])
    return Q(
        reminded_at__isnull=True,
        closed_at__isnull=True,
        due_at__lte=now,
        enquiry__state__in=OPEN_STATES,
    )


def _task_candidates(now: dt.datetime, kind: str) -> list[Task]:
    if kind != ReminderKind.REMINDER:
        return []
    return list(
        Task.objects.filter(_task_due(now, kind))
        .select_related("enquiry__team", "owner")
        .defer(*_ENQUIRY_NOT_READ)
        .order_by("due_at")[:SWEEP_BATCH]
    )


def _task_prepare(task: Task, kind: str, staff: _Staff) -> Due:
    """Tasks and follow-ups (issue 16) that have fallen due: their owner is reminded once (the
    claim is ``Task.reminded_at``); an owner who left the team is replaced by the team."""
    enquiry = task.enquiry
    owner = task.owner
    users = (
        [owner]
        if owner.is_active and owner.team_id == enquiry.team_id
        else staff.members(enquiry.team_id)
    )
    plan = Planned(
        kind=kind,
        deadline=ReminderDeadline.TASK,
        reference=enquiry.reference,
        due_at=task.due_at,
        recipients=[u.get_username() for u in users],
    )
    return Due(task.pk, plan, enquiry, None, ReminderDeadline.TASK, task.due_at, users, task=task)


def _task_messages(due: Due) -> list[tuple[int, EmailMessage]]:
    # The task's own text is not in the e-mail: it may name people.
    url = _admin_url(due.enquiry)
    return [(r.pk, _staff_message(r, due.enquiry.reference, url)) for r in due.rows if r.email]


# What the sweep reminds of, in this order for each kind (reminder, then escalation). A new kind
# of due item (a task's due time, say) is one more DueSource here: its model needs the columns
# ``reminded_at``/``escalated_at`` that the claim sets, and its Due an enquiry to hang the
# Reminder rows on.
DUE_SOURCES: list[DueSource] = [
    DueSource(
        "enquiry clock",
        EnquiryClock,
        _clock_due,
        _clock_candidates,
        _clock_prepare,
        _clock_messages,
    ),
    DueSource(
        "referral",
        Referral,
        _referral_due,
        _referral_candidates,
        _referral_prepare,
        _referral_messages,
    ),
    DueSource("task", Task, _task_due, _task_candidates, _task_prepare, _task_messages),
]


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

    Safe to run at any time, by several workers at once, and again after a crash: each batch's
    items are claimed with one conditional UPDATE, in the transaction that records their
    reminders and audit events, and e-mailed only after it commits (at least once: a failed or
    lost e-mail is tried again by ``_mail_retry_step``).
    """
    now = now or timezone.now()
    result = SweepResult(now=now, dry_run=dry_run)
    staff = _Staff()
    for kind in (ReminderKind.REMINDER, ReminderKind.ESCALATION):
        for source in DUE_SOURCES:
            _batch_step(source, now, kind, result, staff)
    _mail_retry_step(now, result)
    if not dry_run:
        # New work the team has not heard of yet (issue 16), and notices whose e-mail failed.
        notifications.announce(now=now)
    if result.count:
        logger.info(
            "Reminder sweep at %s: %d %s",
            now.isoformat(),
            result.count,
            "due (dry run)" if dry_run else "sent",
        )
    return result
