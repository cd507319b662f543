"""Where each role's work is: the start page of a signed-in staff member (issue 20, item 3).

``/`` sends a signed-in staff member to ``start_url(user)``; the admin's index lists
``places_for(user)`` above the apps (and in place of Django's "no permission" sentence for a
role whose work is outside the admin). The places are URL names and list parameters only, so
this module knows no app above ``accounts``; to repoint a place, change its line in ``_PLACES``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.urls import reverse
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from accounts.policies import is_staff_user

ENQUIRY_LIST = "admin:intake_enquiry_changelist"
MY_CASES = "admin:intake_enquiry_mine"  # casework's *Mine saker* (issue 16)


@dataclass(frozen=True)
class Place:
    """One place of work: what it is called, where it is, and what it is for."""

    label: str | Promise
    url: str
    description: str | Promise


def _enquiries(query: str) -> str:
    return f"{reverse(ENQUIRY_LIST)}?{query}"


# (permission that makes it the user's place, label, how to reach it, what it is for); the first
# place a user has is their start page. Coordinators before team members (they hold both).
_PLACES: list[tuple[str, Any, Any, Any]] = [
    (
        "intake.assign_enquiry",
        _("Overdue and unassigned"),
        lambda user: _enquiries("overdue=team&assigned=nobody"),
        _("The team's enquiries past their deadline that nobody works yet."),
    ),
    (
        "intake.view_enquiry",
        _("My cases"),
        lambda user: reverse(MY_CASES),
        _("The enquiries assigned to you, by next deadline, and your tasks."),
    ),
    (
        "intake.view_enquiry",
        _("All the team's enquiries"),
        lambda user: reverse(ENQUIRY_LIST),
        _("Every enquiry of your team, newest first."),
    ),
    (
        "intake.view_statistics",
        _("Statistics"),
        lambda user: reverse("stats:dashboard"),
        _("The case flow in figures, and the yearly report."),
    ),
    (
        "audit.view_auditevent",
        _("Audit trail"),
        lambda user: reverse("admin:audit_auditevent_changelist"),
        _("Who read or changed what, and when; access reports."),
    ),
]


def places_for(user: Any) -> list[Place]:
    """The places of work of ``user`` (a signed-in staff member), their start page first; []
    for anyone else."""
    if not is_staff_user(user) or not getattr(user, "is_staff", False):
        return []
    return [
        Place(label=label, url=url(user), description=description)
        for permission, label, url, description in _PLACES
        if user.has_perm(permission)
    ]


def start_url(user: Any) -> str | None:
    """The start page of ``user``: their first place of work, the admin's index for staff
    without one, None for anyone not signed in as staff (residents)."""
    if not is_staff_user(user) or not getattr(user, "is_staff", False):
        return None
    places = places_for(user)
    return places[0].url if places else reverse("admin:index")
