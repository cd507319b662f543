"""One timeline of an enquiry (issue 16): the journal, state changes, assessments, referrals and
their answers, legal-duty decisions, messages with the reporter, reminders, pauses and tasks,
newest first, with a filter by kind.

One query per source, whatever the number of items (``tests/casework/test_timeline.py`` and
``bench/timeline.py`` hold it to that). Journal corrections are shown with the entry they correct.
The caller has read the enquiry through a logged selector (``intake.selectors.enquiry_for_actor``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from casework.models import JournalEntry, JournalKind, Reminder, Task
from intake.models import ClockPause, Enquiry, ReporterMessage, RiskAssessment, StateChange
from routing.models import LegalDutyDecision, Referral

# The filter's kinds, in the order the page offers them.
KINDS: dict[str, Any] = {
    "journal": gettext_lazy("Journal"),
    "state": gettext_lazy("State changes"),
    "assessment": gettext_lazy("Assessments"),
    "referral": gettext_lazy("Referrals"),
    "duty": gettext_lazy("Legal duties"),
    "message": gettext_lazy("Messages with the reporter"),
    "reminder": gettext_lazy("Reminders"),
    "pause": gettext_lazy("Pauses"),
    "task": gettext_lazy("Tasks"),
}


@dataclass
class TimelineItem:
    """One thing that happened: when, which kind (``KINDS``), a title, who, and free text (shown
    to the team only). ``entry`` and ``corrections`` for journal entries."""

    at: dt.datetime
    kind: str
    title: str
    actor: str = ""
    text: str = ""
    entry: JournalEntry | None = None
    corrections: list[JournalEntry] = field(default_factory=list)
    order: int = 0  # ties: the later written first


def _order(pk: Any) -> int:
    """A tie-breaker among items of one moment: the later written first (ids that count up)."""
    return pk if isinstance(pk, int) else 0


def _name(user: Any) -> str:
    if user is None:
        return ""
    return user.get_full_name() or user.get_username()


def _journal(enquiry: Enquiry) -> Iterable[TimelineItem]:
    entries = list(
        JournalEntry.objects.filter(enquiry=enquiry)
        .select_related("author")
        .order_by("occurred_at", "pk")
    )
    by_pk = {entry.pk: entry for entry in entries}
    # The labels once, not get_kind_display() per row (each hashes the lazy choices).
    labels = {code: str(label) for code, label in JournalKind.choices}

    def root(entry: JournalEntry) -> JournalEntry:
        seen = set()
        while entry.corrects_id in by_pk and entry.pk not in seen:
            seen.add(entry.pk)
            entry = by_pk[entry.corrects_id]
        return entry

    items: dict[int, TimelineItem] = {}
    for entry in entries:
        if entry.corrects_id is None or entry.corrects_id not in by_pk:
            items[entry.pk] = TimelineItem(
                at=entry.occurred_at,
                kind="journal",
                title=labels.get(entry.kind, entry.kind),
                actor=_name(entry.author),
                text=entry.text,
                entry=entry,
                order=_order(entry.pk),
            )
    for entry in entries:
        if entry.pk not in items:
            items[root(entry).pk].corrections.append(entry)
    return items.values()


def _states(enquiry: Enquiry) -> Iterable[TimelineItem]:
    for change in StateChange.objects.filter(enquiry=enquiry).select_related("actor"):
        yield TimelineItem(
            at=change.at,
            kind="state",
            title=_("%(source)s → %(target)s")
            % {"source": change.get_source_display(), "target": change.get_target_display()},
            actor=_name(change.actor),
            text=change.reason,
            order=_order(change.pk),
        )


def _assessments(enquiry: Enquiry) -> Iterable[TimelineItem]:
    for assessment in RiskAssessment.objects.filter(enquiry=enquiry).select_related("assessed_by"):
        yield TimelineItem(
            at=assessment.assessed_at,
            kind="assessment",
            title=_("Risk assessment v%(version)s: %(level)s")
            % {"version": assessment.version, "level": assessment.get_level_display()},
            actor=_name(assessment.assessed_by),
            text=assessment.override_reason,
            order=_order(assessment.pk),
        )


def _referrals(enquiry: Enquiry) -> Iterable[TimelineItem]:
    for referral in Referral.objects.filter(enquiry=enquiry).select_related("service", "sent_by"):
        service = referral.service.name
        yield TimelineItem(
            at=referral.sent_at,
            kind="referral",
            title=_("Referred to %(service)s") % {"service": service},
            actor=_name(referral.sent_by),
            text=referral.note,
            order=_order(referral.pk),
        )
        answers: list[tuple[dt.datetime | None, str, str]] = [
            (referral.acknowledged_at, _("%(service)s acknowledged the referral"), ""),
            (
                referral.declined_at,
                _("%(service)s declined the referral"),
                referral.decline_reason,
            ),
            (
                referral.completed_at,
                _("%(service)s completed the referral"),
                referral.completion_note,
            ),
            (referral.withdrawn_at, _("Referral to %(service)s withdrawn"), ""),
        ]
        for at, title, text in answers:
            if at is not None:
                yield TimelineItem(
                    at=at,
                    kind="referral",
                    title=title % {"service": service},
                    text=text,
                    order=_order(referral.pk),
                )


def _duties(enquiry: Enquiry) -> Iterable[TimelineItem]:
    for decision in LegalDutyDecision.objects.filter(enquiry=enquiry).select_related("decided_by"):
        yield TimelineItem(
            at=decision.decided_at,
            kind="duty",
            title=_("%(duty)s: %(decision)s")
            % {"duty": decision.get_duty_display(), "decision": decision.get_decision_display()},
            actor=_name(decision.decided_by),
            text=decision.reason or decision.notified_whom,
            order=_order(decision.pk),
        )


def _messages(enquiry: Enquiry) -> Iterable[TimelineItem]:
    labels = {code: str(label) for code, label in ReporterMessage.Direction.choices}
    for message in ReporterMessage.objects.filter(enquiry=enquiry).select_related("author"):
        yield TimelineItem(
            at=message.at,
            kind="message",
            title=labels.get(message.direction, message.direction),
            actor=_name(message.author),
            text=message.text,
            order=_order(message.pk),
        )


def _reminders(enquiry: Enquiry) -> Iterable[TimelineItem]:
    rows = Reminder.objects.filter(enquiry=enquiry).select_related(
        "recipient_user", "recipient_service"
    )
    for reminder in rows:
        yield TimelineItem(
            at=reminder.sent_at,
            kind="reminder",
            title=str(reminder.get_kind_display()),
            actor=reminder.recipient,
            text=reminder.reason,
            order=_order(reminder.pk),
        )


def _pauses(enquiry: Enquiry) -> Iterable[TimelineItem]:
    for pause in ClockPause.objects.filter(enquiry=enquiry).select_related("paused_by", "ended_by"):
        yield TimelineItem(
            at=pause.paused_at,
            kind="pause",
            title=_("Clock paused until %(until)s")
            % {"until": pause.paused_until.strftime("%d.%m.%Y %H:%M")},
            actor=_name(pause.paused_by),
            text=pause.reason,
            order=_order(pause.pk),
        )
        if pause.ended_at is not None:
            yield TimelineItem(
                at=pause.ended_at,
                kind="pause",
                title=_("Pause ended: %(cause)s") % {"cause": pause.get_end_cause_display()},
                actor=_name(pause.ended_by),
                order=_order(pause.pk),
            )


def _tasks(enquiry: Enquiry) -> Iterable[TimelineItem]:
    for task in Task.objects.filter(enquiry=enquiry).select_related("owner", "created_by"):
        yield TimelineItem(
            at=task.created_at,
            kind="task",
            title=_("Task for %(owner)s, due %(due)s")
            % {"owner": _name(task.owner), "due": task.due_at.strftime("%d.%m.%Y %H:%M")},
            actor=_name(task.created_by),
            text=task.title,
            order=_order(task.pk),
        )
        if task.closed_at is not None:
            yield TimelineItem(
                at=task.closed_at,
                kind="task",
                title=_("Task done"),
                actor=_name(task.owner),
                text=task.title,
                order=_order(task.pk),
            )


SOURCES: dict[str, Callable[[Enquiry], Iterable[TimelineItem]]] = {
    "journal": _journal,
    "state": _states,
    "assessment": _assessments,
    "referral": _referrals,
    "duty": _duties,
    "message": _messages,
    "reminder": _reminders,
    "pause": _pauses,
    "task": _tasks,
}


def timeline(enquiry: Enquiry, *, kind: str | None = None) -> list[TimelineItem]:
    """The enquiry's timeline, newest first; only ``kind`` (a key of ``KINDS``) when given, every
    kind for None or an unknown kind. One query per source shown."""
    sources = [SOURCES[kind]] if kind in SOURCES else list(SOURCES.values())
    items = [item for source in sources for item in source(enquiry)]
    items.sort(key=lambda item: (item.at, item.order), reverse=True)
    return items
