"""Reminders and escalation with a frozen clock: each deadline fires once, on the right working day."""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from typing import Any

import pytest
import time_machine
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from audit.models import AuditEvent
from casework import reminders
from casework import services as casework_services
from casework.models import Reminder, ReminderKind
from casework.tasks import sweep_reminders
from intake import clock as intake_clock
from intake import services
from intake.models import ClockPause, Deadline, DeadlineKind, DeadlineUnit, Enquiry, EnquiryClock
from kernel.calendar import OSLO
from routing.models import HelpService, ReferralLink
from tests.factories import UserFactory, make_enquiry

pytestmark = pytest.mark.django_db

NAV_EMAIL = "nav.tonsberg@example.no"
LINK = re.compile(r"https?://[^\s]+/henvisning/([A-Za-z0-9_-]+)/")


def oslo(*args: int) -> dt.datetime:
    return dt.datetime(*args, tzinfo=OSLO)


@pytest.fixture(autouse=True)
def _addresses(alice: Any, bob: Any) -> None:
    alice.email, bob.email = "alice@example.no", "bob@example.no"
    alice.save()
    bob.save()


@pytest.fixture
def sweep(django_capture_on_commit_callbacks: Any) -> Any:
    """Sweep at a time, running the e-mails that are sent after each claim commits."""

    def run(now: dt.datetime, **kwargs: Any) -> reminders.SweepResult:
        with time_machine.travel(now, tick=False), django_capture_on_commit_callbacks(execute=True):
            return reminders.sweep(now=now, **kwargs)

    return run


def received_at(at: dt.datetime, actor: Any, **overrides: Any) -> Enquiry:
    with time_machine.travel(at, tick=False):
        return make_enquiry(actor=actor, **overrides)


def sent_for(enquiry: Enquiry, kind: str = ReminderKind.REMINDER) -> list[Reminder]:
    return list(Reminder.objects.filter(enquiry=enquiry, kind=kind).order_by("pk"))


# --- Deadlines fire once, on the right working day ---


def test_a_friday_afternoon_enquiry_is_due_on_tuesday_afternoon(
    alice: Any, bob: Any, sweep: Any
) -> None:
    enquiry = received_at(oslo(2026, 11, 27, 15, 0), alice)  # a Friday
    clock = EnquiryClock.objects.get(enquiry=enquiry)
    assert clock.kind == DeadlineKind.ASSESSMENT
    assert clock.due_at == oslo(2026, 12, 1, 15, 0)  # two working days: Monday, Tuesday
    assert clock.escalate_at == oslo(2026, 12, 3, 15, 0)

    assert sweep(oslo(2026, 11, 30, 15, 0)).count == 0  # Monday
    assert sweep(oslo(2026, 12, 1, 14, 59)).count == 0
    assert sweep(oslo(2026, 12, 1, 15, 0)).count == 1
    assert sweep(oslo(2026, 12, 1, 15, 5)).count == 0  # fires once
    assert sweep(oslo(2026, 12, 2, 9, 0)).count == 0

    rows = sent_for(enquiry)
    # Nobody is assigned: the team's members (coordinators work enquiries too) are reminded.
    assert [r.recipient_user.username for r in rows] == ["alice", "bob"]
    assert {r.deadline for r in rows} == {DeadlineKind.ASSESSMENT}
    assert all(r.mailed_at is not None for r in rows)
    assert sorted(m.to[0] for m in mail.outbox) == ["alice@example.no", "bob@example.no"]


def test_an_enquiry_received_on_17_may_skips_the_holidays(alice: Any, sweep: Any) -> None:
    # 17 May 2029 is a Thursday (Constitution Day); 21 May 2029 is Whit Monday.
    enquiry = received_at(oslo(2029, 5, 17, 10, 0), alice)
    assert EnquiryClock.objects.get(enquiry=enquiry).due_at == oslo(2029, 5, 22, 10, 0)
    assert sweep(oslo(2029, 5, 21, 10, 0)).count == 0  # Friday counted, Whit Monday not
    assert sweep(oslo(2029, 5, 22, 10, 0)).count == 1
    assert sweep(oslo(2029, 5, 22, 10, 0)).count == 0


def test_an_acute_enquiry_is_due_within_the_hour_even_on_friday_evening(
    alice: Any, bob: Any, sweep: Any
) -> None:
    enquiry = received_at(oslo(2026, 11, 27, 16, 30), alice, immediate_danger=True)
    clock = EnquiryClock.objects.get(enquiry=enquiry)
    assert clock.kind == DeadlineKind.ASSESSMENT_ACUTE
    assert sweep(oslo(2026, 11, 27, 17, 29)).count == 0
    assert sweep(oslo(2026, 11, 27, 17, 30)).count == 1
    assert sweep(oslo(2026, 11, 27, 18, 30)).count == 1  # the escalation, an hour later
    assert [r.recipient_user.username for r in sent_for(enquiry, ReminderKind.ESCALATION)] == [
        "bob"
    ]


def test_escalation_follows_to_the_coordinators(alice: Any, bob: Any, sweep: Any) -> None:
    enquiry = received_at(oslo(2026, 11, 27, 15, 0), alice)
    casework_services.enquiry_assign(enquiry=enquiry, actor=bob, assignee=alice)
    sweep(oslo(2026, 12, 1, 15, 0))
    assert [r.recipient_user.username for r in sent_for(enquiry)] == ["alice"]  # the assignee
    assert sweep(oslo(2026, 12, 3, 14, 59)).count == 0
    assert sweep(oslo(2026, 12, 3, 15, 0)).count == 1
    assert sweep(oslo(2026, 12, 4, 15, 0)).count == 0
    escalations = sent_for(enquiry, ReminderKind.ESCALATION)
    assert [r.recipient_user.username for r in escalations] == ["bob"]
    assert "Eskal" in mail.outbox[-1].subject or "Escalation" in mail.outbox[-1].subject


def test_a_late_sweep_sends_reminder_and_escalation_once_each(
    alice: Any, bob: Any, sweep: Any
) -> None:
    # The scheduler was down for a week: the next sweep catches up, once.
    enquiry = received_at(oslo(2026, 11, 27, 15, 0), alice)
    assert sweep(oslo(2026, 12, 7, 9, 0)).count == 2
    assert sweep(oslo(2026, 12, 7, 9, 5)).count == 0
    assert len(sent_for(enquiry)) == 2 and len(sent_for(enquiry, ReminderKind.ESCALATION)) == 1


def test_assessing_stops_the_assessment_clock_and_starts_the_follow_up(
    alice: Any, sweep: Any
) -> None:
    enquiry = received_at(oslo(2026, 11, 27, 15, 0), alice)
    with time_machine.travel(oslo(2026, 11, 30, 9, 0), tick=False):
        casework_services.enquiry_assess(enquiry=enquiry, actor=alice, answers={})
    clock = EnquiryClock.objects.get(enquiry=enquiry)
    assert clock.kind == DeadlineKind.FOLLOW_UP
    assert clock.due_at == oslo(2026, 12, 30, 9, 0)
    assert sweep(oslo(2026, 12, 1, 15, 0)).count == 0
    with time_machine.travel(
        oslo(2026, 12, 2, 9, 0), tick=False
    ):  # assessing again keeps the clock
        casework_services.enquiry_assess(enquiry=enquiry, actor=alice, answers={})
    assert EnquiryClock.objects.get(enquiry=enquiry).due_at == oslo(2026, 12, 30, 9, 0)
    assert sweep(oslo(2026, 12, 30, 9, 0)).count == 1


def test_a_closed_enquiry_is_not_reminded_and_a_reopened_one_is(
    alice: Any, bob: Any, sweep: Any
) -> None:
    enquiry = received_at(oslo(2026, 11, 27, 15, 0), alice)
    with time_machine.travel(oslo(2026, 11, 30, 9, 0), tick=False):
        casework_services.enquiry_close(
            enquiry=enquiry, actor=alice, outcome="duplicate", outcome_asked="not_asked"
        )
    assert sweep(oslo(2026, 12, 10, 9, 0)).count == 0
    with time_machine.travel(oslo(2026, 12, 11, 9, 0), tick=False):  # a Friday
        casework_services.enquiry_reopen(enquiry=enquiry, actor=bob, reason="Ny bekymring.")
    assert EnquiryClock.objects.get(enquiry=enquiry).due_at == oslo(2026, 12, 15, 9, 0)
    assert sweep(oslo(2026, 12, 15, 9, 0)).count == 1


def test_immediate_danger_reported_later_makes_the_assessment_acute(alice: Any, sweep: Any) -> None:
    enquiry = received_at(oslo(2026, 11, 27, 10, 0), alice)
    with time_machine.travel(oslo(2026, 11, 27, 10, 20), tick=False):
        services.enquiry_update(enquiry=enquiry, actor=alice, changes={"immediate_danger": True})
    clock = EnquiryClock.objects.get(enquiry=enquiry)
    assert (clock.kind, clock.due_at) == (DeadlineKind.ASSESSMENT_ACUTE, oslo(2026, 11, 27, 11, 0))


def test_deadlines_are_data_that_coordinators_change(alice: Any, bob: Any, sweep: Any) -> None:
    deadline = Deadline.objects.get(kind=DeadlineKind.ASSESSMENT)
    deadline.remind_after, deadline.escalate_after, deadline.unit = 3, 5, DeadlineUnit.HOURS
    with pytest.raises(PermissionDenied):
        intake_clock.deadline_save(deadline=deadline, actor=alice)
    intake_clock.deadline_save(deadline=deadline, actor=bob, fields=["remind_after"])
    enquiry = received_at(oslo(2026, 11, 27, 15, 0), alice)
    assert EnquiryClock.objects.get(enquiry=enquiry).due_at == oslo(2026, 11, 27, 18, 0)
    deadline.escalate_after = 1
    with pytest.raises(ValidationError):
        intake_clock.deadline_save(deadline=deadline, actor=bob)


def test_the_default_deadlines_are_installed_by_migration(db: Any) -> None:
    rows = {d.kind: (d.remind_after, d.escalate_after, d.unit) for d in Deadline.objects.all()}
    assert rows == {
        "assessment_acute": (1, 2, "hours"),
        "assessment": (2, 4, "working_days"),
        "referral_acknowledgement": (3, 6, "working_days"),
        "follow_up": (30, 60, "days"),
    }


# --- Pausing ---


def test_a_paused_enquiry_is_not_reminded(alice: Any, sweep: Any) -> None:
    enquiry = received_at(oslo(2026, 11, 27, 15, 0), alice)
    with time_machine.travel(oslo(2026, 11, 30, 9, 0), tick=False):
        pause = intake_clock.enquiry_clock_pause(
            enquiry=enquiry,
            actor=alice,
            until=oslo(2026, 12, 14, 9, 0),
            reason="Venter på samtykke fra den voksne.",
        )
    assert sweep(oslo(2026, 12, 1, 15, 0)).count == 0
    assert sweep(oslo(2026, 12, 10, 15, 0)).count == 0
    # The clock stopped for the pause: the day and a quarter that was left runs after it.
    clock = EnquiryClock.objects.get(enquiry=enquiry)
    assert clock.due_at == oslo(2026, 12, 15, 15, 0)
    assert sweep(oslo(2026, 12, 15, 14, 59)).count == 0
    assert sweep(oslo(2026, 12, 15, 15, 0)).count == 1
    assert pause.paused_by == alice and pause.reason.startswith("Venter")
    assert AuditEvent.objects.filter(object_type="clockpause", object_id=str(pause.pk)).exists()


def test_an_overdue_enquiry_paused_is_quiet_until_the_pause_ends(
    alice: Any, bob: Any, sweep: Any
) -> None:
    enquiry = received_at(oslo(2026, 11, 27, 15, 0), alice)
    with time_machine.travel(oslo(2026, 12, 2, 9, 0), tick=False):  # overdue, reminder never sent
        intake_clock.enquiry_clock_pause(
            enquiry=enquiry,
            actor=alice,
            until=oslo(2026, 12, 4, 9, 0),
            reason="Venter på politiet.",
        )
    assert sweep(oslo(2026, 12, 3, 9, 0)).count == 0
    assert sweep(oslo(2026, 12, 4, 9, 0)).count == 1  # the reminder; escalation still later
    assert len(sent_for(enquiry)) == 2 and not sent_for(enquiry, ReminderKind.ESCALATION)


def test_resuming_early_gives_back_the_unused_pause(alice: Any, sweep: Any) -> None:
    enquiry = received_at(oslo(2026, 11, 27, 15, 0), alice)
    with time_machine.travel(oslo(2026, 11, 30, 15, 0), tick=False):
        intake_clock.enquiry_clock_pause(
            enquiry=enquiry,
            actor=alice,
            until=oslo(2026, 12, 7, 15, 0),
            reason="Venter på politiet.",
        )
    assert EnquiryClock.objects.get(enquiry=enquiry).due_at == oslo(2026, 12, 8, 15, 0)
    with time_machine.travel(oslo(2026, 12, 1, 15, 0), tick=False):
        intake_clock.enquiry_clock_resume(enquiry=enquiry, actor=alice)
    clock = EnquiryClock.objects.get(enquiry=enquiry)
    assert clock.paused_until is None and clock.due_at == oslo(2026, 12, 2, 15, 0)
    pause = ClockPause.objects.get(enquiry=enquiry)
    assert pause.ended_at == oslo(2026, 12, 1, 15, 0) and pause.ended_by == alice
    assert sweep(oslo(2026, 12, 2, 15, 0)).count == 1


def test_a_pause_needs_a_reason_a_future_date_and_the_team(alice: Any, tor: Any) -> None:
    enquiry = received_at(oslo(2026, 11, 27, 15, 0), alice)
    with time_machine.travel(oslo(2026, 11, 30, 9, 0), tick=False):
        with pytest.raises(ValidationError) as error:
            intake_clock.enquiry_clock_pause(
                enquiry=enquiry, actor=alice, until=oslo(2026, 11, 29), reason=" "
            )
        assert set(error.value.message_dict) == {"reason", "until"}
        with pytest.raises(PermissionDenied):
            intake_clock.enquiry_clock_pause(
                enquiry=enquiry, actor=tor, until=oslo(2026, 12, 29), reason="x"
            )
    assert not ClockPause.objects.exists()


# --- Two sweeps at once ---


def test_two_sweeps_send_each_reminder_once(alice: Any, bob: Any, sweep: Any) -> None:
    enquiries = [received_at(oslo(2026, 11, 27, 15, 0), alice) for _ in range(3)]
    now = oslo(2026, 12, 1, 15, 0)
    assert sweep(now).count == 3
    assert sweep(now).count == 0
    assert Reminder.objects.count() == 6  # 3 enquiries × alice and bob
    assert all(len(sent_for(e)) == 2 for e in enquiries)


def test_a_sweep_that_loses_the_claim_race_sends_nothing(
    alice: Any, bob: Any, sweep: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Sweep A has read the due rows; sweep B claims and sends them before A's claim runs."""
    enquiry = received_at(oslo(2026, 11, 27, 15, 0), alice)
    now = oslo(2026, 12, 1, 15, 0)
    real_claim = reminders._claim
    raced: list[int] = []

    def claim_after_the_other_sweep(*args: Any, **kwargs: Any) -> bool:
        if not raced:
            raced.append(-1)
            raced[0] = reminders.sweep(now=now).count  # B runs to the end first
        return real_claim(*args, **kwargs)

    monkeypatch.setattr(reminders, "_claim", claim_after_the_other_sweep)
    assert sweep(now).count == 0  # A: its conditional UPDATE finds the row claimed
    assert raced == [1]
    assert len(sent_for(enquiry)) == 2


def test_a_redelivered_task_sends_nothing_twice(
    alice: Any, bob: Any, django_capture_on_commit_callbacks: Any
) -> None:
    received_at(oslo(2026, 11, 27, 15, 0), alice)
    now = oslo(2026, 12, 1, 15, 0).isoformat()
    with django_capture_on_commit_callbacks(execute=True):
        assert sweep_reminders.apply(kwargs={"now": now}).get() == 1
        assert sweep_reminders.apply(kwargs={"now": now}).get() == 0
    assert len(mail.outbox) == 2
    assert sweep_reminders.acks_late is True


# --- The query count does not grow with what is not due ---


def _not_due_enquiries(alice: Any, bob: Any, n: int) -> None:
    """Not due in every way: a future deadline, paused, closed."""
    for i in range(n):
        enquiry = received_at(oslo(2026, 11, 30, 9, 0), alice)
        if i % 5 == 1:
            with time_machine.travel(oslo(2026, 11, 30, 9, 1), tick=False):
                intake_clock.enquiry_clock_pause(
                    enquiry=enquiry, actor=alice, until=oslo(2027, 1, 4, 9, 0), reason="Venter."
                )
        elif i % 5 == 2:
            with time_machine.travel(oslo(2026, 11, 30, 9, 1), tick=False):
                casework_services.enquiry_close(
                    enquiry=enquiry, actor=alice, outcome="duplicate", outcome_asked="not_asked"
                )


def _queries_for_one_due_item(alice: Any, bob: Any, not_due: int) -> int:
    Reminder.objects.all().delete()
    EnquiryClock.objects.all().delete()
    _not_due_enquiries(alice, bob, not_due)
    received_at(oslo(2026, 11, 27, 15, 0), alice)  # the one that is due
    with CaptureQueriesContext(connection) as queries:
        assert reminders.sweep(now=oslo(2026, 12, 1, 15, 0)).count == 1
    return len(queries)


def test_the_sweep_query_count_does_not_grow_with_enquiries_not_due(alice: Any, bob: Any) -> None:
    few = _queries_for_one_due_item(alice, bob, 10)
    many = _queries_for_one_due_item(alice, bob, 200)
    assert many == few, (few, many)
    assert few < 30


def test_a_sweep_with_nothing_due_is_a_handful_of_queries(
    alice: Any, bob: Any, django_assert_max_num_queries: Any
) -> None:
    _not_due_enquiries(alice, bob, 20)
    # Clocks and referrals (reminder and escalation), tasks, the mail retries, and the notices'
    # look for new work and their retries (issue 16): one query each, whatever the rows.
    with django_assert_max_num_queries(9):
        assert reminders.sweep(now=oslo(2026, 12, 1, 15, 0)).count == 0


# --- Referrals: the receiving service and the team are reminded ---


@pytest.fixture
def nav(db: Any) -> HelpService:
    service = HelpService.objects.get(slug="nav-tonsberg")
    service.email = NAV_EMAIL
    service.save()
    return service


def forwarded_on(at: dt.datetime, alice: Any, capture: Any) -> Any:
    enquiry = received_at(at - dt.timedelta(hours=2), alice, subject_consents_to_forwarding=True)
    with time_machine.travel(at - dt.timedelta(hours=1), tick=False):
        casework_services.enquiry_assess(enquiry=enquiry, actor=alice, answers={})
    with time_machine.travel(at, tick=False), capture(execute=True):
        (referral,) = casework_services.enquiry_forward(
            enquiry=enquiry, actor=alice, service_slugs=["nav-tonsberg"], legal_basis="consent"
        )
    return referral


def test_an_unacknowledged_referral_reminds_the_service_with_a_new_link_and_the_team(
    alice: Any, bob: Any, nav: HelpService, sweep: Any, django_capture_on_commit_callbacks: Any
) -> None:
    referral = forwarded_on(oslo(2026, 11, 27, 14, 0), alice, django_capture_on_commit_callbacks)
    assert referral.due_at == oslo(2026, 12, 2, 14, 0)  # three working days
    assert referral.escalate_at == oslo(2026, 12, 7, 14, 0)
    first_link = ReferralLink.objects.get(referral=referral)
    mail.outbox.clear()

    assert sweep(oslo(2026, 12, 2, 13, 59)).count == 0
    assert sweep(oslo(2026, 12, 2, 14, 0)).count == 1
    assert sweep(oslo(2026, 12, 2, 14, 5)).count == 0

    rows = list(Reminder.objects.filter(referral=referral).order_by("pk"))
    assert rows[0].recipient_service == nav and rows[0].email == NAV_EMAIL
    assert [r.recipient_user.username for r in rows[1:]] == ["alice", "bob"]
    to_service = next(m for m in mail.outbox if m.to == [NAV_EMAIL])
    token = LINK.search(to_service.body).group(1)  # a new single-use link ...
    links = ReferralLink.objects.filter(referral=referral).order_by("created_at", "pk")
    assert len(links) == 2
    first_link.refresh_from_db()
    assert first_link.expires_at <= oslo(2026, 12, 2, 14, 0)  # ... and the old one stops working
    # Only the SHA-256 of the new token is stored (README), computed here, not by the code.
    assert links.last().token_hash == hashlib.sha256(token.encode()).hexdigest()

    # The escalation goes to the coordinators, not to the service.
    assert sweep(oslo(2026, 12, 7, 14, 0)).count == 1
    escalations = Reminder.objects.filter(referral=referral, kind=ReminderKind.ESCALATION)
    assert [r.recipient_user.username for r in escalations] == ["bob"]


def test_an_acknowledged_referral_is_not_reminded(
    alice: Any, nav: HelpService, sweep: Any, django_capture_on_commit_callbacks: Any
) -> None:
    from routing import services as routing_services

    referral = forwarded_on(oslo(2026, 11, 27, 14, 0), alice, django_capture_on_commit_callbacks)
    with time_machine.travel(oslo(2026, 11, 30, 9, 0), tick=False):
        routing_services.referral_acknowledge(referral=referral, actor=alice)
    assert sweep(oslo(2026, 12, 10, 9, 0)).count == 0
    assert not Reminder.objects.filter(referral=referral).exists()


def test_reminder_emails_carry_no_personal_data(
    alice: Any, bob: Any, nav: HelpService, sweep: Any, django_capture_on_commit_callbacks: Any
) -> None:
    forwarded_on(oslo(2026, 11, 27, 14, 0), alice, django_capture_on_commit_callbacks)
    received_at(oslo(2026, 11, 27, 15, 0), alice)
    mail.outbox.clear()
    sweep(oslo(2026, 12, 7, 14, 0))
    assert len(mail.outbox) >= 5
    for message in mail.outbox:
        text = message.subject + message.body
        for personal in (
            "Ola",
            "Hansen",
            "Kari",
            "Nordmann",
            "Hjemmesykepleien",
            "1940",
            "økonomien",
        ):
            assert personal not in text
        assert "TE-" in message.subject
    # Each e-mail to staff links to the admin page of the very enquiry it is about, and to no
    # other; the service's links only to its referral.
    by_reference = {e.reference: e for e in Enquiry.objects.all()}
    staff = [m for m in mail.outbox if m.to != [NAV_EMAIL]]
    about = set()
    for message in staff:
        [reference] = re.findall(r"TE-\d{4}-\d{6}", message.subject)
        links = re.findall(r"/admin/intake/enquiry/([0-9a-f-]{36})/change/", message.body)
        assert links == [str(by_reference[reference].pk)], message.subject
        about.add(reference)
    assert about == set(by_reference)  # both enquiries were reminded about
    for message in (m for m in mail.outbox if m.to == [NAV_EMAIL]):
        assert "/admin/" not in message.body and LINK.search(message.body)


def test_a_failing_mail_server_keeps_the_reminder_and_it_is_mailed_once_the_server_is_back(
    alice: Any, bob: Any, sweep: Any, settings: Any
) -> None:
    settings.EMAIL_BACKEND = "tests.failing_backend.FailingBackend"
    enquiry = received_at(oslo(2026, 11, 27, 15, 0), alice)
    assert sweep(oslo(2026, 12, 1, 15, 0)).count == 1
    rows = sent_for(enquiry)
    assert len(rows) == 2 and all(r.mailed_at is None and r.mail_attempts == 1 for r in rows)
    assert sweep(oslo(2026, 12, 1, 15, 5)).count == 0  # claimed: no second reminder
    assert not mail.outbox

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    assert sweep(oslo(2026, 12, 1, 15, 9)).mail_retried == 0  # not before ten minutes
    assert sweep(oslo(2026, 12, 1, 15, 10)).mail_retried == 2
    assert sweep(oslo(2026, 12, 1, 15, 30)).mail_retried == 0  # and only once
    assert sorted(m.to[0] for m in mail.outbox) == ["alice@example.no", "bob@example.no"]
    assert all(r.mailed_at is not None and r.mail_attempts == 2 for r in sent_for(enquiry))


def test_mail_retries_stop_after_a_day(alice: Any, bob: Any, sweep: Any, settings: Any) -> None:
    settings.EMAIL_BACKEND = "tests.failing_backend.FailingBackend"
    enquiry = received_at(oslo(2026, 11, 27, 15, 0), alice)
    sweep(oslo(2026, 12, 1, 15, 0))
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    assert sweep(oslo(2026, 12, 2, 15, 1)).mail_retried == 0
    assert all(r.mailed_at is None for r in sent_for(enquiry))


# --- The management command ---


def test_send_reminders_dry_run_lists_and_sends_nothing(alice: Any, bob: Any, capsys: Any) -> None:
    enquiry = received_at(oslo(2026, 11, 27, 15, 0), alice)
    call_command("send_reminders", "--now", "2026-12-01T15:00", "--dry-run")
    out = capsys.readouterr().out
    assert f"reminder assessment {enquiry.reference}" in out and "alice, bob" in out
    assert "1 due (dry run" in out
    assert not Reminder.objects.exists()
    assert EnquiryClock.objects.get(enquiry=enquiry).reminded_at is None
    assert "Ola" not in out


def test_send_reminders_sends_as_of_now(alice: Any, bob: Any, capsys: Any) -> None:
    received_at(oslo(2026, 11, 27, 15, 0), alice)
    call_command("send_reminders", "--now", "2026-12-01T15:00:00+01:00")
    assert "1 sent" in capsys.readouterr().out
    assert Reminder.objects.count() == 2
    call_command("send_reminders", "--now", "2026-12-01T15:00:00+01:00")
    assert "0 sent" in capsys.readouterr().out


# --- The settings: a static beat schedule, late acknowledgement ---


def test_beat_runs_the_sweep_on_a_static_schedule(settings: Any) -> None:
    entry = settings.CELERY_BEAT_SCHEDULE["sweep-reminders"]
    assert entry["task"] == "casework.tasks.sweep_reminders"
    assert entry["schedule"] == 300
    assert settings.CELERY_TASK_ACKS_LATE is True


def test_a_new_team_member_is_reminded_of_unassigned_enquiries(
    alice: Any, bob: Any, tonsberg: Any, sweep: Any
) -> None:
    UserFactory(username="kari", team=tonsberg, roles=["team_member"], email="kari@example.no")
    UserFactory(username="mona2", team=tonsberg, roles=["manager"], email="m@example.no")
    enquiry = received_at(oslo(2026, 11, 27, 15, 0), alice)
    sweep(oslo(2026, 12, 1, 15, 0))
    # Managers see statistics only: never reminded of an enquiry.
    assert [r.recipient_user.username for r in sent_for(enquiry)] == ["alice", "bob", "kari"]


def test_an_assignee_who_left_the_team_is_not_reminded_the_team_is(
    alice: Any, bob: Any, faerder: Any, sweep: Any
) -> None:
    # Reminders go to who works the enquiry now: an assignee moved to another team no longer
    # sees it, so the enquiry's own team is reminded instead (and nothing goes to the old one).
    enquiry = received_at(oslo(2026, 11, 27, 15, 0), alice)
    casework_services.enquiry_assign(enquiry=enquiry, actor=bob, assignee=alice)
    alice.team = faerder
    alice.save()
    sweep(oslo(2026, 12, 1, 15, 0))
    assert [r.recipient_user.username for r in sent_for(enquiry)] == ["bob"]
    assert [m.to for m in mail.outbox] == [["bob@example.no"]]


def test_a_new_pause_replaces_the_running_one(alice: Any, sweep: Any) -> None:
    enquiry = received_at(oslo(2026, 11, 27, 15, 0), alice)  # due Tuesday 1 December 15:00
    with time_machine.travel(oslo(2026, 11, 30, 15, 0), tick=False):
        intake_clock.enquiry_clock_pause(
            enquiry=enquiry,
            actor=alice,
            until=oslo(2026, 12, 14, 15, 0),
            reason="Venter på politiet.",
        )
    with time_machine.travel(oslo(2026, 12, 1, 9, 0), tick=False):
        intake_clock.enquiry_clock_pause(
            enquiry=enquiry,
            actor=alice,
            until=oslo(2026, 12, 4, 15, 0),
            reason="Politiet svarer fredag.",
        )
    # As if paused from Monday 15:00 to Friday 15:00 from the start: the day left runs after it.
    assert EnquiryClock.objects.get(enquiry=enquiry).due_at == oslo(2026, 12, 5, 15, 0)
    first, second = ClockPause.objects.filter(enquiry=enquiry).order_by("paused_at")
    assert first.ended_at == oslo(2026, 12, 1, 9, 0) and second.ended_at is None
    assert sweep(oslo(2026, 12, 5, 15, 0)).count == 1
