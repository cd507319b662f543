"""Who counts as a signed-in staff member: the question every app's policies start from."""

from __future__ import annotations

from typing import Any


def is_staff_user(user: Any) -> bool:
    """An authenticated, active person (not a service organisation's key, not anonymous)."""
    return bool(user is not None and getattr(user, "is_authenticated", False) and user.is_active)


def may_manage_signin(actor: Any, user: Any) -> bool:
    """Who may unlock a user's sign-in and reset their second factor: a coordinator of the
    user's team (permission ``accounts.manage_signin``), never for themselves, and a superuser."""
    if not is_staff_user(actor) or actor.pk == getattr(user, "pk", None):
        return False
    if actor.is_superuser:
        return True
    return bool(
        actor.has_perm("accounts.manage_signin")
        and actor.team_id is not None
        and actor.team_id == user.team_id
    )
