"""Breaking the glass in the admin: a coordinator states why they open another team's enquiry.

The stated reason opens that one enquiry, read-only, for a short while in the coordinator's
session; every page view in that time is logged as ``break_glass`` with the reason (the reads
themselves go through ``selectors.enquiry_for_actor``, which writes the event).
"""

from __future__ import annotations

import time
from typing import Any

from django import forms
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from intake.selectors import BREAK_GLASS_REASON_MAX_LENGTH

# Long enough to read the case and phone someone, short enough not to become standing access.
GRANT_SECONDS = 15 * 60
_SESSION_KEY = "intake_break_glass"


class BreakGlassForm(forms.Form):
    reason = forms.CharField(
        label=_("Why do you need to open this enquiry?"),
        min_length=10,
        max_length=BREAK_GLASS_REASON_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 4, "cols": 60}),
        help_text=_(
            "The enquiry belongs to another team. Your reason is recorded with every view, and "
            "the adult may ask to see who opened their case and why."
        ),
    )


def granted_reason(request: HttpRequest, enquiry_id: Any) -> str:
    """The reason stated for this enquiry, while the grant lasts; else the empty string."""
    grants: dict[str, Any] = request.session.get(_SESSION_KEY, {})
    grant = grants.get(str(enquiry_id))
    if not grant or grant.get("until", 0) < time.time():
        return ""
    return str(grant.get("reason", ""))


def grant(request: HttpRequest, enquiry_id: Any, reason: str) -> None:
    now = time.time()
    grants = {
        key: value
        for key, value in request.session.get(_SESSION_KEY, {}).items()
        if value.get("until", 0) >= now  # forget expired grants
    }
    grants[str(enquiry_id)] = {"reason": reason.strip(), "until": now + GRANT_SECONDS}
    request.session[_SESSION_KEY] = grants
