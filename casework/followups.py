"""Tasks and follow-ups on an enquiry (issue 16): "call the GP back on Tuesday", with a due time
and an owner. Shown in "Mine saker", reminded once by the sweep when due (``casework.reminders``,
the same claim as the clocks'), closed by the owner with a journal entry.

(The module is not ``casework.tasks``: that name is Celery's.)
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from audit import events
from casework import journal, policies
from casework.models import JournalKind, Task
from intake import policies as intake_policies
from intake import selectors as intake_selectors
from intake.models import Enquiry
from kernel.text import check_text

TASK_TITLE_MAX_LENGTH = 300


@transaction.atomic
def task_add(
    *, enquiry: Enquiry, actor: Any, title: str, due_at: dt.datetime, owner: Any | None = None
) -> Task:
    """A follow-up on ``enquiry`` for ``owner`` (default: the actor), due at ``due_at`` (aware).

    Raises EnquiryClosed on a closed enquiry, PermissionDenied for anyone but its team,
    ValidationError naming ``title``, ``due_at`` or ``owner`` (not an active member of the
    enquiry's team; a team member gives tasks only to themselves, a coordinator to anyone).
    """
    if not policies.may_add_task(actor, enquiry):
        intake_policies.require_editable(actor, enquiry)
        raise PermissionDenied(_("You may not do this with this enquiry."))
    owner = owner or actor
    errors: dict[str, list[str]] = {}
    title = (title or "").strip()
    if not title:
        errors["title"] = [_("Say what is to be done.")]
    check_text(errors, "title", title, limit=TASK_TITLE_MAX_LENGTH)
    if not isinstance(due_at, dt.datetime) or timezone.is_naive(due_at):
        errors["due_at"] = [_("Give a due time.")]
    if not intake_selectors.assignable_users(enquiry).filter(pk=owner.pk).exists():
        errors["owner"] = [_("Only a member of the enquiry's team can own a task.")]
    elif owner.pk != actor.pk and not policies.may_hand_over(actor, enquiry):
        errors["owner"] = [_("Only a coordinator gives a task to someone else.")]
    if errors:
        raise ValidationError(errors)
    task = Task.objects.create(
        enquiry=enquiry,
        title=title,
        due_at=due_at,
        owner=owner,
        created_by=actor,
        created_at=timezone.now(),
    )
    events.object_created(actor=actor, obj=task, enquiry_id=enquiry.pk)
    return task


@transaction.atomic
def task_close(
    *,
    task: Task,
    actor: Any,
    text: str,
    kind: str = JournalKind.NOTE,
    occurred_at: dt.datetime | None = None,
) -> Task:
    """The owner (or a coordinator) closes a task, writing what was done in the journal.

    Returns the task with its ``closing_entry``. PermissionDenied for anyone else; EnquiryClosed
    on a closed enquiry; ValidationError (``task``) when it is already done, or from the journal
    entry (``kind``, ``occurred_at``, ``text``).
    """
    enquiry = task.enquiry
    if not policies.may_close_task(actor, task):
        intake_policies.require_editable(actor, enquiry)
        raise PermissionDenied(_("Only the task's owner closes it."))
    now = timezone.now()
    entry = journal.journal_add(
        enquiry=enquiry, actor=actor, kind=kind, occurred_at=occurred_at or now, text=text
    )
    # The conditional UPDATE: of two closings at once, one wins; the other rolls back.
    if not Task.objects.filter(pk=task.pk, closed_at__isnull=True).update(
        closed_at=now, closing_entry=entry
    ):
        raise ValidationError({"task": [_("The task is already done.")]})
    task.refresh_from_db()
    events.object_changed(
        actor=actor, obj=task, fields=["closed_at", "closing_entry"], enquiry_id=enquiry.pk
    )
    return task


def open_tasks(enquiry: Enquiry) -> list[Task]:
    return list(
        Task.objects.filter(enquiry=enquiry, closed_at__isnull=True)
        .select_related("owner")
        .order_by("due_at", "pk")
    )
