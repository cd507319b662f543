"""Deadlines counted in days keep the local clock time across a change of summer time.

Issue 14, fault 11: a 30-day deadline from 10 March 10:00 fell due on 9 April at 11:00, and one
from 10 October 10:00 on 9 November at 09:00, because 30 days were added in UTC. Working-day
deadlines already kept 10:00; calendar days, a pause's length and a referral link's validity
must too. The enquiry is taken through the API as the team works it; what is due is read where
the team reads it (the clock page, ``manage.py send_reminders``) and the service's e-mail.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
import time_machine
from django.core import mail
from django.core.management import call_command
from django.urls import reverse

from casework.models import Reminder
from intake.models import Enquiry
from kernel.calendar import OSLO, add_calendar_days
from routing.models import HelpService
from tests.api.conftest import staff_client, submission

pytestmark = pytest.mark.django_db


def oslo(*args: int) -> dt.datetime:
    return dt.datetime(*args, tzinfo=OSLO)


def at(moment: dt.datetime) -> Any:
    return time_machine.travel(moment, tick=False)


def forwarded_at(alice: Any, moment: dt.datetime) -> Enquiry:
    """Submitted and assessed the evening before, forwarded at ``moment``: the follow-up is due
    30 calendar days after it (escalated after 60)."""
    with at(moment - dt.timedelta(hours=14)):
        client = staff_client(alice)
        created = client.post("/api/v1/enquiries/", submission(channel="phone"), format="json")
        assert created.status_code == 201, created.content
        pk = created.json()["id"]
        assessed = client.post(
            f"/api/v1/enquiries/{pk}/assessment/", {"answers": {}}, format="json"
        )
        assert assessed.status_code == 201, assessed.content
    with at(moment):
        forwarded = staff_client(alice).post(
            f"/api/v1/enquiries/{pk}/forward/",
            {"services": ["nav-tonsberg"], "legal_basis": "consent"},
            format="json",
        )
        assert forwarded.status_code == 200, forwarded.content
    return Enquiry.objects.get(pk=pk)


def follow_up_reminders(enquiry: Enquiry) -> int:
    return Reminder.objects.filter(enquiry=enquiry, referral__isnull=True).count()


@pytest.mark.parametrize(
    ("forwarded", "due", "escalated"),
    [
        # Summer time starts on 29 March 2026: 30 days later is still 10:00.
        (oslo(2026, 3, 10, 10, 0), oslo(2026, 4, 9, 10, 0), oslo(2026, 5, 9, 10, 0)),
        # Summer time ends on 25 October 2026.
        (oslo(2026, 10, 10, 10, 0), oslo(2026, 11, 9, 10, 0), oslo(2026, 12, 9, 10, 0)),
    ],
    ids=["across the spring change", "across the autumn change"],
)
def test_a_thirty_day_follow_up_is_due_at_the_same_clock_time(
    forwarded: dt.datetime, due: dt.datetime, escalated: dt.datetime, alice: Any, as_user: Any
) -> None:
    enquiry = forwarded_at(alice, forwarded)
    with at(forwarded):
        page = as_user(alice).get(reverse("admin:intake_enquiry_clock", args=[enquiry.pk]))
    assert f"frist {due:%d.%m.%Y} 10:00," in " ".join(page.content.decode().split())

    call_command("send_reminders", "--now", (due - dt.timedelta(minutes=1)).isoformat())
    assert follow_up_reminders(enquiry) == 0
    call_command("send_reminders", "--now", due.isoformat())
    assert follow_up_reminders(enquiry) > 0
    assert enquiry.clock.escalate_at == escalated


def test_a_pause_moves_the_deadline_by_its_length_in_local_days(alice: Any, as_user: Any) -> None:
    with at(oslo(2026, 3, 23, 10, 0)):  # a Monday: the assessment is due Wednesday 10:00
        created = staff_client(alice).post(
            "/api/v1/enquiries/", submission(channel="phone"), format="json"
        )
    enquiry = Enquiry.objects.get(pk=created.json()["id"])
    with at(oslo(2026, 3, 24, 10, 0)):  # paused four days, all before summer time starts
        response = as_user(alice).post(
            reverse("admin:intake_enquiry_clock", args=[enquiry.pk]),
            {"until": "2026-03-28 10:00", "reason": "Venter på politiet."},
        )
        assert response.status_code == 302
    # Wednesday 25 March 10:00 plus four days is Sunday 29 March 10:00, in summer time.
    enquiry.clock.refresh_from_db()
    assert enquiry.clock.due_at == oslo(2026, 3, 29, 10, 0)


def test_a_referral_link_is_valid_for_seven_days_to_the_same_clock_time(
    alice: Any, django_capture_on_commit_callbacks: Any
) -> None:
    HelpService.objects.filter(slug="nav-tonsberg").update(email="nav@example.no")
    with django_capture_on_commit_callbacks(execute=True):
        forwarded_at(alice, oslo(2026, 3, 27, 10, 0))  # the Friday before summer time starts
    (message,) = [m for m in mail.outbox if m.to == ["nav@example.no"]]
    assert "fram til 03.04.2026 10:00:" in message.body


def test_calendar_days_keep_the_local_time() -> None:
    assert add_calendar_days(oslo(2026, 3, 10, 10, 0), 30) == oslo(2026, 4, 9, 10, 0)
    assert add_calendar_days(oslo(2026, 10, 10, 10, 0).astimezone(dt.UTC), 30) == oslo(
        2026, 11, 9, 10, 0
    )
    # 02:30 does not exist on 29 March 2026: the clocks read 03:30 at that moment.
    assert add_calendar_days(oslo(2026, 3, 28, 2, 30), 1) == oslo(2026, 3, 29, 3, 30)
