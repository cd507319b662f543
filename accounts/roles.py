"""The staff roles (Django groups) and what each may do.

The groups and their permissions are created by a data migration; this module is the one place
that says which permission belongs to which role.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

TEAM_MEMBER = "team_member"
COORDINATOR = "coordinator"
MANAGER = "manager"
AUDITOR = "auditor"

ROLES = [TEAM_MEMBER, COORDINATOR, MANAGER, AUDITOR]

# The roles as a person reads them; a role's code is its group's name (and the contract's).
ROLE_LABELS = {
    TEAM_MEMBER: _("Team member"),
    COORDINATOR: _("Coordinator"),
    MANAGER: _("Manager"),
    AUDITOR: _("Auditor"),
}


def role_label(code: str) -> str:
    """The label of the role ``code`` ("Saksbehandler"); an unknown group's name as it is."""
    return str(ROLE_LABELS.get(code, code))


_WORK_ENQUIRIES = [
    "intake.view_enquiry",
    "intake.add_enquiry",
    "intake.change_enquiry",
    "intake.assess_enquiry",
    "intake.forward_enquiry",
    "intake.close_enquiry",
    "intake.view_riskassessment",
    "routing.view_referral",
    "routing.change_referral",
    "routing.view_helpservice",
    "routing.view_routingrule",
    "intake.view_assessmentinstrument",
    "intake.view_instrumentitem",
]

ROLE_PERMISSIONS: dict[str, list[str]] = {
    TEAM_MEMBER: _WORK_ENQUIRIES,
    COORDINATOR: [
        *_WORK_ENQUIRIES,
        "intake.reopen_enquiry",
        "intake.assign_enquiry",
        "intake.break_glass_enquiry",
        "routing.add_helpservice",
        "routing.change_helpservice",
        "routing.add_routingrule",
        "routing.change_routingrule",
        "routing.delete_routingrule",
        "intake.add_assessmentinstrument",
        "intake.change_assessmentinstrument",
        "intake.add_instrumentitem",
        "intake.change_instrumentitem",
        "intake.delete_instrumentitem",
        # Coordinators run the team, so they see its case-flow statistics too (issue 7).
        "intake.view_statistics",
        # ...and help its members sign in: unlock a locked account, reset a lost second factor.
        "accounts.view_user",
        "accounts.manage_signin",
    ],
    MANAGER: ["intake.view_statistics"],
    AUDITOR: ["audit.view_auditevent"],
}
