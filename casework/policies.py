"""Who may do what with the work on an enquiry (issue 16): the journal, taking and handing over
the case, tasks. Built on the enquiry's own policies (``intake.policies``)."""

from __future__ import annotations

from typing import Any

from intake import policies


def may_read_journal(user: Any, enquiry: Any) -> bool:
    return policies.may_view(user, enquiry)


def may_write_journal(user: Any, enquiry: Any) -> bool:
    """Team members and coordinators of the enquiry's team, while it is open."""
    return policies.may_edit(user, enquiry)


def may_take(user: Any, enquiry: Any) -> bool:
    """ "Ta saken": a member of the enquiry's team who works enquiries takes it for themselves."""
    return policies.may_edit(user, enquiry)


def may_hand_over(user: Any, enquiry: Any) -> bool:
    """Coordinators hand the case to a member of the enquiry's team (or to nobody)."""
    return policies.may_assign(user, enquiry)


def may_assign_to(user: Any, enquiry: Any, assignee: Any) -> bool:
    """Whether ``user`` may make ``assignee`` (None: nobody) the one who works ``enquiry``:
    coordinators anyone assignable; others only themselves, or nobody in their own place."""
    if may_hand_over(user, enquiry):
        return True
    if not may_take(user, enquiry):
        return False
    if assignee is None:
        return enquiry.assigned_to_id == user.pk
    return assignee.pk == user.pk


def may_add_task(user: Any, enquiry: Any) -> bool:
    return policies.may_edit(user, enquiry)


def may_close_task(user: Any, task: Any) -> bool:
    """The task's owner closes it (with a journal entry); a coordinator may close it for them."""
    enquiry = task.enquiry
    if not policies.may_edit(user, enquiry):
        return False
    return task.owner_id == user.pk or policies.may_assign(user, enquiry)
