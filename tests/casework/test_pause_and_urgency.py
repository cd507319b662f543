"""A pause never hides a safety deadline, and re-arming a clock keeps the time a pause earned.

Issue 14, fault 1: an enquiry's clock paused for ten days ("waiting for the police") stayed paused
when immediate danger was recorded, so the acute deadline (due in an hour) was neither reminded,
escalated nor counted overdue for ten days; switching the danger on and off lost the time the
pause had added. Everything here goes through the doors the team uses: the enquiry's admin pages
(change form, clock page, step forms), the overdue list, and ``manage.py send_reminders``.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
import time_machine
from django.core.management import call_command
from django.urls import reverse

from casework.models import Reminder, ReminderKind
from intake.models import ClockPause, DeadlineKind, Enquiry, EnquiryClock, State
from kernel.calendar import OSLO
from tests.factories import make_enquiry

pytestmark = pytest.mark.django_db

RECEIVED = dt.datetime(2026, 11, 30, 9, 0, tzinfo=OSLO)  # a Monday


def oslo(*args: int) -> dt.datetime:
    return dt.datetime(*args, tzinfo=OSLO)


@pytest.fixture(autouse=True)
def _addresses(alice: Any, bob: Any) -> None:
    alice.email, bob.email = "alice@example.no", "bob@example.no"
    alice.save()
    bob.save()


@pytest.fixture
def received(alice: Any) -> Enquiry:
    with time_machine.travel(RECEIVED, tick=False):
        return make_enquiry(actor=alice)


def at(moment: dt.datetime) -> Any:
    return time_machine.travel(moment, tick=False)


def clock_url(enquiry: Enquiry) -> str:
    return reverse("admin:intake_enquiry_clock", args=[enquiry.pk])


def change_url(enquiry: Enquiry) -> str:
    return reverse("admin:intake_enquiry_change", args=[enquiry.pk])


def transition_url(enquiry: Enquiry, name: str) -> str:
    return reverse("admin:intake_enquiry_transition", args=[enquiry.pk, name])


def pause_on_the_page(client: Any, enquiry: Enquiry, until: str, reason: str) -> Any:
    return client.post(clock_url(enquiry), {"until": until, "reason": reason})


def edit_in_the_admin(client: Any, enquiry: Enquiry, **changes: Any) -> None:
    """Post the enquiry's change form as the page offers it, with ``changes``."""
    page = client.get(change_url(enquiry))
    form = page.context["adminform"].form
    data = {name: value for name, value in form.initial.items() if value is not None}
    data.update(
        {
            "risk_factors": enquiry.risk_factors,
            "violence_types": enquiry.violence_types,
            "subject_birth_date": "1940-01-01",
            "subject_knows_about_enquiry": "unknown",
            "subject_consents_to_forwarding": "true",
            "subject_consent_capacity_doubted": "unknown",
        }
    )
    for prefix in ("assessments", "referrals", "state_changes"):
        data.update({f"{prefix}-TOTAL_FORMS": "0", f"{prefix}-INITIAL_FORMS": "0"})
    data.pop("immediate_danger", None)  # an unticked box is not sent
    for name, value in changes.items():
        if value is True:
            data[name] = "on"
        elif value is not False:
            data[name] = value
    response = client.post(change_url(enquiry), data)
    assert response.status_code == 302, (
        response.context["adminform"].form.errors if response.context else response
    )


def send_reminders(moment: dt.datetime) -> None:
    call_command("send_reminders", "--now", moment.isoformat())


def reminders_of(enquiry: Enquiry, kind: str) -> list[Reminder]:
    return list(Reminder.objects.filter(enquiry=enquiry, kind=kind))


def overdue_for(client: Any) -> set[Any]:
    page = client.get(reverse("admin:intake_enquiry_changelist") + "?overdue=team")
    return {e.pk for e in page.context["cl"].result_list}


def test_immediate_danger_recorded_during_a_pause_ends_it_and_the_acute_deadline_runs(
    received: Enquiry, alice: Any, bob: Any, as_user: Any
) -> None:
    with at(oslo(2026, 11, 30, 9, 30)):
        client = as_user(alice)
        response = pause_on_the_page(client, received, "2026-12-10 09:30", "Venter på politiet.")
        assert response.status_code == 302
    with at(oslo(2026, 11, 30, 10, 0)):
        client = as_user(alice)
        edit_in_the_admin(client, Enquiry.objects.get(pk=received.pk), immediate_danger=True)

    clock = EnquiryClock.objects.get(enquiry=received)
    assert clock.kind == DeadlineKind.ASSESSMENT_ACUTE
    assert clock.paused_until is None
    # An hour from receipt, plus the half hour the clock stood still: 10:30, escalated 11:30.
    assert (clock.due_at, clock.escalate_at) == (
        oslo(2026, 11, 30, 10, 30),
        oslo(2026, 11, 30, 11, 30),
    )
    pause = ClockPause.objects.get(enquiry=received)
    assert pause.ended_at == oslo(2026, 11, 30, 10, 0) and pause.ended_by == alice
    assert pause.end_cause == ClockPause.EndCause.IMMEDIATE_DANGER

    send_reminders(oslo(2026, 11, 30, 10, 30))
    assert {r.recipient_user for r in reminders_of(received, ReminderKind.REMINDER)} == {alice, bob}
    with at(oslo(2026, 11, 30, 10, 31)):
        client = as_user(alice)
        assert received.pk in overdue_for(client)
    send_reminders(oslo(2026, 11, 30, 11, 30))
    assert [r.recipient_user for r in reminders_of(received, ReminderKind.ESCALATION)] == [bob]
    with at(oslo(2026, 11, 30, 11, 31)):
        page = as_user(alice).get(clock_url(received)).content.decode()
    assert 'id="clock-paused"' not in page and "Umiddelbar fare registrert" in page


def test_switching_danger_on_and_off_keeps_the_time_the_pause_earned(
    received: Enquiry, alice: Any, as_user: Any
) -> None:
    with at(oslo(2026, 11, 30, 10, 0)):
        client = as_user(alice)
        pause_on_the_page(client, received, "2026-12-10 10:00", "Venter på politiet.")
    with at(oslo(2026, 12, 3, 10, 0)):  # the police answered after three days
        client = as_user(alice)
        assert client.post(clock_url(received), {"resume": "1"}).status_code == 302
    # Due Wednesday 2 December 09:00, plus the three days paused.
    assert EnquiryClock.objects.get(enquiry=received).due_at == oslo(2026, 12, 5, 9, 0)

    with at(oslo(2026, 12, 3, 11, 0)):
        client = as_user(alice)
        edit_in_the_admin(client, Enquiry.objects.get(pk=received.pk), immediate_danger=True)
    clock = EnquiryClock.objects.get(enquiry=received)
    assert clock.kind == DeadlineKind.ASSESSMENT_ACUTE
    assert clock.due_at == oslo(2026, 12, 3, 10, 0)  # an hour from receipt + three days

    with at(oslo(2026, 12, 3, 11, 5)):
        client = as_user(alice)
        edit_in_the_admin(client, Enquiry.objects.get(pk=received.pk), immediate_danger=False)
    clock = EnquiryClock.objects.get(enquiry=received)
    assert clock.kind == DeadlineKind.ASSESSMENT
    assert (clock.due_at, clock.escalate_at) == (oslo(2026, 12, 5, 9, 0), oslo(2026, 12, 7, 9, 0))
    send_reminders(oslo(2026, 12, 3, 12, 0))
    assert not reminders_of(received, ReminderKind.REMINDER)  # the acute one was never due


def test_an_acute_assessment_ends_a_pause(received: Enquiry, alice: Any, as_user: Any) -> None:
    with at(oslo(2026, 11, 30, 9, 30)):
        client = as_user(alice)
        pause_on_the_page(client, received, "2026-12-10 09:30", "Venter på politiet.")
    with at(oslo(2026, 11, 30, 10, 0)):
        client = as_user(alice)
        response = client.post(
            transition_url(received, "assess"),
            {"version": received.version, "item_acute_recent_abuse_repetition": "on"},
        )
        assert response.status_code == 302
    enquiry = Enquiry.objects.get(pk=received.pk)
    assert (enquiry.state, enquiry.risk_level) == (State.RISK_ASSESSED, "acute")
    clock = EnquiryClock.objects.get(enquiry=received)
    assert clock.kind == DeadlineKind.FOLLOW_UP and clock.paused_until is None
    assert clock.due_at == oslo(2026, 12, 30, 10, 0)  # thirty days, nothing added for the pause
    pause = ClockPause.objects.get(enquiry=received)
    assert pause.ended_at == oslo(2026, 11, 30, 10, 0)
    assert pause.end_cause == ClockPause.EndCause.ASSESSED_ACUTE


def test_a_lower_assessment_keeps_the_pause(received: Enquiry, alice: Any, as_user: Any) -> None:
    with at(oslo(2026, 11, 30, 9, 30)):
        client = as_user(alice)
        pause_on_the_page(client, received, "2026-12-10 09:30", "Venter på samtykke.")
    with at(oslo(2026, 11, 30, 10, 0)):
        client = as_user(alice)
        client.post(
            transition_url(received, "assess"),
            {"version": received.version, "item_danger_weapon": "on"},
        )
    clock = EnquiryClock.objects.get(enquiry=received)
    assert clock.paused_until == oslo(2026, 12, 10, 9, 30)
    # The follow-up starts now and waits for the rest of the pause: 30 days after 10 December.
    assert clock.due_at == oslo(2027, 1, 9, 9, 30)
    assert ClockPause.objects.get(enquiry=received).ended_at is None


def test_the_acute_assessment_deadline_cannot_be_paused(alice: Any, as_user: Any) -> None:
    with at(RECEIVED):
        acute = make_enquiry(actor=alice, immediate_danger=True)
    with at(oslo(2026, 11, 30, 9, 10)):
        response = pause_on_the_page(as_user(alice), acute, "2026-12-10 09:30", "Venter.")
    assert response.status_code == 200
    assert "akutt" in " ".join(response.context["form"].non_field_errors()).lower()
    assert not ClockPause.objects.exists()
    clock = EnquiryClock.objects.get(enquiry=acute)
    assert clock.paused_until is None and clock.due_at == oslo(2026, 11, 30, 10, 0)


def test_closing_ends_a_pause_so_a_reopened_enquiry_is_reminded(
    received: Enquiry, alice: Any, bob: Any, as_user: Any
) -> None:
    with at(oslo(2026, 11, 30, 9, 30)):
        pause_on_the_page(as_user(alice), received, "2026-12-10 09:30", "Venter på politiet.")
    with at(oslo(2026, 11, 30, 10, 0)):
        response = as_user(alice).post(
            transition_url(received, "close"),
            {"version": received.version, "outcome": "duplicate", "outcome_asked": "not_asked"},
        )
        assert response.status_code == 302
    pause = ClockPause.objects.get(enquiry=received)
    assert pause.ended_at == oslo(2026, 11, 30, 10, 0)
    assert pause.end_cause == ClockPause.EndCause.CLOSED
    with at(oslo(2026, 12, 1, 9, 0)):  # Tuesday
        closed = Enquiry.objects.get(pk=received.pk)
        response = as_user(bob).post(
            transition_url(closed, "reopen"), {"version": closed.version, "reason": "Ny melding"}
        )
        assert response.status_code == 302
    clock = EnquiryClock.objects.get(enquiry=received)
    assert clock.paused_until is None and clock.due_at == oslo(2026, 12, 3, 9, 0)
    send_reminders(oslo(2026, 12, 3, 9, 0))
    assert len(reminders_of(received, ReminderKind.REMINDER)) == 2
