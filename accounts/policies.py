"""Who counts as a signed-in staff member: the question every app's policies start from."""

from __future__ import annotations

from typing import Any


def is_staff_user(user: Any) -> bool:
    """An authenticated, active person (not a service organisation's key, not anonymous)."""
    return bool(user is not None and getattr(user, "is_authenticated", False) and user.is_active)
