"""Reminders in the admin: "my overdue", the header count, the pause form, the deadlines."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
import time_machine
from django.urls import reverse

from casework import reminders
from casework import selectors as casework_selectors
from casework import services as casework_services
from casework.models import Reminder
from casework.scheduler import ReminderScheduler
from intake import clock as intake_clock
from intake.models import ClockPause, Deadline, DeadlineKind, EnquiryClock
from kernel.calendar import OSLO
from tests.factories import make_enquiry

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2026, 12, 2, 10, 0, tzinfo=OSLO)  # a Wednesday


@pytest.fixture
def overdue(alice: Any) -> Any:
    with time_machine.travel(dt.datetime(2026, 11, 27, 15, 0, tzinfo=OSLO), tick=False):
        return make_enquiry(actor=alice)  # due Tuesday 1 December 15:00


@pytest.fixture
def not_due(alice: Any) -> Any:
    with time_machine.travel(NOW - dt.timedelta(hours=1), tick=False):
        return make_enquiry(actor=alice)


def clock_url(enquiry: Any) -> str:
    return reverse("admin:intake_enquiry_clock", args=[enquiry.pk])


def test_my_overdue_lists_only_what_is_overdue_for_me(
    overdue: Any, not_due: Any, alice: Any, bob: Any, as_user: Any
) -> None:
    assigned_to_bob = make_enquiry(actor=alice)
    EnquiryClock.objects.filter(enquiry=assigned_to_bob).update(due_at=NOW - dt.timedelta(days=1))
    casework_services.enquiry_assign(enquiry=assigned_to_bob, actor=bob, assignee=bob)
    with time_machine.travel(NOW, tick=False):
        page = as_user(alice).get(reverse("admin:intake_enquiry_changelist") + "?overdue=mine")
        team = as_user(alice).get(reverse("admin:intake_enquiry_changelist") + "?overdue=team")
    assert page.status_code == 200
    shown = {e.pk for e in page.context["cl"].result_list}
    assert shown == {overdue.pk}  # not the one not due, not bob's
    assert {e.pk for e in team.context["cl"].result_list} == {overdue.pk, assigned_to_bob.pk}


def test_the_header_shows_the_overdue_count(
    overdue: Any, not_due: Any, alice: Any, tor: Any, as_user: Any
) -> None:
    with time_machine.travel(NOW, tick=False):
        page = as_user(alice).get(reverse("admin:index")).content.decode()
        other_team = as_user(tor).get(reverse("admin:index")).content.decode()
    assert 'id="overdue-badge"' in page and "?overdue=mine" in page
    assert ">1 " in page.split('id="overdue-badge"')[1][:400]
    assert 'id="overdue-badge"' not in other_team


def test_a_paused_enquiry_is_not_overdue(overdue: Any, alice: Any, as_user: Any) -> None:
    with time_machine.travel(NOW, tick=False):
        intake_clock.enquiry_clock_pause(
            enquiry=overdue,
            actor=alice,
            until=NOW + dt.timedelta(days=7),
            reason="Venter på politiet.",
        )
        assert not casework_selectors.overdue_enquiries(alice).exists()
        page = as_user(alice).get(reverse("admin:index")).content.decode()
    assert 'id="overdue-badge"' not in page


def test_the_team_pauses_and_resumes_the_clock_on_the_enquiry_page(
    overdue: Any, alice: Any, as_user: Any
) -> None:
    with time_machine.travel(NOW, tick=False):
        client = as_user(alice)
        change = client.get(
            reverse("admin:intake_enquiry_change", args=[overdue.pk])
        ).content.decode()
        assert 'id="clock-notice"' in change and clock_url(overdue) in change
        response = client.post(
            clock_url(overdue), {"until": "2026-12-09 10:00", "reason": "Venter på samtykke."}
        )
        assert response.status_code == 302
        page = client.get(clock_url(overdue)).content.decode()
        assert "Venter på samtykke." in page and 'id="clock-paused"' in page
        response = client.post(clock_url(overdue), {"resume": "1"})
        assert response.status_code == 302
    pause = ClockPause.objects.get(enquiry=overdue)
    assert pause.paused_by == alice and pause.ended_at == NOW
    assert EnquiryClock.objects.get(enquiry=overdue).paused_until is None


def test_a_pause_without_a_reason_is_shown_with_its_error(
    overdue: Any, alice: Any, as_user: Any
) -> None:
    with time_machine.travel(NOW, tick=False):
        response = as_user(alice).post(
            clock_url(overdue), {"until": "2026-12-09 10:00", "reason": ""}
        )
    assert response.status_code == 200
    assert response.context["form"].errors["reason"]
    assert not ClockPause.objects.exists()


def test_another_team_cannot_open_or_pause_the_clock(overdue: Any, tor: Any, as_user: Any) -> None:
    response = as_user(tor).post(clock_url(overdue), {"until": "2026-12-09 10:00", "reason": "x"})
    assert response.status_code == 302 and clock_url(overdue) not in response.url
    assert not ClockPause.objects.exists()


def test_the_clock_page_lists_the_reminders_sent(
    overdue: Any, alice: Any, bob: Any, as_user: Any
) -> None:
    with time_machine.travel(NOW, tick=False):
        reminders.sweep(now=NOW)
        page = as_user(alice).get(clock_url(overdue)).content.decode()
    assert 'id="clock-reminders"' in page
    assert page.count("<tr><td>") >= 2  # alice and bob
    assert Reminder.objects.filter(enquiry=overdue).count() == 2


def test_coordinators_edit_the_deadlines_team_members_only_see_them(
    alice: Any, bob: Any, as_user: Any
) -> None:
    deadline = Deadline.objects.get(kind=DeadlineKind.ASSESSMENT)
    url = reverse("admin:intake_deadline_change", args=[deadline.pk])
    assert as_user(alice).get(url).status_code == 200
    response = as_user(alice).post(
        url, {"remind_after": 5, "escalate_after": 6, "unit": "working_days"}
    )
    assert response.status_code == 403
    response = as_user(bob).post(
        url, {"remind_after": 3, "escalate_after": 6, "unit": "working_days"}
    )
    assert response.status_code == 302
    deadline.refresh_from_db()
    assert deadline.remind_after == 3
    response = as_user(bob).post(
        url, {"remind_after": 3, "escalate_after": 2, "unit": "working_days"}
    )
    assert response.status_code == 200  # escalation before the reminder: refused with the error


def test_the_embedded_scheduler_sweeps(
    overdue: Any, alice: Any, bob: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    # In its own thread the scheduler drops stale connections; here it shares the test's one.
    monkeypatch.setattr("casework.scheduler.close_old_connections", lambda: None)
    scheduler = ReminderScheduler(interval=60)
    with time_machine.travel(NOW, tick=False):
        scheduler.tick()
    assert Reminder.objects.filter(enquiry=overdue).count() == 2
