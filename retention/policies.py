"""Who may do what with retention, holds, the adult's data and rectification: coordinators of
the enquiry's team (permissions granted to the coordinator group by migration 0002)."""

from __future__ import annotations

from typing import Any

from accounts.policies import is_staff_user


def _has(user: Any, perm: str) -> bool:
    return is_staff_user(user) and bool(user.has_perm(perm))


def may_edit_rules(user: Any) -> bool:
    return _has(user, "retention.change_retentionrule")


def may_see_preview(user: Any) -> bool:
    return _has(user, "retention.view_retentionrule")


def may_hold(user: Any, enquiry: Any) -> bool:
    """Set or lift a legal hold on ``enquiry``: a coordinator of its team."""
    return _has(user, "retention.add_legalhold") and (
        user.is_superuser or user.team_id == enquiry.team_id
    )


def may_export(user: Any) -> bool:
    """Produce an adult's data (GDPR Art. 15): a coordinator, for the enquiries of their team."""
    return _has(user, "retention.export_personal_data") and (
        user.is_superuser or user.team_id is not None
    )


def may_rectify(user: Any, enquiry: Any) -> bool:
    return _has(user, "retention.rectify_enquiry") and (
        user.is_superuser or user.team_id == enquiry.team_id
    )
