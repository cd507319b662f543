"""Who may do what with an enquiry: one place, asked by services, selectors, admin and API.

django-fsm's ``permission=`` is only consulted when asked; it is not enforced when a transition
method is called. Services therefore ask these functions themselves before every write.
"""

from __future__ import annotations

from typing import Any, Protocol

from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _

from accounts.policies import is_staff_user
from kernel.errors import EnquiryClosed


class Enquiry(Protocol):
    """What a policy needs of an enquiry: its team. (A protocol, so that the model, which asks
    these policies for django-fsm's ``permission=``, is not imported back here.)"""

    team_id: int
    is_open: bool


TRANSITION_PERMISSIONS = {
    "assess": "intake.assess_enquiry",
    "forward": "intake.forward_enquiry",
    "close": "intake.close_enquiry",
    "reopen": "intake.reopen_enquiry",
}


def same_team(user: Any, enquiry: Enquiry) -> bool:
    return is_staff_user(user) and user.team_id is not None and user.team_id == enquiry.team_id


def may_view(user: Any, enquiry: Enquiry) -> bool:
    return same_team(user, enquiry) and user.has_perm("intake.view_enquiry")


def may_edit(user: Any, enquiry: Enquiry) -> bool:
    """Change the enquiry's facts, or add to it (messages, decisions, pauses, referral answers).

    Never while it is closed: a closed enquiry is read-only until a coordinator reopens it with a
    reason (``reopen`` is a transition, asked of ``may_transition``)."""
    return same_team(user, enquiry) and user.has_perm("intake.change_enquiry") and enquiry.is_open


def require_editable(user: Any, enquiry: Enquiry) -> None:
    """For services: EnquiryClosed when ``user`` could change the enquiry but it is closed;
    PermissionDenied when ``user`` may not change it at all."""
    if same_team(user, enquiry) and not enquiry.is_open:
        names = getattr(enquiry, "transition_names_for", None)
        raise EnquiryClosed(allowed=names(user) if names else [])
    if not may_edit(user, enquiry):
        raise PermissionDenied(_("You may not do this with this enquiry."))


def may_transition(user: Any, enquiry: Enquiry, name: str) -> bool:
    permission = TRANSITION_PERMISSIONS.get(name)
    return permission is not None and same_team(user, enquiry) and user.has_perm(permission)


def may_assign(user: Any, enquiry: Enquiry) -> bool:
    return same_team(user, enquiry) and user.has_perm("intake.assign_enquiry") and enquiry.is_open


def may_break_glass(user: Any) -> bool:
    return is_staff_user(user) and user.has_perm("intake.break_glass_enquiry")
