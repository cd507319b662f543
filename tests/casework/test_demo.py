"""The demo looks like a year of real work: a plausible mix of risk levels, each clock started at
its enquiry's own time (so overdue means what it will mean), demo users with e-mail addresses so
that reminders are sent, and `make run` writing e-mail to var/mail."""

from __future__ import annotations

import datetime as dt
import subprocess
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.core import mail
from django.core.management import call_command
from django.utils import timezone

from accounts.models import Team, User
from casework import demo
from casework.reminders import sweep
from casework.selectors import overdue_enquiries
from intake.models import Enquiry, EnquiryClock, State, StateChange

pytestmark = pytest.mark.django_db

ENQUIRIES = 40


@pytest.fixture
def loaded(settings: Any) -> list[Enquiry]:
    settings.DEBUG = True
    call_command("load_demo_data", "--enquiries", str(ENQUIRIES))
    return list(Enquiry.objects.all())


def test_the_risk_levels_are_a_plausible_mix(loaded: list[Enquiry]) -> None:
    levels = Counter(e.risk_level for e in loaded if e.risk_level)
    assessed = sum(levels.values())
    assert assessed >= ENQUIRIES // 2
    assert set(levels) == {"low", "moderate", "high", "acute"}
    assert levels["acute"] / assessed < 0.2  # not the 19 of 30 of the first demo
    assert (levels["low"] + levels["moderate"]) / assessed > 0.5


def test_the_enquiries_span_last_year_too_and_old_ones_are_mostly_closed(
    loaded: list[Enquiry],
) -> None:
    today = timezone.localdate()
    days = [(today - timezone.localtime(e.received_at).date()).days for e in loaded]
    assert max(days) > 365 and min(days) < 14
    old = [e for e, age in zip(loaded, days, strict=True) if age > 90]
    assert sum(e.state == State.CLOSED for e in old) / len(old) > 0.8
    for enquiry in loaded:  # every step after the one before, and none in the future
        times = [enquiry.received_at, enquiry.assessed_at, enquiry.forwarded_at]
        known = [t for t in times if t is not None]
        assert known == sorted(known) and known[-1] <= timezone.now()


def test_every_running_clock_started_at_its_enquirys_own_step(loaded: list[Enquiry]) -> None:
    open_ones = [e for e in loaded if e.is_open]
    assert open_ones
    for enquiry in open_ones:
        clock = EnquiryClock.objects.get(enquiry=enquiry)
        reopened = StateChange.objects.filter(enquiry=enquiry, transition="reopen").first()
        expected = {
            State.RECEIVED: reopened.at if reopened else enquiry.received_at,
            State.RISK_ASSESSED: enquiry.assessed_at,
            State.FORWARDED: enquiry.forwarded_at,
        }[enquiry.state]
        assert clock.started_at == expected, enquiry.reference
        assert clock.started_at < timezone.now() - dt.timedelta(minutes=1)


def test_an_old_unassessed_enquiry_is_overdue_and_a_reminder_is_e_mailed(
    loaded: list[Enquiry], django_capture_on_commit_callbacks: Any
) -> None:
    member = User.objects.get(username="demo-saksbehandler")
    late = [
        e
        for e in loaded
        if e.state == State.RECEIVED
        and timezone.now() - e.received_at > dt.timedelta(days=7)
        and not StateChange.objects.filter(enquiry=e).exists()
    ]
    assert late, "the demo has an enquiry left unassessed for over a week"
    overdue = set(overdue_enquiries(member, mine=False))
    assert set(late) <= overdue
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        result = sweep()
    assert result.count > 0
    recipients = {address for message in mail.outbox for address in message.to}
    assert "demo-saksbehandler@tryggest.example" in recipients
    assert any(e.reference in m.subject + m.body for e in late for m in mail.outbox)


def test_demo_users_have_e_mail_addresses_and_teams_have_names(loaded: list[Enquiry]) -> None:
    for spec in demo.DEMO_USERS:
        assert User.objects.get(username=spec.username).email == f"{spec.username}@tryggest.example"
    assert Team.objects.get(slug="faerder").name == "TryggEst-teamet i Færder kommune"


def test_loading_again_adds_nothing_and_gives_an_older_demo_user_an_address(
    loaded: list[Enquiry],
) -> None:
    User.objects.filter(username="demo-leder").update(email="")
    call_command("load_demo_data", "--enquiries", str(ENQUIRIES))
    assert Enquiry.objects.count() == ENQUIRIES
    assert User.objects.get(username="demo-leder").email == "demo-leder@tryggest.example"


def test_make_run_writes_e_mail_to_var_mail() -> None:
    """`make run` uses Django's file backend (one file per message in var/mail)."""
    root = Path(settings.BASE_DIR)
    plan = subprocess.run(
        ["make", "-n", "run"], cwd=root, capture_output=True, text=True, check=True
    ).stdout
    serve = next(line for line in plan.splitlines() if "runserver_with_schedules" in line)
    assert "django.core.mail.backends.filebased.EmailBackend" in serve
    assert "mkdir -p var/mail" in plan
    assert Path(settings.EMAIL_FILE_PATH) == root / "var" / "mail"
