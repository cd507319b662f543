"""The team hears about new work (issue 16, item 4): a new enquiry from the residents' form or a
service, and a reporter's reply, reach every member of the team by e-mail with no personal data
(the reference and a link) and as an unread count in the admin header; an acute enquiry outside
the team's hours names the emergency route.

The cast: a neighbour on the residents' form, Alice (team member) and Bob (coordinator) of
Tønsberg, Tor of Færder (hears nothing of Tønsberg's work)."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
import time_machine
from django.core import mail
from django.core.cache import caches
from django.test import Client
from rest_framework.test import APIClient

from casework import notifications
from casework.models import Notice, NoticeRecipient
from casework.tasks import announce_new_work
from intake.models import Enquiry
from intake.public_forms import form_started_token
from kernel.calendar import OSLO
from routing.services import service_key_create
from tests.factories import make_enquiry

pytestmark = pytest.mark.django_db

NAMES = ("Kari Nordmann", "Ola Hansen", "Storgata 1", "01014012369", "slått av sønnen")


def oslo(*args: int) -> dt.datetime:
    return dt.datetime(*args, tzinfo=OSLO)


# Wednesday 2 December 2026 at 10:00 (the team at work), and the Saturday after at 23:00.
WORKING_HOURS = oslo(2026, 12, 2, 10, 0)
SATURDAY_NIGHT = oslo(2026, 12, 5, 23, 0)


@pytest.fixture(autouse=True)
def _team(alice: Any, bob: Any, tor: Any) -> None:
    caches["public_throttle"].clear()
    for user, address in ((alice, "alice@example.no"), (bob, "bob@example.no"), (tor, "tor@x.no")):
        user.email = address
        user.save()


def web_form(at: dt.datetime, **overrides: Any) -> Enquiry:
    with time_machine.travel(at - dt.timedelta(minutes=2), tick=False):
        started = form_started_token(at.timestamp() - 120)
    data = {
        "started": started,
        "website": "",
        "description": "Naboen min, Ola Hansen, blir slått av sønnen sin.",
        "reporter_type": "acquaintance",
        "reporter_name": "Kari Nordmann",
        "subject_name": "Ola Hansen",
        "subject_address": "Storgata 1, 3126 Tønsberg",
        "immediate_danger": "no",
        **overrides,
    }
    with time_machine.travel(at, tick=False):
        response = Client(REMOTE_ADDR="203.0.113.7").post("/meld/", data)
    assert response.status_code == 200, re.findall(
        r"<li>(?:<a [^>]*>)?([^<]+)<", response.content.decode().split("error-summary")[-1][:3000]
    )
    code = re.search(r'id="receipt-code">([^<]+)<', response.content.decode()).group(1).strip()
    enquiry = Enquiry.objects.latest("received_at")
    enquiry.receipt_code = code  # type: ignore[attr-defined]
    return enquiry


def announce(at: dt.datetime, capture: Any) -> int:
    with time_machine.travel(at, tick=False), capture(execute=True):
        return announce_new_work()


def mails_to(address: str) -> list[Any]:
    return [m for m in mail.outbox if m.to == [address]]


def no_personal_data(message: Any) -> None:
    for text in NAMES:
        assert text not in message.subject and text not in message.body, text


def test_a_web_form_enquiry_is_announced_to_the_team_without_personal_data(
    alice: Any, bob: Any, django_capture_on_commit_callbacks: Any, as_user: Any
) -> None:
    enquiry = web_form(WORKING_HOURS)
    mail.outbox.clear()
    assert announce(WORKING_HOURS + dt.timedelta(seconds=30), django_capture_on_commit_callbacks)
    for address in ("alice@example.no", "bob@example.no"):
        [message] = mails_to(address)
        assert enquiry.reference in message.subject
        assert f"/admin/intake/enquiry/{enquiry.pk}/change/" in message.body
        assert "112" not in message.body  # not acute, and the team is at work
        no_personal_data(message)
    assert not mails_to("tor@x.no")
    assert set(NoticeRecipient.objects.values_list("mailed_at", flat=True)) != {None}

    # The header counts it until Alice opens the enquiry.
    client = as_user(alice)
    badge = re.search(r'id="notices-badge"[^>]*>([^<]+)<', client.get("/admin/").content.decode())
    assert badge and badge.group(1).strip().startswith("1 ")
    notices = client.get("/admin/intake/enquiry/notices/").content.decode()
    assert enquiry.reference in notices
    client.get(f"/admin/intake/enquiry/{enquiry.pk}/change/")
    badge = re.search(r'id="notices-badge"[^>]*>([^<]+)<', client.get("/admin/").content.decode())
    assert badge.group(1).strip().startswith("0 ")
    # Bob has not read it.
    assert notifications.unread_count(bob) == 1


def test_each_piece_of_work_is_announced_once_however_often_the_sweep_runs(
    alice: Any, django_capture_on_commit_callbacks: Any
) -> None:
    web_form(WORKING_HOURS)
    mail.outbox.clear()
    first = announce(WORKING_HOURS + dt.timedelta(minutes=1), django_capture_on_commit_callbacks)
    again = announce(WORKING_HOURS + dt.timedelta(minutes=2), django_capture_on_commit_callbacks)
    assert (first, again) == (1, 0)
    assert Notice.objects.count() == 1
    assert len(mails_to("alice@example.no")) == 1


def test_an_acute_enquiry_outside_the_teams_hours_names_the_emergency_route(
    alice: Any, django_capture_on_commit_callbacks: Any
) -> None:
    acute = web_form(SATURDAY_NIGHT, immediate_danger="yes")
    mail.outbox.clear()
    announce(SATURDAY_NIGHT + dt.timedelta(minutes=1), django_capture_on_commit_callbacks)
    [message] = mails_to("alice@example.no")
    assert acute.reference in message.subject
    assert message.subject.startswith("AKUTT")
    assert "112" in message.body and "113" in message.body and "116 117" in message.body
    no_personal_data(message)
    assert Notice.objects.get().outside_hours is True


def test_an_acute_enquiry_in_working_hours_is_acute_without_the_emergency_route(
    alice: Any, django_capture_on_commit_callbacks: Any
) -> None:
    web_form(WORKING_HOURS, immediate_danger="yes")
    mail.outbox.clear()
    announce(WORKING_HOURS + dt.timedelta(minutes=1), django_capture_on_commit_callbacks)
    [message] = mails_to("alice@example.no")
    assert message.subject.startswith("AKUTT") and "112" not in message.body


def test_a_reporters_reply_is_announced_without_its_text(
    alice: Any, django_capture_on_commit_callbacks: Any
) -> None:
    enquiry = web_form(WORKING_HOURS)
    announce(WORKING_HOURS + dt.timedelta(minutes=1), django_capture_on_commit_callbacks)
    mail.outbox.clear()
    later = WORKING_HOURS + dt.timedelta(hours=3)
    with time_machine.travel(later, tick=False):
        response = Client(REMOTE_ADDR="203.0.113.7").post(
            "/meld/status/",
            {
                "action": "reply",
                "code": enquiry.receipt_code,
                "text": "Ola Hansen ble slått igjen.",
            },
        )
    assert response.status_code == 200
    announce(later + dt.timedelta(minutes=1), django_capture_on_commit_callbacks)
    [message] = mails_to("alice@example.no")
    assert enquiry.reference in message.subject
    assert f"/admin/intake/enquiry/{enquiry.pk}/change/" in message.body
    assert "slått igjen" not in message.body
    no_personal_data(message)
    assert Notice.objects.filter(kind="reporter_reply").count() == 1


def test_a_service_submission_is_announced_as_its_request_commits(
    alice: Any, django_capture_on_commit_callbacks: Any
) -> None:
    key = service_key_create(slug="nav-tonsberg", name="NAV Tønsberg")[1]
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Api-Key {key}")
    body = {
        "reporter": {"type": "municipal_service", "name": "Kari Nordmann"},
        "subject": {"name": "Ola Hansen"},
        "description": "Sønnen styrer økonomien og truer ham.",
        "violence_types": ["economic"],
    }
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/api/v1/enquiries/", body, format="json")
    assert response.status_code == 201, response.json()
    [message] = mails_to("alice@example.no")
    assert response.json()["reference"] in message.subject
    no_personal_data(message)


def test_an_enquiry_staff_logged_themselves_is_not_announced(
    alice: Any, django_capture_on_commit_callbacks: Any
) -> None:
    with time_machine.travel(WORKING_HOURS, tick=False):
        make_enquiry(actor=alice, channel="phone")
    mail.outbox.clear()
    assert announce(WORKING_HOURS, django_capture_on_commit_callbacks) == 0
    assert not mail.outbox


def test_a_failed_notice_e_mail_is_sent_again_later(
    alice: Any, django_capture_on_commit_callbacks: Any, settings: Any
) -> None:
    web_form(WORKING_HOURS)
    settings.EMAIL_BACKEND = "tests.failing_backend.EmailBackend"
    announce(WORKING_HOURS + dt.timedelta(minutes=1), django_capture_on_commit_callbacks)
    row = NoticeRecipient.objects.get(user=alice)
    assert row.mailed_at is None and row.mail_attempts == 1
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    mail.outbox.clear()
    announce(WORKING_HOURS + dt.timedelta(minutes=20), django_capture_on_commit_callbacks)
    row.refresh_from_db()
    assert row.mailed_at is not None and row.mail_attempts == 2
    assert len(mails_to("alice@example.no")) == 1
