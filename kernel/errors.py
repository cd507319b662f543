"""Errors the services raise. Views turn them into messages (admin) or status codes (API)."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext_lazy as _


class ConflictError(Exception):
    """Someone else changed the object between loading and saving: reload and try again."""

    message = _("The enquiry was changed by someone else. Reload the page and try again.")

    def __str__(self) -> str:
        return str(self.message)


class TransitionRefused(Exception):
    """The transition is not allowed from the current state."""

    def __init__(self, *, transition: str, state: str, allowed: list[str]) -> None:
        super().__init__(transition)
        self.transition = transition
        self.state = state
        self.allowed = allowed

    def __str__(self) -> str:
        return str(
            _("“%(transition)s” is not allowed when the enquiry is “%(state)s”.")
            % {"transition": self.transition, "state": self.state}
        )


class EnquiryClosed(PermissionDenied):
    """A change to a closed enquiry: it is read-only until a coordinator reopens it (with a
    reason). A PermissionDenied, so every page that shows a refusal shows this one; the API
    answers 409 (a conflict with the enquiry's state), not 403."""

    message = _("The enquiry is closed and cannot be changed. A coordinator can reopen it.")

    def __init__(self, *, allowed: list[str] | None = None) -> None:
        super().__init__(str(self.message))
        self.state = "closed"
        self.allowed = list(allowed or [])

    def __str__(self) -> str:
        return str(self.message)
