"""Tasks and follow-ups (issue 16, item 3): made on the enquiry's tasks page, shown in Mine saker,
reminded once by the sweep when due, closed by the owner with a journal entry."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
import time_machine
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError

from audit.models import AuditEvent
from casework import followups, reminders
from casework.models import JournalEntry, Reminder, Task
from kernel.calendar import OSLO
from tests.factories import UserFactory, make_enquiry
from tests.html_forms import page_form_data

pytestmark = pytest.mark.django_db


def oslo(*args: int) -> dt.datetime:
    return dt.datetime(*args, tzinfo=OSLO)


@pytest.fixture(autouse=True)
def _addresses(alice: Any, bob: Any) -> None:
    alice.email, bob.email = "alice@example.no", "bob@example.no"
    alice.save()
    bob.save()


@pytest.fixture
def sweep(django_capture_on_commit_callbacks: Any) -> Any:
    def run(now: dt.datetime) -> reminders.SweepResult:
        with time_machine.travel(now, tick=False), django_capture_on_commit_callbacks(execute=True):
            return reminders.sweep(now=now)

    return run


def tasks_url(enquiry: Any) -> str:
    return f"/admin/intake/enquiry/{enquiry.pk}/tasks/"


def make_task(enquiry: Any, actor: Any, due: dt.datetime, **kwargs: Any) -> Task:
    with time_machine.travel(due - dt.timedelta(days=1), tick=False):
        return followups.task_add(
            enquiry=enquiry, actor=actor, title="Ringe fastlegen tilbake", due_at=due, **kwargs
        )


def test_a_team_member_adds_a_task_for_themselves_on_the_page(alice: Any, as_user: Any) -> None:
    enquiry = make_enquiry(actor=alice)
    client = as_user(alice)
    html = client.get(tasks_url(enquiry)).content.decode()
    form = page_form_data(html)
    form.update(title="Ringe fastlegen tilbake", due_at="2027-01-05 10:00")
    response = client.post(tasks_url(enquiry), form)
    assert response.status_code == 302
    task = Task.objects.get(enquiry=enquiry)
    assert (task.owner, task.created_by, task.closed_at) == (alice, alice, None)
    assert AuditEvent.objects.filter(object_type="task", action="create").exists()
    assert "Ringe fastlegen tilbake" in client.get("/admin/intake/enquiry/mine/").content.decode()


def test_only_a_coordinator_gives_a_task_to_someone_else_of_the_team(
    alice: Any, bob: Any, tor: Any
) -> None:
    enquiry = make_enquiry(actor=alice)
    due = oslo(2027, 1, 5, 10, 0)
    with pytest.raises(ValidationError) as refused:
        followups.task_add(enquiry=enquiry, actor=alice, title="x", due_at=due, owner=bob)
    assert "owner" in refused.value.message_dict
    with pytest.raises(ValidationError) as refused:
        followups.task_add(enquiry=enquiry, actor=bob, title="x", due_at=due, owner=tor)
    assert "owner" in refused.value.message_dict
    task = followups.task_add(enquiry=enquiry, actor=bob, title="x", due_at=due, owner=alice)
    assert task.owner == alice


def test_a_task_is_reminded_when_due_to_its_owner_and_not_twice(
    alice: Any, bob: Any, sweep: Any
) -> None:
    enquiry = make_enquiry(actor=alice)
    task = make_task(enquiry, bob, oslo(2026, 12, 8, 10, 0), owner=alice)
    mail.outbox.clear()
    sweep(oslo(2026, 12, 8, 9, 59))
    assert not Reminder.objects.filter(task=task).exists()

    sweep(oslo(2026, 12, 8, 10, 1))
    reminded = list(Reminder.objects.filter(task=task))
    assert [r.recipient_user for r in reminded] == [alice]
    task.refresh_from_db()
    assert task.reminded_at is not None

    def task_mails() -> list[Any]:
        return [
            m for m in mail.outbox if m.to == ["alice@example.no"] and reminded[0].reason in m.body
        ]

    assert len(task_mails()) == 1
    # No personal data and not the task's free text: the reference and a link.
    assert enquiry.reference in task_mails()[0].subject
    assert "Ringe fastlegen" not in task_mails()[0].body
    assert enquiry.subject_name not in task_mails()[0].body
    assert f"/admin/intake/enquiry/{enquiry.pk}/change/" in task_mails()[0].body

    # Again, later, and once more after a "crash" (a second sweep at the same moment): nothing.
    sweep(oslo(2026, 12, 8, 10, 1))
    sweep(oslo(2026, 12, 9, 12, 0))
    assert Reminder.objects.filter(task=task).count() == 1
    assert len(task_mails()) == 1


def test_a_closed_task_is_not_reminded(alice: Any, sweep: Any) -> None:
    enquiry = make_enquiry(actor=alice)
    task = make_task(enquiry, alice, oslo(2026, 12, 8, 10, 0))
    with time_machine.travel(oslo(2026, 12, 8, 9, 0), tick=False):
        followups.task_close(task=task, actor=alice, text="Fastlegen ringte meg først.")
    sweep(oslo(2026, 12, 8, 11, 0))
    assert not Reminder.objects.filter(task=task).exists()


def test_the_owner_closes_a_task_with_a_journal_entry_on_the_page(
    alice: Any, bob: Any, as_user: Any
) -> None:
    enquiry = make_enquiry(actor=alice)
    task = make_task(enquiry, bob, oslo(2027, 1, 5, 10, 0), owner=alice)
    close_url = f"/admin/intake/enquiry/{enquiry.pk}/tasks/{task.pk}/close/"
    client = as_user(alice)
    assert close_url in client.get(tasks_url(enquiry)).content.decode()
    form = page_form_data(client.get(close_url).content.decode())
    form.update(kind="phone_call", text="Snakket med fastlegen; han følger opp.")
    assert client.post(close_url, form).status_code == 302
    task.refresh_from_db()
    assert task.closed_at is not None
    entry = task.closing_entry
    assert isinstance(entry, JournalEntry)
    assert (entry.kind, entry.author, entry.enquiry_id) == ("phone_call", alice, enquiry.pk)
    # Done: it leaves Mine saker, and cannot be closed twice.
    assert task.title not in client.get("/admin/intake/enquiry/mine/").content.decode()
    with pytest.raises(ValidationError) as refused:
        followups.task_close(task=task, actor=alice, text="Igjen.")
    assert "task" in refused.value.message_dict
    assert JournalEntry.objects.count() == 1


def test_someone_else_of_the_team_cannot_close_the_owners_task(
    alice: Any, bob: Any, as_user: Any
) -> None:
    carl = UserFactory(username="carl", team=alice.team, roles=["team_member"])
    enquiry = make_enquiry(actor=alice)
    task = make_task(enquiry, alice, oslo(2027, 1, 5, 10, 0))
    with pytest.raises(PermissionDenied):
        followups.task_close(task=task, actor=carl, text="Tok den.")
    close_url = f"/admin/intake/enquiry/{enquiry.pk}/tasks/{task.pk}/close/"
    response = as_user(carl).post(close_url, {"kind": "note", "text": "Tok den."})
    assert response.status_code == 302
    task.refresh_from_db()
    assert task.closed_at is None
    assert not JournalEntry.objects.exists()
