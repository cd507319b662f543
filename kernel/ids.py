"""Ids from outside (URLs, query strings, request bodies) as the UUIDs the models use."""

from __future__ import annotations

import uuid
from typing import Any


def uuid_or_none(value: Any) -> uuid.UUID | None:
    """``value`` as a UUID; None when it is empty or not a UUID (a caller's 404 or empty list)."""
    if value is None or value == "":
        return None
    try:
        return uuid.UUID(str(value))
    except ValueError:
        return None
