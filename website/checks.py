"""System checks for what the residents' pages promise: a phone number to call."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.checks import Error, Warning, register


@register()
def team_contact_configured(app_configs: Any = None, **kwargs: Any) -> list[Any]:
    """Refuse to run in production when the residents' pages would say "call the team" without a
    number (every public page offers the team's phone; the form's messages tell people to call).

    With DEBUG on (``make run`` sets demo values) nothing is checked.
    """
    if settings.DEBUG:
        return []
    problems: list[Any] = []
    if not settings.TRYGGEST_TEAM_PHONE.strip():
        problems.append(
            Error(
                "TRYGGEST_TEAM_PHONE is not set: the residents' pages tell people to call the "
                "TryggEst team, and would give no number.",
                hint="Set TRYGGEST_TEAM_PHONE (and TRYGGEST_TEAM_ADDRESS) in the environment.",
                id="website.E001",
            )
        )
    if not settings.TRYGGEST_DATA_PROTECTION_OFFICER.strip():
        problems.append(
            Warning(
                "TRYGGEST_DATA_PROTECTION_OFFICER is not set: the privacy statement (/personvern/) "
                "must give the data protection officer's contact (GDPR Art. 13(1)(b)).",
                hint="Set it to an e-mail address or phone number of the municipality's officer.",
                id="website.W001",
            )
        )
    return problems
