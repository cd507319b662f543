"""Who may do what with an enquiry: one place, asked by services, selectors, admin and API.

django-fsm's ``permission=`` is only consulted when asked; it is not enforced when a transition
method is called. Services therefore ask these functions themselves before every write.
"""

from __future__ import annotations

from typing import Any, Protocol

from accounts.policies import is_staff_user


class Enquiry(Protocol):
    """What a policy needs of an enquiry: its team. (A protocol, so that the model, which asks
    these policies for django-fsm's ``permission=``, is not imported back here.)"""

    team_id: int


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
    return same_team(user, enquiry) and user.has_perm("intake.change_enquiry")


def may_transition(user: Any, enquiry: Enquiry, name: str) -> bool:
    permission = TRANSITION_PERMISSIONS.get(name)
    return permission is not None and same_team(user, enquiry) and user.has_perm(permission)


def may_assign(user: Any, enquiry: Enquiry) -> bool:
    return same_team(user, enquiry) and user.has_perm("intake.assign_enquiry")


def may_break_glass(user: Any) -> bool:
    return is_staff_user(user) and user.has_perm("intake.break_glass_enquiry")
